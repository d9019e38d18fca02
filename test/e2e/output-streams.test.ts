/**
 * What each stream carries when there is no terminal (cron, Kubernetes, CI; README "Output"):
 * stdout the notices and the summary only, stderr the JSON log lines and, on failure, one plain
 * closing line. An expected failure is one JSON line without a stack; -v 3 adds the stack.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startWorld, type World } from '../helpers/world.js'

interface LogLine {
  level: number
  run: string
  msg: string
  err?: { type: string; message: string; code?: number; file?: string; stack?: string }
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')
const isJson = (line: string): boolean => {
  try {
    return typeof JSON.parse(line) === 'object'
  } catch {
    return false
  }
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
})
