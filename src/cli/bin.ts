#!/usr/bin/env node
/**
 * Process boundary: the only place that reads process state, prints errors and exits. Errors
 * become one line and the documented exit code, never a stack trace.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { ExitError, EXIT } from '../errors.js'
import { RemoteError } from '../http/errors.js'
import { buildParser, type CliArgs } from './args.js'
import { runConnector } from './connector.js'

const require = createRequire(import.meta.url)
const { version } = require('../../../package.json') as { version: string }

// Node's types say boolean, but a stream that is not a terminal has no isTTY at all.
const isTerminal = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true

async function main(argv: string[]): Promise<number> {
  let args: CliArgs
  try {
    args = buildParser(version).parse_args<CliArgs>(argv)
  } catch (error) {
    process.stderr.write(`tq-conn-netscout-aed: error: ${(error as Error).message}\n`)
    return EXIT.usage
  }
  try {
    return await runConnector(args, {
      env: process.env,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      stdinIsTTY: isTerminal(process.stdin),
      stdoutIsTTY: isTerminal(process.stdout),
      stderrIsTTY: isTerminal(process.stderr),
      now: () => new Date(),
      execPath: process.execPath,
      binPath: fileURLToPath(import.meta.url),
    })
  } catch (error) {
    const code = error instanceof ExitError ? error.code : EXIT.failed
    const message =
      error instanceof ExitError || error instanceof RemoteError
        ? error.message
        : (error as Error).name === 'ExitPromptError'
          ? 'cancelled'
          : (error as Error).message
    process.stderr.write(`tq-conn-netscout-aed: ${message}\n`)
    return code
  }
}

process.exitCode = await main(process.argv.slice(2))
