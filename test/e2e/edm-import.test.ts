/**
 * alert_source edm end to end (issue 22): aed-sim blocks traffic, edm-sim (managing it, and taking
 * the token only as `Authorization: NSAPITOKENID`, so the client's first header is refused) serves
 * the blocks as threat records, and the connector (the real CLI) aggregates them into ThreatQ
 * events. The events' block counts in threatq-sim add up to the connections blocked; a rerun
 * adds and doubles nothing.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BIN, startSim, type Sim } from '../helpers/processes.js'
import { threatqApi } from '../helpers/threatq-api.js'
import { enforcedDomain, startWorld, type World } from '../helpers/world.js'

interface TqAttribute {
  name?: string
  attribute?: { name: string }
  value: string
}
interface TqEvent {
  id: number
  title: string
  attributes?: TqAttribute[]
}

const TOKEN = 'edmwiretokenedmwiretokenedmwiretoken0001'

const attrs = (o: { attributes?: TqAttribute[] }, name: string): string[] =>
  (o.attributes ?? []).filter((a) => (a.name ?? a.attribute?.name) === name).map((a) => a.value)

describe('import from EDM (alert_source edm), old token header only', () => {
  let world: World
  let edm: Sim
  let api: <T>(method: string, path: string, body?: unknown) => Promise<T>
  let domain: string
  let blocked = 0

  /** Blocks `own` connections to the exported domain and `aif` by the AIF rule. */
  const traffic = async (own: number, aif: number): Promise<void> => {
    await world.aed.admin('POST', '/_sim/traffic', {
      flows: [
        {
          src: '10.1.1.1',
          dst: '10.9.9.9',
          dstPort: 443,
          proto: 'tcp',
          host: domain,
          direction: 'outbound',
          connections: own,
        },
        { src: '203.0.113.77', dst: '10.0.0.1', dstPort: 22, proto: 'tcp', connections: aif },
      ],
    })
    blocked += own + aif
  }

  const events = async (): Promise<TqEvent[]> =>
    (await api<{ data: TqEvent[] }>('GET', '/api/events?limit=1000&with=attributes')).data

  /** Every event's one Block Count value, summed; fails on an event holding two. */
  const blockCount = async (): Promise<number> => {
    let total = 0
    for (const e of await events()) {
      const counts = attrs(e, 'Block Count')
      assert.equal(counts.length, 1, `${e.title}: Block Count ${JSON.stringify(counts)}`)
      total += Number(counts[0])
    }
    return total
  }

  const importOnce = async (): Promise<void> => {
    const result = await world.run(['-i'])
    assert.equal(result.code, 0, result.stderr)
  }

  before(async () => {
    world = await startWorld({ seed: 122 })
    edm = await startSim(BIN.edm, ['--aed', world.aed.url, '--auth', 'old', '--token', TOKEN])
    await world.configure({ alert_source: 'edm', edm_host: edm.url, edm_api_token: TOKEN })
    api = await threatqApi(world.threatq)
    await world.aed.admin('POST', '/_sim/aif', {
      rules: [
        {
          matchType: 'ip',
          value: '203.0.113.0/24',
          threatName: 'Test Botnet',
          threatCategory: 'Botnet',
        },
      ],
    })
    assert.equal((await world.run(['-e'])).code, 0)
    domain = await enforcedDomain(world)
  })
  after(async () => {
    await edm.stop()
    await world.stop()
  })

  it('aggregates the blocked connections into events, counts equal to the blocks', async () => {
    await traffic(5, 3)
    await importOnce()
    const imported = await events()
    assert.ok(imported.length >= 2, JSON.stringify(imported.map((e) => e.title)))
    assert.ok(imported.length <= 4) // two keys, at most across an hour boundary
    assert.equal(await blockCount(), blocked)
  })

  it('keeps the EDM checkpoint in <name>.syslog.json', async () => {
    const saved = JSON.parse(
      await readFile(join(world.configDir, 'netscout-aed.syslog.json'), 'utf8'),
    ) as {
      edm_checkpoint?: { version?: number; time?: number; ids?: unknown[] }
    }
    assert.equal(saved.edm_checkpoint?.version, 1)
    assert.equal(typeof saved.edm_checkpoint.time, 'number')
    assert.ok((saved.edm_checkpoint.ids ?? []).length > 0)
  })

  it('a rerun with nothing new adds and doubles nothing', async () => {
    const before = (await events()).length
    await importOnce()
    assert.equal((await events()).length, before)
    assert.equal(await blockCount(), blocked)
  })

  it('new blocks after a run are counted once more, not again', async () => {
    await traffic(2, 4)
    await importOnce()
    await importOnce()
    assert.equal(await blockCount(), blocked)
  })

  it('without edm_api_token the connector is not configured yet (exit 4), naming it', async () => {
    await world.enable({ alert_source: 'edm', edm_host: edm.url, edm_api_token: '' })
    const result = await world.run(['-i'])
    assert.equal(result.code, 4, result.stderr)
    assert.match(result.stdout, /set edm_api_token\b/)
  })
})
