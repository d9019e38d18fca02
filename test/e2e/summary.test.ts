import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { startWorld, type World } from '../../sim/world/world.js'

/** One figure of the first summary section: `kind n, kind n` as a map ({} for `none`). */
function figure(stdout: string, label: string): Record<string, number> {
  const line = new RegExp(`^  ${label}:\\s+(.*)$`, 'm').exec(stdout)?.[1]
  assert.ok(line !== undefined, `no "${label}:" line in\n${stdout}`)
  if (line === 'none') return {}
  const out: Record<string, number> = {}
  for (const part of line.split(', ')) {
    const m = /^(.*) (\d+)$/.exec(part)
    assert.ok(m?.[1] !== undefined && m[2] !== undefined, `"${part}" is not "<kind> <count>"`)
    out[m[1]] = Number(m[2])
  }
  return out
}

/** The data collection's size and exportable share, from the summary's note. */
function collection(stdout: string): { members: number; exportable: number } {
  const m = /data collection "[^"]*": (\d+) indicators, (\d+) exportable/.exec(stdout)
  assert.ok(m?.[1] !== undefined && m[2] !== undefined, stdout)
  return { members: Number(m[1]), exportable: Number(m[2]) }
}

const sum = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0)

describe('the run summary: each figure counts each object once', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 1000 })
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  it('a rerun after one change: unchanged is per kind and never counts what was sent, nor what AED already held', async () => {
    assert.equal((await world.run(['-e'])).code, 0)
    const api = await threatqApi(world.threatq)
    const page = await api<{ data: { id: number }[] }>(
      'GET',
      '/api/indicators?type_name=FQDN&limit=1&value=%25.%25',
    )
    const target = page.data[0]
    assert.ok(target)
    await new Promise((r) => setTimeout(r, 1100)) // ThreatQ times have one-second precision
    await api('PUT', `/api/indicators/${String(target.id)}`, { description: 'changed' })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    const { members, exportable } = collection(result.stdout)
    const sent = figure(result.stdout, 'sent')
    const unchanged = figure(result.stdout, 'unchanged')
    const fetched = figure(result.stdout, 'fetched')
    for (const [kind, n] of Object.entries(unchanged))
      if (kind !== 'relationship' && kind !== 'identity' && kind !== 'marking-definition')
        assert.ok(n + (sent[kind] ?? 0) <= (fetched[kind] ?? 0), `${kind}: ${result.stdout}`)
    assert.equal(unchanged.indicator, exportable - 1, result.stdout)
    assert.equal(fetched.indicator, members)
    // The identity and markings travel with the changed indicator; AED held them already.
    assert.deepEqual(sent, { indicator: 1 }, result.stdout)
  })

  it('a run with nothing new counts every indicator it read under fetched', async () => {
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(figure(result.stdout, 'sent'), {})
    assert.equal(figure(result.stdout, 'fetched').indicator, collection(result.stdout).members)
  })

  it('a dry run says so in its title and claims no delivery', async () => {
    const result = await world.run(['-e', '--full', '--dry-run'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^export \(\d+\.\d s, dry run: nothing sent to AED\)$/m)
    assert.ok(sum(figure(result.stdout, 'would send')) > 0)
    assert.doesNotMatch(result.stdout, /^\s+(sent|revoked):/m)
  })

  it('-v3 logs each skip reason once, with its count and a few examples, not a line per indicator', async () => {
    const logs = await tempDir('tq-aed-summary-log-')
    const result = await world.run(['-e', '-v3', '-ll', logs])
    assert.equal(result.code, 0, result.stderr)
    const skipped = figure(result.stdout, 'skipped')
    assert.ok(sum(skipped) > 50, result.stdout)
    const lines = (await readFile(join(logs, 'netscout-aed.log'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { msg?: string; count?: number; examples?: unknown[] })
    const skipLines = lines.filter((l) => l.msg?.startsWith('indicator skipped') === true)
    assert.ok(skipLines.length <= Object.keys(skipped).length, `${String(skipLines.length)} lines`)
    const reason = 'not enforceable by AED'
    const line = skipLines.find((l) => l.msg === `indicator skipped: ${reason}`)
    assert.equal(line?.count, skipped[reason])
    assert.ok((line?.examples?.length ?? 0) >= 1 && (line?.examples?.length ?? 0) <= 5)
    assert.ok(lines.length < 100, `${String(lines.length)} log lines`)
  })

  it('an ongoing alert read again is counted as an updated event, not a new one', async () => {
    const now = Math.floor(Date.now() / 1000)
    await world.aed.admin('POST', '/_sim/alerts', {
      alerts: [
        {
          alertType: 'ddos',
          severity: 8,
          startTime: now - 600,
          category: 'flood',
          src: '198.51.100.7',
        },
      ],
    })
    const first = await world.run(['-i'])
    assert.equal(first.code, 0, first.stderr)
    assert.equal(figure(first.stdout, 'sent').event, 1, first.stdout)
    assert.deepEqual(figure(first.stdout, 'updated'), {})
    await new Promise((r) => setTimeout(r, 1100)) // ThreatQ times have one-second precision
    const again = await world.run(['-i'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(figure(again.stdout, 'fetched').alert, 1, again.stdout)
    assert.equal(figure(again.stdout, 'sent').event, undefined, again.stdout)
    assert.deepEqual(figure(again.stdout, 'updated'), { event: 1 })
  })
})
