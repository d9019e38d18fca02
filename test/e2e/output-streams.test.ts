/**
 * What each stream carries when there is no terminal (cron, Kubernetes, CI; README "Output"):
 * stdout the notices and the summary only, stderr the JSON log lines and, on failure, one plain
 * closing line. An expected failure is one JSON line without a stack; -v 3 adds the stack.
 */
import assert from 'node:assert/strict'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir, type CliResult } from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

interface LogLine {
  level: number
  run: string
  msg: string
  err?: {
    type: string
    message: string
    code?: number
    file?: string
    option?: string
    stack?: string
  }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')
const isJson = (line: string): boolean => {
  try {
    return typeof JSON.parse(line) === 'object'
  } catch {
    return false
  }
}

/**
 * The one JSON line that logs an expected failure: the only line with an `err`, the last JSON
 * line, without a stack; after it the plain closing message (several lines when it lists several
 * problems). Warnings may come before it.
 */
function failureLine(result: CliResult, code: number): NonNullable<LogLine['err']> {
  assert.equal(result.code, code, result.stderr)
  assert.equal(result.stdout, '')
  const err = lines(result.stderr)
  const json = err.filter(isJson).map((l) => JSON.parse(l) as LogLine)
  const failures = json.filter((l) => l.err !== undefined)
  assert.equal(failures.length, 1, result.stderr)
  assert.equal(json.at(-1), failures[0], 'the failure is the last log line')
  assert.equal(failures[0]?.err?.stack, undefined)
  assert.doesNotMatch(result.stderr, /\bat .*\.[cm]?js:\d+/)
  const plain = err.slice(err.findLastIndex(isJson) + 1)
  assert.match(plain[0] ?? '', /^tq-conn-netscout-aed: /)
  assert.equal(plain.length, (failures[0]?.err?.message ?? '').split('\n').length, result.stderr)
  const logged = failures[0]?.err
  assert.ok(logged)
  assert.equal(logged.code, code)
  return logged
}

describe('output streams without a terminal (real CLI, simulators over sockets)', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 40 })
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  it('keeps the summary on stdout and every log line, as JSON, on stderr', async () => {
    const result = await world.run(['-v', '3', '-e'])
    assert.equal(result.code, 0, result.stderr)
    const out = lines(result.stdout)
    assert.match(result.stdout, /^export \(\d+\.\d s\)\n {2}fetched: /)
    assert.ok(
      out.every((l) => !isJson(l)),
      `a JSON line on stdout:\n${result.stdout}`,
    )
    const err = lines(result.stderr)
    assert.ok(err.length > 10, 'debug logging writes many lines')
    const parsed = err.map((l) => JSON.parse(l) as LogLine)
    assert.equal(new Set(parsed.map((l) => l.run)).size, 1, 'one run id on every line')
  })

  it('logs a configuration error (exit 2) as one JSON line with type and file, no stack', async () => {
    const config = join(world.configDir, 'netscout-aed.yaml')
    const good = await readFile(config, 'utf8')
    try {
      await writeFile(config, 'format_version: 1\nthreatq: [unclosed\n')
      const result = await world.run(['-e'])
      assert.equal(result.code, 2)
      assert.equal(result.stdout, '')
      const err = lines(result.stderr)
      const json = err.filter(isJson).map((l) => JSON.parse(l) as LogLine)
      assert.equal(json.length, 1, result.stderr)
      const [logged] = json
      assert.equal(logged?.err?.type, 'ConfigError')
      assert.equal(logged.err.code, 2)
      assert.equal(logged.err.file, config)
      assert.match(logged.err.message, /is not valid YAML/)
      assert.equal(logged.err.stack, undefined)
      assert.doesNotMatch(result.stderr, /\bat .*\.[cm]?js:\d+/)
      // The last line is the plain one a person reads (cron mail, kubectl logs).
      assert.match(err.at(-1) ?? '', /^tq-conn-netscout-aed: .*is not valid YAML/)
      assert.ok(!isJson(err.at(-1) ?? ''))

      const debug = await world.run(['-e', '-v3'])
      assert.equal(debug.code, 2)
      const withStack = lines(debug.stderr)
        .filter(isJson)
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.err !== undefined)
      assert.match(withStack?.err?.stack ?? '', /ConfigError: .*\n\s+at /)
    } finally {
      await writeFile(config, good, { mode: 0o600 })
    }
  })

  it('logs a held lock (exit 5) as one JSON line naming the lock file, no stack', async () => {
    const lock = join(world.configDir, 'netscout-aed.lock')
    // This test process is alive: its pid makes the lock held, not stale.
    await writeFile(lock, `${String(process.pid)}\n`)
    try {
      const logged = failureLine(await world.run(['-e']), 5)
      assert.equal(logged.type, 'ExitError')
      assert.equal(logged.file, lock)
      assert.match(logged.message, /holds/)
    } finally {
      await rm(lock, { force: true })
    }
  })

  it('logs a bad option value (exit 2) as one JSON line naming the option, no stack', async () => {
    try {
      await world.enable({ relationship_depth: '7' })
      const logged = failureLine(await world.run(['-e']), 2)
      assert.equal(logged.type, 'ConfigError')
      assert.equal(logged.option, 'relationship_depth')
      assert.match(logged.message, /Relationship Depth/)
    } finally {
      await world.enable()
    }
  })

  it('logs a bad --cron schedule (exit 2) as one JSON line naming --cron, no stack', async () => {
    const cronDir = await tempDir('tq-aed-cron-')
    const result = await world.run(['--cron', '0 */2 * *'], { TQ_CRON_DIR: cronDir })
    const logged = failureLine(result, 2)
    assert.equal(logged.type, 'ConfigError')
    assert.equal(logged.option, '--cron')
    assert.match(logged.message, /exactly 5/)
  })
})
