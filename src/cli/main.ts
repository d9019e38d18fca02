/**
 * The command from argv to exit code: parse, run, and turn every error into one line on stderr
 * and the documented exit code, never a stack trace. bin.ts gives it the real process; tests give
 * it a captured CommandIo and get exactly what the process would print.
 */
import { ExitError, EXIT } from '../errors.js'
import { buildParser, type CliArgs } from './args.js'
import { runConnector } from './connector.js'
import { isPromptExit } from './run-signal.js'
import { Secrets } from '../log/secrets.js'
import { scrubbedIo, type CommandIo } from './io.js'

export const PROGRAM = 'tq-conn-netscout-aed'

/** The stderr line (empty: none) and exit code for an error that ended a run. */
export function describeFailure(error: unknown): { code: number; line: string } {
  // Ctrl-C at a prompt (@inquirer's ExitPromptError): the person knows, so quietly, as a shell's 130.
  if (isPromptExit(error)) return { code: EXIT.interrupted, line: '' }
  const code = error instanceof ExitError ? error.code : EXIT.failed
  // ExitError and RemoteError messages are written for this line.
  const message = error instanceof Error ? error.message : String(error)
  return { code, line: `${PROGRAM}: ${message}\n` }
}

/**
 * Whether argv asks for `--version` (or a prefix argparse would take for it) before any `--`.
 * main answers it itself: argparse's version action re-wraps text to the terminal width, and
 * the version text has one fact a line (src/version.ts).
 */
export function asksForVersion(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (/^--vers(?:i(?:o(?:n)?)?)?$/.test(arg)) return true
  }
  return false
}

/** `version`: the `--version` text (src/version.ts versionText); its first line goes to --help. */
export async function main(argv: string[], raw: CommandIo, version: string): Promise<number> {
  // The run's one registry of secrets: every line main and the run print goes through it, the
  // closing error line included (a server may quote the credentials it got in its error body).
  const secrets = new Secrets()
  const io = scrubbedIo(raw, secrets)
  if (asksForVersion(argv)) {
    io.stdout(`${version}\n`)
    return EXIT.ok
  }
  let args: CliArgs
  try {
    args = buildParser(version.split('\n')[0] ?? version).parse_args<CliArgs>(argv)
  } catch (error) {
    io.stderr(`${PROGRAM}: error: ${error instanceof Error ? error.message : String(error)}\n`)
    return EXIT.usage
  }
  try {
    return await runConnector(args, io, secrets)
  } catch (error) {
    const failure = describeFailure(error)
    if (failure.line !== '') io.stderr(failure.line)
    return failure.code
  }
}
