/**
 * The bad-input corpus's runner: a case is data (arguments, files, remote shapes, expectation);
 * the command runs in-process through the same `main` the binary uses (same exit code, same
 * stderr), a few cases also as a real process. Every case is checked for what must never happen:
 * a stack trace, a hang, a partial --output file, a half-written or lost config/state file, a lock
 * left behind, a STIX pattern that is not escaped.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parseDocument } from 'yaml'
import { main } from '../../src/cli/main.js'
import { configSchema } from '../../src/config/config-file.js'
import { stateSchema } from '../../src/config/state-file.js'
import { unescapePatternLiteral } from '../../src/stix/patterns.js'
import { BIN, tempDir, type CliResult } from '../../sim/world/processes.js'

/** A run longer than this is a hang; the case fails. */
export const RUN_TIMEOUT_MS = 30_000

/** What a case must end in: exit code and message, or exit code and logged skips. */
export interface Expectation {
  code: number
  /** Matched against stderr (errors) … */
  stderr?: RegExp
  /** … or stdout (exit-4 guidance, the summary). */
  stdout?: RegExp
  /** Log lines (JSON) that must exist: `msg` matches, and the whole line matches `detail`. */
  logged?: { msg: RegExp; detail?: RegExp }[]
  /** Text that must appear nowhere: stdout, stderr or the log (a secret in the input). */
  absent?: string[]
}

export interface Invocation {
  argv: readonly string[]
  env?: Record<string, string>
}

function withTimeout<T>(promise: Promise<T>, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.()
      reject(new Error(`${what} did not finish within ${String(RUN_TIMEOUT_MS)} ms: a hang`))
    }, RUN_TIMEOUT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer)
  })
}

/** The command in this process, with a captured terminal: what the binary would print. */
export async function runInProcess(run: Invocation): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await withTimeout(
    main(
      [...run.argv],
      {
        env: { ...run.env },
        stdout: (text) => {
          stdout += text
        },
        stderr: (text) => {
          stderr += text
        },
        stdinIsTTY: false,
        stdoutIsTTY: false,
        stderrIsTTY: false,
        now: () => new Date(),
        execPath: process.execPath,
        binPath: BIN.connector,
      },
      '0.0.0-corpus',
    ),
    'the in-process run',
  )
  return { code, stdout, stderr }
}

/** The compiled binary as a child process, killed (and the case failed) when it hangs. */
export function runSpawned(run: Invocation): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN.connector, ...run.argv], {
    env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? 'UTC', ...run.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return withTimeout(
    new Promise<CliResult>((resolve) => {
      child.on('close', (code) => {
        resolve({ code, stdout, stderr })
      })
    }),
    'the spawned run',
    () => child.kill('SIGKILL'),
  )
}

interface LogLine {
  msg?: string
  level?: number
}

export async function readLog(
  logDir: string,
  name: string,
): Promise<{ line: LogLine; text: string }[]> {
  let text: string
  try {
    text = await readFile(join(logDir, `${name}.log`), 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ line: JSON.parse(l) as LogLine, text: l }))
}

export async function assertExpectation(
  result: CliResult,
  expected: Expectation,
  log: { dir: string; name: string },
): Promise<void> {
  const shown = `exit ${String(result.code)}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
  assert.equal(result.code, expected.code, shown)
  if (expected.stderr !== undefined) assert.match(result.stderr, expected.stderr, shown)
  if (expected.stdout !== undefined) assert.match(result.stdout, expected.stdout, shown)
  const lines = await readLog(log.dir, log.name)
  for (const secret of expected.absent ?? [])
    for (const text of [result.stdout, result.stderr, ...lines.map((l) => l.text)])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text.slice(0, 300)}`)
  if (expected.logged === undefined) return
  for (const want of expected.logged) {
    const found = lines.some(
      ({ line, text }) =>
        want.msg.test(line.msg ?? '') && (want.detail === undefined || want.detail.test(text)),
    )
    assert.ok(
      found,
      `no log line ${String(want.msg)} ${String(want.detail)} in:\n${lines.map((l) => l.text.slice(0, 400)).join('\n')}`,
    )
  }
}

