import assert from 'node:assert/strict'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { assertLinked, type ImportedAlert } from '../helpers/import-links.js'
import { CREDS, enforcedDomain, startWorld, type World } from '../../sim/world/world.js'

interface TqEvent {
  id: number
  title: string
}

describe('import: AED alerts → ThreatQ events with related indicators', () => {
  let world: World
  let events: () => Promise<TqEvent[]>
  before(async () => {
    world = await startWorld({ seed: 100 })
    await world.configure()
    const api = await threatqApi(world.threatq)
    events = async () => (await api<{ data: TqEvent[] }>('GET', '/api/events?limit=1000')).data
  })
  after(async () => {
    await world.stop()
  })

  it('imports the blocked-host alerts that traffic against exported indicators produced', async () => {
    assert.equal((await world.run(['-e'])).code, 0)
    const domain = await enforcedDomain(world)
    const { alerts } = await world.aed.admin<{ alerts: unknown[] }>('POST', '/_sim/traffic', {
      flows: [
        {
          src: '10.1.1.1',
          dst: '10.9.9.9',
          srcPort: 1234,
          dstPort: 80,
          proto: 'tcp',
          host: domain,
          direction: 'outbound',
        },
        { src: '203.0.113.250', dst: '10.0.0.1', srcPort: 4444, dstPort: 22, proto: 'tcp' },
      ],
    })
    assert.ok(alerts.length >= 1)
    const result = await world.run(['-i'])
    assert.equal(result.code, 0, result.stderr)
    const imported = await events()
    assert.equal(imported.length, alerts.length)
    for (const e of imported)
      assert.match(e.title, /^AED 127\.0\.0\.1:\d+ alert \d+: blocked-host$/)
    assert.match(result.stdout, /ThreatQ event ids: \d+/)
    await assertLinked(world, alerts as ImportedAlert[], imported)
  })

  it('creates the Alert event type and records the import on the connector record', async () => {
    const api = await threatqApi(world.threatq)
    const types = await api<{ data: { name: string }[] }>('GET', '/api/event/types?limit=100')
    assert.ok(types.data.some((t) => t.name === 'Alert'))
    const records = await api<{
      data: { name: string; last_import_at: string | null; last_import_count: number | null }[]
    }>('GET', '/api/connectors')
    const record = records.data.find((r) => r.name === 'Netscout AED Connector')
    assert.ok(record?.last_import_at !== null && record?.last_import_at !== undefined)
    assert.equal(record.last_import_count, (await events()).length)
  })

  it('re-importing the same window updates the same events instead of duplicating them', async () => {
    const before = (await events()).length
    const result = await world.run(['-i', '--since', '1 day ago'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal((await events()).length, before)
  })

  it('imports only alerts at or above the configured severity that match the keywords', async () => {
    const now = Math.floor(Date.now() / 1000)
    await world.aed.admin('POST', '/_sim/alerts', {
      alerts: [
        {
          alertType: 'ddos',
          severity: 2,
          startTime: now,
          category: 'botnet flood',
          src: '198.51.100.20',
        },
        {
          alertType: 'ddos',
          severity: 8,
          startTime: now,
          category: 'botnet flood',
          src: '198.51.100.21',
        },
        {
          alertType: 'ddos',
          severity: 9,
          startTime: now,
          category: 'volumetric',
          src: '198.51.100.22',
        },
      ],
    })
    await world.configure({ alert_severity: 'High', query_keywords: 'botnet' }, 'high')
    const before = (await events()).length
    const result = await world.run(['-n', 'high', '-i'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /fetched:\s+alert 1\b/)
    assert.equal((await events()).length, before + 1)
  })
})

describe('operations: logs, secrets, locks and instances', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 50 })
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  it('at -v3 with a log directory, no password, token or API key reaches the log, the output or the terminal', async () => {
    const logs = await tempDir('tq-aed-logs-')
    const out = join(await tempDir('tq-aed-out-'), 'dry.json')
    await world.aed.admin('POST', '/_sim/traffic', {
      flows: [{ src: '10.1.1.1', dst: '10.9.9.9', host: 'delta0.org', direction: 'outbound' }],
    })
    const runs = [
      await world.run(['-v3', '-ll', logs]),
      await world.run(['-v3', '-ll', logs, '--full', '--dry-run', '--output', out]),
    ]
    const state = JSON.parse(
      await readFile(join(world.configDir, 'netscout-aed.state.json'), 'utf8'),
    ) as { threatq_token: { access_token: string; refresh_token?: string } }
    const secrets = [
      CREDS.password,
      CREDS.aedToken,
      CREDS.taxiiPassword,
      state.threatq_token.access_token,
      state.threatq_token.refresh_token ?? 'none',
    ]
    const texts = [
      ...runs.flatMap((r) => [r.stdout, r.stderr]),
      await readFile(join(logs, 'netscout-aed.log'), 'utf8'),
      await readFile(out, 'utf8'),
    ]
    assert.match(texts[4] ?? '', /"level":20/, 'debug lines were written')
    for (const secret of secrets)
      for (const text of texts) assert.ok(!text.includes(secret), `a secret leaked`)
    for (const line of (texts[4] ?? '').trim().split('\n'))
      assert.ok('run' in (JSON.parse(line) as object), 'every line carries the run id')
  })

  it('exits 5 while another live run holds the instance lock, and takes over a stale one', async () => {
    const lock = join(world.configDir, 'netscout-aed.lock')
    await writeFile(lock, `${String(process.pid)}\n`)
    const locked = await world.run(['-e'])
    assert.equal(locked.code, 5)
    assert.match(locked.stderr, /holds/)
    await writeFile(lock, '999999\n')
    assert.equal((await world.run(['-e'])).code, 0)
  })

  it('keeps two instances apart: own files, own connector record', async () => {
    await world.configure({ relationship_depth: '0' }, 'second')
    const result = await world.run(['-n', 'second', '-e'])
    assert.equal(result.code, 0, result.stderr)
    const files = (await readdir(world.configDir)).sort()
    for (const f of [
      'netscout-aed.yaml',
      'netscout-aed.state.json',
      'second.yaml',
      'second.state.json',
    ])
      assert.ok(files.includes(f), f)
  })
})
