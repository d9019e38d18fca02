/**
 * The export as a sync (README.md, "The export is a sync"), the real CLI against both simulator
 * processes: AED ends up holding exactly the exportable members of the data collection.
 * Whitelisting, leaving the saved search and deletion revoke; a renamed malware is re-sent alone;
 * guards refuse what must never be blocked; an emptied collection stops before anything is sent; a
 * lost ledger is reported and revokes nothing.
 */
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StixObject } from '../../src/stix/types.js'
import { crashAt, heldRequest } from '../helpers/crash.js'
import { tempDir } from '../../sim/world/processes.js'
import { saveFeedCollection, startFeedWorld, threatqApi } from '../../sim/world/threatq-api.js'
import { aedObjects, simState, startWorld, type World } from '../../sim/world/world.js'

const FEED = 'Sync Feed'
const COLLECTION = 'Sync Test'
const WHITELISTED = '198.51.100.10'
const LEAVES = '198.51.100.11'
const DELETED = 'deleted-sync.example'
const LINKED = '198.51.100.12'
const FILLERS = Array.from({ length: 12 }, (_, i) => `filler${String(i)}.sync.example`)
const REFUSED: [string, string, RegExp][] = [
  ['CIDR Block', '11.0.0.0/8', /CIDR broader than \/16/],
  ['IP Address', '127.0.0.1', /never blocked: loopback/],
  ['FQDN', 'www.never-blocked.example', /in never_block \(never-blocked\.example\)/],
]

type Api = Awaited<ReturnType<typeof threatqApi>>

const line = (stdout: string, key: string): string =>
  new RegExp(`^\\s*${key}:\\s*(.*)$`, 'm').exec(stdout)?.[1] ?? ''

/** The latest version of each object AED holds, by id. */
async function latest(world: World): Promise<Map<string, StixObject>> {
  const byId = new Map<string, StixObject>()
  for (const o of await aedObjects(world, '2.0')) {
    const held = byId.get(o.id)
    if (held === undefined || String(o.modified) > String(held.modified)) byId.set(o.id, o)
  }
  return byId
}

/** The indicator values AED enforces (latest version not revoked). */
async function enforcedValues(world: World): Promise<string[]> {
  return [...(await latest(world)).values()]
    .filter((o) => o.type === 'indicator' && o.revoked !== true)
    .map((o) => String(o.name))
    .sort()
}

async function trafficTo(world: World, ip: string): Promise<unknown[]> {
  const { alerts } = await world.aed.admin<{ alerts: unknown[] }>('POST', '/_sim/traffic', {
    flows: [
      {
        src: '192.0.2.44',
        dst: ip,
        srcPort: 40000,
        dstPort: 443,
        proto: 'tcp',
        direction: 'outbound',
      },
    ],
  })
  return alerts
}