/** The config directory's files, to compare after the run. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const entry of await readdir(dir).catch(() => [])) {
    files.set(entry, await readFile(join(dir, entry), 'utf8').catch(() => '<unreadable>'))
  }
  return files
}

const STACK_FRAME = /^\s+at \S|node:internal|\.js:\d+:\d+/m

/** A STIX pattern as the connector writes it: one comparison with a correctly escaped literal. */
const PATTERN = /^\[([a-z0-9-]+):([a-z_]+|hashes\.'[A-Z0-9-]+') = '((?:[^'\\]|\\['\\])*)'\]$/su

/** The value inside a pattern; fails the case when the pattern is not escaped. */
export function patternValue(pattern: string): string {
  const m = PATTERN.exec(pattern)
  assert.ok(m !== null, `not a single correctly escaped comparison: ${pattern.slice(0, 200)}`)
  return unescapePatternLiteral(m[3] ?? '')
}

export interface DryRunDocument {
  export?: { bundles: { objects: { type: string; pattern?: string; id: string }[] }[] }
  import?: { indicators: { value: string }[]; events: { title: string }[] }
}

/** The indicators' patterns of a --dry-run --output document. */
export function patternsOf(doc: DryRunDocument): string[] {
  return (doc.export?.bundles ?? [])
    .flatMap((b) => b.objects)
    .filter((o) => o.type === 'indicator')
    .map((o) => o.pattern ?? '')
}

/**
 * What must hold after any case: no stack trace; stderr empty or one message line (plus its
 * indented details); --output absent or complete JSON with escaped patterns, no temporary file
 * beside it; config and state unchanged or still valid; the lock released; no temp files.
 */
export async function assertInvariants(
  result: CliResult,
  where: {
    configDir: string
    name: string
    before: Map<string, string>
    output?: string
    /** The --output path's content before the run, when it existed. */
    outputBefore?: string
  },
): Promise<DryRunDocument | undefined> {
  const all = `${result.stdout}\n${result.stderr}`
  assert.doesNotMatch(all, STACK_FRAME, `a stack trace:\n${all}`)
  assert.ok(
    result.code !== null && result.code >= 0 && result.code <= 5,
    `exit ${String(result.code)}`,
  )
  if (result.stderr !== '') {
    const [first = '', ...rest] = result.stderr.trimEnd().split('\n')
    assert.match(first, /^tq-conn-netscout-aed: \S/, `stderr: ${result.stderr}`)
    for (const line of rest) assert.match(line, /^ {2}\S/, `stderr detail line: ${line}`)
  }

  const after = await snapshot(where.configDir)
  for (const [file, content] of after) {
    assert.ok(
      /\.(yaml|state\.json|runs\.json|syslog\.json|audit\.jsonl|ledger|ledger\.journal)$/.test(
        file,
      ) || where.before.has(file),
      `unexpected file left in the config dir: ${file}`,
    )
    if (where.before.get(file) === content) continue
    if (file.endsWith('.yaml')) {
      const doc = parseDocument(content)
      assert.deepEqual(doc.errors, [], `${file} rewritten as invalid YAML`)
      assert.ok(
        configSchema.safeParse(doc.toJS()).success,
        `${file} rewritten as an invalid config`,
      )
    } else if (file.endsWith('.state.json'))
      assert.ok(
        stateSchema.safeParse(JSON.parse(content)).success,
        `${file} rewritten as an invalid state`,
      )
  }
  for (const file of where.before.keys())
    if (/\.(yaml|state\.json)$/.test(file)) assert.ok(after.has(file), `${file} was lost`)
  assert.ok(!after.has(`${where.name}.lock`) || where.before.has(`${where.name}.lock`), 'lock left')

  if (where.output === undefined) return undefined
  const dir = dirname(where.output)
  const leftovers = (await readdir(dir).catch(() => [])).filter(
    (f) => f.startsWith(basename(where.output ?? '')) && f.endsWith('.tmp'),
  )
  assert.deepEqual(leftovers, [], 'a temporary --output file was left behind')
  let text: string
  try {
    text = await readFile(where.output, 'utf8')
  } catch {
    return undefined
  }
  if (text === where.outputBefore) return undefined
  let doc: DryRunDocument
  try {
    doc = JSON.parse(text) as DryRunDocument
  } catch (error) {
    assert.fail(`--output is not complete JSON: ${(error as Error).message}`)
  }
  for (const pattern of patternsOf(doc)) patternValue(pattern)
  return doc
}

export const newDir = (prefix: string): Promise<string> => tempDir(`tq-aed-corpus-${prefix}-`)
