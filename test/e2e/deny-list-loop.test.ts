/**
 * Closing the loop through AED's deny lists, end to end: the connector delivers ThreatQ indicators
 * to AED's lists (`delivery: rest`), aed-sim blocks traffic that hits those entries, and the import
 * — from a real rsyslog's file (`alert_source: syslog`) or from edm-sim (`alert_source: edm`) —
 * links each block's event to the indicator that was delivered, never a new duplicate of it, and
 * keeps `AED Block Count` / `AED Last Blocked` on it current.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { attrs, eventsOf, importOnce, type Api, type TqAttribute } from '../helpers/blocked.js'
import { BIN, startSim, type Sim } from '../../sim/world/processes.js'
import { rsyslogAvailable, startRsyslog, waitForLines, type Rsyslog } from '../helpers/rsyslog.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { aedRest, startWorld, type World } from '../../sim/world/world.js'

const FEED = 'Deny Loop Feed'
const COLLECTION = 'Deny Loop'
const HOST = '203.0.113.10'
const CIDR = '198.51.100.0/24'
const IN_CIDR = '198.51.100.7'
const DOMAIN = 'bad.loop.example'
const EDM_TOKEN = 'edmlooptokenedmlooptokenedmlooptoken0001'

interface Flow {
  src: string
  dst: string
  dstPort: number
  proto: string
  direction?: string
  host?: string
  connections: number
}

/** A connection from the inside to `dst`, or from `src` to a host inside to `host`'s site. */
const outbound = (dst: string, connections: number): Flow => ({
  src: '10.1.1.1',
  dst,
  dstPort: 443,
  proto: 'tcp',
  direction: 'outbound',
  connections,
})
const toDomain = (connections: number): Flow => ({
  src: '192.0.2.50',
  dst: '10.0.0.1',
  dstPort: 80,
  proto: 'tcp',
  host: DOMAIN,
  connections,
})

/** What one deny-list indicator should carry after the import. */
interface Expected {
  blocks: number
  /** The latest block's time (aed-sim's journal), epoch ms. */
  last: number
}

/**
 * A world whose data collection holds an IP, a CIDR and an FQDN indicator (ids by value), for
 * an export to AED's deny lists.
 */
async function deliveredWorld(
  aedArgs: string[],
): Promise<{ world: World; api: Api; ids: Map<string, number> }> {
  const world = await startWorld({ aedArgs })
  const api = await threatqApi(world.threatq)
  const created = await api<{ data: { id: number; value: string }[] }>(
    'POST',
    '/api/indicators/consume',
    [
      ['IP Address', HOST],
      ['CIDR Block', CIDR],
      ['FQDN', DOMAIN],
    ].map(([type, value]) => ({
      value,
      type: { name: type },
      status: { name: 'Active' },
      sources: [{ name: FEED }],
    })),
  )
  await saveFeedCollection(api, COLLECTION, FEED, ['Active'])
  const ids = new Map(created.data.map((r) => [r.value, r.id]))
  return { world, api, ids }
}

/** Drives the flows through aed-sim. */
async function block(world: World, flows: readonly Flow[]): Promise<void> {
  await world.aed.admin('POST', '/_sim/traffic', { flows })
}

/** The latest block time aed-sim journalled for each IOC pattern. */
async function lastBlocks(world: World): Promise<Map<string, number>> {
  const { blocks } = await world.aed.admin<{
    blocks: { timeMs: number; source: string; alert: { iocPattern: string | null } }[]
  }>('GET', '/_sim/blocks?limit=10000')
  const last = new Map<string, number>()
  for (const b of blocks) {
    assert.equal(b.source, 'deny-list', JSON.stringify(b))
    const key = b.alert.iocPattern ?? ''
    last.set(key, Math.max(last.get(key) ?? 0, b.timeMs))
  }
  return last
}

/**
 * The one ThreatQ indicator with `value` is the delivered one, carries the expected count and
 * last-blocked time, and the events of its blocks link to it.
 */
async function assertLoopClosed(
  api: Api,
  ids: ReadonlyMap<string, number>,
  value: string,
  expected: Expected,
): Promise<void> {
  const found = await api<{ data: { id: number }[] }>(
    'GET',
    `/api/indicators?value=${encodeURIComponent(value)}`,
  )
  const id = ids.get(value)
  assert.deepEqual(
    found.data.map((i) => i.id),
    [id],
    `${value}: the delivered indicator, never a duplicate of it`,
  )
  const attributes = await api<{ data: TqAttribute[] }>(
    'GET',
    `/api/indicators/${String(id)}/attributes?with=attribute`,
  )
  const indicator = { attributes: attributes.data }
  assert.deepEqual(attrs(indicator, 'AED Block Count'), [String(expected.blocks)], value)
  assert.deepEqual(
    attrs(indicator, 'AED Last Blocked'),
    [new Date(expected.last).toISOString()],
    value,
  )
  const linked = await api<{ data: { id: number; title: string }[] }>(
    'GET',
    `/api/indicators/${String(id)}/events`,
  )
  assert.ok(linked.data.length >= 1, `${value}: no event linked`)
}