describe('export sync: AED holds exactly what ThreatQ says', { concurrency: 1 }, () => {
  let world: World
  let api: Api
  const ids = new Map<string, number>()
  let malwareId = 0

  const setStatus = (value: string, status: string) =>
    api('PUT', `/api/indicators/${String(ids.get(value))}`, { status: { name: status } })

  before(async () => {
    world = await startWorld()
    api = await threatqApi(world.threatq)
    const malware = await api<{ data: { id: number }[] }>('POST', '/api/malware/consume', [
      { value: 'SyncRAT', sources: [{ name: FEED }] },
    ])
    malwareId = malware.data[0]?.id ?? 0
    const item = (type: string, value: string, extra: object = {}) => ({
      value,
      type: { name: type },
      status: { name: 'Active' },
      sources: [{ name: FEED }],
      ...extra,
    })
    const created = await api<{ data: { id: number; value: string }[] }>(
      'POST',
      '/api/indicators/consume',
      [
        item('IP Address', WHITELISTED),
        item('IP Address', LEAVES),
        item('FQDN', DELETED),
        item('IP Address', LINKED, { malware: [{ id: malwareId }] }),
        ...FILLERS.map((v) => item('FQDN', v)),
        ...REFUSED.map(([type, value]) => item(type, value)),
      ],
    )
    for (const r of created.data) ids.set(r.value, r.id)
    // Whitelisted members stay in the saved search: revoke_statuses must keep them out anyway.
    await saveFeedCollection(api, COLLECTION, FEED, ['Active', 'Review', 'Whitelisted'])
    // Many small revocations within minutes, on purpose: each run is judged alone here (the
    // window has its own describe below).
    await world.configure({
      data_collection: COLLECTION,
      never_block: 'never-blocked.example',
      max_revoke_window_hours: '0',
    })
  })
  after(async () => {
    await world.stop()
  })

  it('exports the collection and refuses a /8, loopback and a never_block domain, with reasons', async () => {
    const result = await world.run(['-e', '-v2'])
    assert.equal(result.code, 0, result.stderr)
    const refused = line(result.stdout, 'refused')
    for (const [, , reason] of REFUSED) assert.match(refused, reason)
    assert.deepEqual(
      await enforcedValues(world),
      [DELETED, ...FILLERS, WHITELISTED, LEAVES, LINKED].sort(),
    )
    for (const [, value] of REFUSED)
      assert.match(result.stdout + result.stderr, new RegExp(value.replaceAll('.', '\\.')))
    assert.equal((await trafficTo(world, WHITELISTED)).length, 1, 'AED blocks the exported IP')
  })

  it('a rerun sends nothing', async () => {
    const before = await simState(world.aed)
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(line(result.stdout, 'sent'), 'none')
    assert.equal((await simState(world.aed)).objects.taxiiObjects, before.objects.taxiiObjects)
  })

  it('a value put in never_block is revoked on the next run, and exported again once taken out', async () => {
    const options = { data_collection: COLLECTION, never_block: 'never-blocked.example' }
    await world.enable({ ...options, never_block: `${options.never_block}, ${FILLERS[0] ?? ''}` })
    const blocked = await world.run(['-e'])
    assert.equal(blocked.code, 0, blocked.stderr)
    assert.match(line(blocked.stdout, 'revoked'), /refused by a never-block guard 1/)
    assert.ok(!(await enforcedValues(world)).includes(FILLERS[0] ?? ''))
    await world.enable(options)
    const back = await world.run(['-e'])
    assert.equal(back.code, 0, back.stderr)
    assert.ok((await enforcedValues(world)).includes(FILLERS[0] ?? ''))
  })

  it("whitelisting an exported IP revokes it: AED stops blocking, the earlier alert's event stays", async () => {
    const imported = await world.run(['-i'])
    assert.equal(imported.code, 0, imported.stderr)
    const events = await api<{ total: number }>('GET', '/api/events?limit=100')
    assert.ok(events.total >= 1, 'the blocked-host alert became an event')
    await setStatus(WHITELISTED, 'Whitelisted')
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(line(result.stdout, 'revoked'), /status Whitelisted 1/)
    assert.ok(!(await enforcedValues(world)).includes(WHITELISTED))
    assert.equal((await trafficTo(world, WHITELISTED)).length, 0, 'no alert once revoked')
    assert.equal((await api<{ total: number }>('GET', '/api/events?limit=100')).total, events.total)
    const versions = (await aedObjects(world, '2.0')).filter((o) => o.name === WHITELISTED)
    assert.equal(new Set(versions.map((v) => v.id)).size, 1, 'the same id, a new version')
    assert.equal(versions.length, 2)
  })

  it('--dry-run --output lists the revocations and refusals it would make, with reasons', async () => {
    await setStatus(LEAVES, 'Indirect')
    const file = join(await tempDir('tq-aed-sync-dry-'), 'out.json')
    const before = await simState(world.aed)
    const result = await world.run(['-e', '--dry-run', '--output', file])
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(await readFile(file, 'utf8')) as {
      export: {
        revocations: { id: string; threatq: string; reason: string }[]
        refusals: { value: string; reason: string }[]
      }
    }
    assert.deepEqual(
      output.export.revocations.map((r) => [r.threatq, r.reason]),
      [[`indicators:${String(ids.get(LEAVES))}`, 'left the data collection or deleted']],
    )
    assert.deepEqual(
      output.export.refusals.map((r) => r.value).sort(),
      REFUSED.map(([, v]) => v).sort(),
    )
    assert.equal((await simState(world.aed)).objects.taxiiObjects, before.objects.taxiiObjects)
  })

  it('an indicator that leaves the saved search, and one deleted, are revoked', async () => {
    await api('DELETE', `/api/indicators/${String(ids.get(DELETED))}`)
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(line(result.stdout, 'revoked'), /left the data collection or deleted 2/)
    const values = await enforcedValues(world)
    assert.ok(!values.includes(LEAVES) && !values.includes(DELETED))
  })

  it('a renamed malware is re-sent without --full, and nothing else', async () => {
    await new Promise((r) => setTimeout(r, 1100)) // ThreatQ times have one-second precision
    await api('PUT', `/api/malware/${String(malwareId)}`, { value: 'SyncRAT v2' })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    // The identity travels with it again; AED holds it already: unchanged, not sent.
    assert.equal(line(result.stdout, 'sent'), 'malware 1')
    const malware = [...(await latest(world)).values()].filter((o) => o.type === 'malware')
    assert.deepEqual(
      malware.map((m) => m.name),
      ['SyncRAT v2'],
    )
  })

  it('an indicator back in the collection is exported under a new id (a revoked id is never reused)', async () => {
    await setStatus(WHITELISTED, 'Active')
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.ok((await enforcedValues(world)).includes(WHITELISTED))
    const ids = new Set(
      (await aedObjects(world, '2.0')).filter((o) => o.name === WHITELISTED).map((o) => o.id),
    )
    assert.equal(ids.size, 2)
    assert.equal((await trafficTo(world, WHITELISTED)).length, 1, 'blocked again')
  })
  it('a lost ledger is reported (exit 3) and revokes nothing', async () => {
    const enforced = await enforcedValues(world)
    await rm(join(world.configDir, 'netscout-aed.ledger'))
    const result = await world.run(['-e'])
    assert.equal(result.code, 3, result.stderr)
    assert.match(result.stdout, /PROBLEM: the export ledger is lost/)
    assert.equal(line(result.stdout, 'revoked'), 'none')
    assert.deepEqual(await enforcedValues(world), enforced)
    const again = await world.run(['-e'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(line(again.stdout, 'sent'), 'none', 'the rebuilt ledger knows everything')
  })

  it('an emptied collection stops before sending anything (exit 3); --allow-mass-revoke revokes all', async () => {
    for (const value of [WHITELISTED, LINKED, ...FILLERS]) await setStatus(value, 'Indirect')
    const before = await simState(world.aed)
    const stopped = await world.run(['-e'])
    assert.equal(stopped.code, 3, stopped.stderr)
    assert.match(stopped.stderr, /would revoke \d+ of the \d+ objects/)
    assert.match(stopped.stderr, /--allow-mass-revoke/)
    assert.match(stopped.stderr, /emptied or changed saved search/)
    assert.equal((await simState(world.aed)).objects.taxiiObjects, before.objects.taxiiObjects)
    const forced = await world.run(['-e', '--allow-mass-revoke'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.deepEqual(await enforcedValues(world), [])
    const live = [...(await latest(world)).values()].filter(
      (o) => o.type !== 'identity' && o.type !== 'marking-definition' && o.revoked !== true,
    )
    assert.deepEqual(
      live.map((o) => o.id),
      [],
      'malware and relationship revoked too',
    )
  })
})

describe('export sync: a kill while AED stores a request', { concurrency: 1 }, () => {
  let world: World
  let api: Api
  let ids: Map<string, number>
  const VALUES = ['198.51.100.70', '198.51.100.71', '198.51.100.72']

  before(async () => {
    ;({ world, api, ids } = await startFeedWorld({
      feed: 'Kill Feed',
      collection: 'Kill Test',
      type: 'IP Address',
      values: VALUES,
    }))
  })
  after(async () => {
    await world.stop()
  })

  it('an object AED stored but the killed run never committed is still revoked once it leaves', async () => {
    // AED applies the add, then the connector dies before it hears back.
    await crashAt(
      world,
      ['-e'],
      heldRequest('aed', 'POST', '/collections/[^/]+/objects/$', 1, 'after'),
    )
    assert.deepEqual(await enforcedValues(world), [...VALUES].sort())
    await api('DELETE', `/api/indicators/${String(ids.get(VALUES[0] ?? ''))}`)
    const result = await world.run(['-e', '--allow-mass-revoke'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(await enforcedValues(world), VALUES.slice(1).sort())
    const again = await world.run(['-e'])
    assert.equal(line(again.stdout, 'sent'), 'none', again.stdout)
  })
})

describe(
  'export sync: a slow shrink stops too (max_revoke_window_hours)',
  { concurrency: 1 },
  () => {
    let world: World
    let api: Api
    let ids: Map<string, number>
    // 30 members; each step takes 4 out of the saved search: 13% and 15% a run, each under
    // max_revoke_percent (20), but 8 of 30 (26.7%) within the window.
    const VALUES = Array.from({ length: 30 }, (_, i) => `shrink${String(i)}.sync.example`)
    const step = (k: number) => VALUES.slice(4 * k, 4 * k + 4)
    const leave = async (values: readonly string[]) => {
      for (const v of values)
        await api('PUT', `/api/indicators/${String(ids.get(v))}`, { status: { name: 'Indirect' } })
    }
    const windowOf = async () =>
      (
        JSON.parse(await readFile(join(world.configDir, 'netscout-aed.state.json'), 'utf8')) as {
          export: { revocations?: { count: number; held: number }[] }
        }
      ).export.revocations

    before(async () => {
      ;({ world, api, ids } = await startFeedWorld({
        feed: 'Shrink Feed',
        collection: 'Shrink Test',
        type: 'FQDN',
        values: VALUES,
      }))
      const first = await world.run(['-e'])
      assert.equal(first.code, 0, first.stderr)
    })
    after(async () => {
      await world.stop()
    })

    it('a run under the limit passes and is recorded; a dry run records nothing', async () => {
      await leave(step(0))
      const dry = await world.run(['-e', '--dry-run'])
      assert.equal(dry.code, 0, dry.stderr)
      assert.deepEqual(await windowOf(), [], 'a dry run records nothing')
      const result = await world.run(['-e'])
      assert.equal(result.code, 0, result.stderr)
      assert.match(line(result.stdout, 'revoked'), /left the data collection or deleted 4/)
      assert.deepEqual(
        (await windowOf())?.map((r) => [r.count, r.held]),
        [[4, 30]],
      )
    })

    it('the next run, under the limit alone, crosses it over the window: exit 3, nothing revoked', async () => {
      await leave(step(1))
      const enforced = await enforcedValues(world)
      const stopped = await world.run(['-e'])
      assert.equal(stopped.code, 3, stopped.stderr)
      assert.match(
        stopped.stderr,
        /over the last 24 h \(max_revoke_window_hours\) runs since \S+ took back 4 and this run would revoke 4 more: 8 of the 30 objects AED holds from this instance at the window's start \(26\.7%, max_revoke_percent is 20\).*--allow-mass-revoke \(the window then starts afresh\)/,
      )
      assert.deepEqual(await enforcedValues(world), enforced)
    })

    it('--allow-mass-revoke lets it through and starts the window afresh', async () => {
      const forced = await world.run(['-e', '--allow-mass-revoke'])
      assert.equal(forced.code, 0, forced.stderr)
      assert.equal((await enforcedValues(world)).length, 22)
      assert.deepEqual(await windowOf(), [])
      await leave(step(2))
      const next = await world.run(['-e'])
      assert.equal(next.code, 0, next.stderr)
      assert.equal((await enforcedValues(world)).length, 18)
    })
  },
)
