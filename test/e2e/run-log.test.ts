/**
 * What a run leaves in its log file at the default verbosity (README.md, "Output"), the real CLI
 * against both simulator processes: one line where the run starts (version, directions, dry run)
 * and one where it ends (exit code, duration, the summary's figures per direction), a failing run
 * too; every time ISO-8601; and -d says once, on stderr and in the log, that AED's certificate is
 * unchecked.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

interface LogLine {
  level: number
  time: string
  run: string
  instance: string
  msg: string
  [key: string]: unknown
}

interface Figures {
  fetched: Record<string, number>
  sent: Record<string, number>
  skipped: Record<string, number>
  refused: Record<string, number>
  revoked: Record<string, number>
  unchanged: Record<string, number>
  rejected: Record<string, number>
}

const NO_CHECK =
  "-d/--disable-ssl: AED's TLS certificate is not checked (nor EDM's): anyone on the way to it can pose as the AED; set aed_ca_file to its CA certificate (PEM) and drop -d"

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

async function logLines(dir: string): Promise<LogLine[]> {
  return (await readFile(join(dir, 'netscout-aed.log'), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine)
}

/** The one line with this message; none or several fail the test. */
function only(lines: readonly LogLine[], msg: string): LogLine {
  const found = lines.filter((l) => l.msg === msg)
  assert.equal(found.length, 1, `one "${msg}" line in:\n${JSON.stringify(lines, null, 1)}`)
  return found[0] as LogLine
}

const count = (text: string, part: string): number => text.split(part).length - 1

describe('the run log at the default verbosity', { concurrency: 1 }, () => {
  let world: World

  before(async () => {
    world = await startWorld({ seed: 20 })
    await world.configure({ relationship_depth: '0' })
  })
  after(async () => {
    await world.stop()
  })

  it('an export: a start line and an end line with exit 0, the duration and the figures; ISO-8601 times', async () => {
    const logs = await tempDir('tq-aed-runlog-')
    const result = await world.run(['-e', '-ll', logs])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const lines = await logLines(logs)
    const start = only(lines, 'run started')
    const end = only(lines, 'run ended')
    assert.equal(lines[0], start, 'the first line')
    assert.equal(lines.at(-1), end, 'the last line')
    assert.equal(start.run, end.run)
    assert.equal(start.instance, 'netscout-aed')
    assert.match(String(start.version), /^\d+\.\d+\.\d+/)
    assert.deepEqual(start.directions, ['export'])
    assert.equal(start.dry_run, false)
    assert.equal(end.exit, 0)
    assert.equal(typeof end.duration_ms, 'number')
    const summary = end.summary as Record<string, Figures>
    assert.deepEqual(Object.keys(summary), ['export'])
    const exported = summary.export
    assert.ok(exported)
    // The figures the printed summary shows.
    const sent = /^\s*sent:\s+(.*)$/m.exec(result.stdout)?.[1] ?? ''
    for (const [type, n] of Object.entries(exported.sent))
      assert.ok(sent.includes(`${type} ${String(n)}`), `${type} ${String(n)} in "${sent}"`)
    assert.ok((exported.sent.indicator ?? 0) > 0, JSON.stringify(exported))
    for (const key of ['fetched', 'skipped', 'refused', 'revoked', 'unchanged'] as const)
      assert.equal(typeof exported[key], 'object', key)
    assert.deepEqual(exported.rejected, {})
    for (const line of lines) assert.match(line.time, ISO_UTC)
  })

  it('a failing run (a wrong AED token, exit 2) ends with the end line too', async () => {
    await world.enable({ relationship_depth: '0', api_token: 'not-the-token' })
    try {
      const logs = await tempDir('tq-aed-runlog-')
      const result = await world.run(['-ll', logs])
      assert.equal(result.code, 2, result.stdout + result.stderr)
      const lines = await logLines(logs)
      assert.deepEqual(only(lines, 'run started').directions, ['import', 'export'])
      const end = only(lines, 'run ended')
      assert.equal(lines.at(-1), end, 'the last line')
      assert.equal(end.exit, 2)
      assert.deepEqual(end.summary, {}, 'no direction finished')
      assert.ok(lines.indexOf(only(lines, 'run failed')) < lines.indexOf(end), 'after the failure')
    } finally {
      await world.enable({ relationship_depth: '0' })
    }
  })

  it('-v 0 keeps a log file to errors: no start or end line', async () => {
    const logs = await tempDir('tq-aed-runlog-')
    const result = await world.run(['-e', '-v', '0', '-ll', logs])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(await readFile(join(logs, 'netscout-aed.log'), 'utf8'), '')
  })

  it('-d warns once on stderr and once in the log that AED certificate is not checked', async () => {
    const logs = await tempDir('tq-aed-runlog-')
    const result = await world.run(['-d', '-ll', logs])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(result.stderr, `warning: ${NO_CHECK}\n`)
    const warned = (await logLines(logs)).filter((l) => l.msg === NO_CHECK)
    assert.equal(warned.length, 1)
    assert.equal(warned[0]?.level, 40)
  })

  it('-d with the log on the console: the one stderr line; --check -d too', async () => {
    const plain = await world.run(['-d', '-e'])
    assert.equal(plain.code, 0, plain.stdout + plain.stderr)
    assert.equal(count(plain.stderr, NO_CHECK), 1, plain.stderr)
    const check = await world.run(['-d', '--check'])
    assert.equal(check.code, 0, check.stdout + check.stderr)
    assert.equal(count(check.stderr, NO_CHECK), 1, check.stderr)
  })
})