describe(
  'deny-list blocks close the loop (alert_source syslog, real rsyslog)',
  {
    skip: !(await rsyslogAvailable()),
  },
  () => {
    let world: World
    let api: Api
    let rsyslog: Rsyslog
    let ids: Map<string, number>
    let sent = 0
    const counts = new Map<string, number>()

    const traffic = async (flows: readonly Flow[], pattern: readonly string[]): Promise<void> => {
      await block(world, flows)
      flows.forEach((f, i) => {
        const key = pattern[i] ?? ''
        counts.set(key, (counts.get(key) ?? 0) + f.connections)
        sent += f.connections
      })
      await world.aed.admin('POST', '/_sim/notifications/drain')
      await waitForLines([rsyslog.file], 'Blocked Host', sent)
    }

    /** Each delivered indicator carries the blocks sent to it so far and the latest one's time. */
    const allClosed = async (): Promise<void> => {
      const last = await lastBlocks(world)
      for (const value of [HOST, CIDR, DOMAIN])
        await assertLoopClosed(api, ids, value, {
          blocks: counts.get(value) ?? 0,
          last: last.get(value) ?? 0,
        })
    }

    before(async () => {
      rsyslog = await startRsyslog()
      ;({ world, api, ids } = await deliveredWorld(['--syslog-other-every', '0']))
      await world.configure({
        data_collection: COLLECTION,
        relationship_depth: '0',
        delivery: 'rest',
        alert_source: 'syslog',
        syslog_file: rsyslog.file,
      })
      const exported = await world.run(['-e'])
      assert.equal(exported.code, 0, exported.stdout + exported.stderr)
      await aedRest(world, 'PATCH', 'v3/remote-syslog/', {
        host: '127.0.0.1',
        port: rsyslog.port,
        protocol: 'tcp',
        format: 'leef',
      })
    })
    after(async () => {
      await world.stop()
      await rsyslog.stop()
    })

    it('links each deny-list block to the delivered indicator and counts its blocks on it', async () => {
      await traffic([outbound(HOST, 4), outbound(IN_CIDR, 2), toDomain(3)], [HOST, CIDR, DOMAIN])
      await importOnce(world)
      await allClosed()
    })

    it('a rerun changes nothing; new blocks add to the counts once', async () => {
      await importOnce(world)
      await traffic([outbound(HOST, 2), toDomain(1)], [HOST, DOMAIN])
      await importOnce(world)
      await importOnce(world)
      await allClosed()
      // Only the three delivered indicators: the import made no indicator of its own.
      const all = await api<{ data: { value: string }[] }>('GET', '/api/indicators?limit=100')
      assert.deepEqual(all.data.map((i) => i.value).sort(), [HOST, CIDR, DOMAIN].sort())
      assert.ok((await eventsOf(api)).length >= 3)
    })
  },
)

describe('deny-list blocks close the loop (alert_source edm)', () => {
  let world: World
  let api: Api
  let edm: Sim
  let ids: Map<string, number>

  before(async () => {
    ;({ world, api, ids } = await deliveredWorld([]))
    edm = await startSim(BIN.edm, ['--aed', world.aed.url, '--token', EDM_TOKEN])
    await world.configure({
      data_collection: COLLECTION,
      relationship_depth: '0',
      delivery: 'rest',
      alert_source: 'edm',
      edm_host: edm.url,
      edm_api_token: EDM_TOKEN,
    })
    const exported = await world.run(['-e'])
    assert.equal(exported.code, 0, exported.stdout + exported.stderr)
  })
  after(async () => {
    await edm.stop()
    await world.stop()
  })

  it('links a host block and a block inside a delivered CIDR to their indicators', async () => {
    // EDM names the host a deny list blocked, not the entry (src/edm/notification.ts).
    await block(world, [outbound(HOST, 3), outbound(IN_CIDR, 2)])
    await importOnce(world)
    // EDM's record times are whole seconds (docs/aed-api.md, "EDM alerts API").
    const last = await lastBlocks(world)
    const second = (value: string): number => Math.floor((last.get(value) ?? 0) / 1000) * 1000
    await assertLoopClosed(api, ids, HOST, { blocks: 3, last: second(HOST) })
    await assertLoopClosed(api, ids, CIDR, { blocks: 2, last: second(CIDR) })
    // The address blocked inside the CIDR is not made an indicator beside the delivered CIDR.
    const all = await api<{ data: { value: string }[] }>('GET', '/api/indicators?limit=100')
    assert.deepEqual(all.data.map((i) => i.value).sort(), [HOST, CIDR, DOMAIN].sort())
  })
})
