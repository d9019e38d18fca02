/**
 * alert_source edm end to end (docs/mapping.md, "Import: EDM threat records"): aed-sim blocks
 * traffic, edm-sim (managing it, and taking the token only as `Authorization: NSAPITOKENID`, so the
 * client's first header is refused) serves the blocks as threat records, and the connector (the
 * real CLI) aggregates them into ThreatQ events. The events' block counts in threatq-sim add up to
 * the connections blocked; a rerun adds and doubles nothing.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { BIN, startSim, type Sim } from '../../sim/world/processes.js'
import {
  addAifRule,
  blockCount,
  blockTraffic,
  eventsOf,
  importOnce,
  type Api,
} from '../helpers/blocked.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { enforcedDomain, startWorld, type World } from '../../sim/world/world.js'

const TOKEN = 'edmwiretokenedmwiretokenedmwiretoken0001'

describe('import from EDM (alert_source edm), old token header only', () => {
  let world: World
  let edm: Sim
  let api: Api
  let domain: string
  let blocked = 0

  const traffic = async (own: number, aif: number): Promise<void> => {
    await blockTraffic(world, domain, own, aif)
    blocked += own + aif
  }

  before(async () => {
    world = await startWorld({ seed: 122 })
    edm = await startSim(BIN.edm, ['--aed', world.aed.url, '--auth', 'old', '--token', TOKEN])
    await world.configure({ alert_source: 'edm', edm_host: edm.url, edm_api_token: TOKEN })
    api = await threatqApi(world.threatq)
    await addAifRule(world)
    assert.equal((await world.run(['-e'])).code, 0)
    domain = await enforcedDomain(world)
  })
  after(async () => {
    await edm.stop()
    await world.stop()
  })

  it('aggregates the blocked connections into events, counts equal to the blocks', async () => {
    await traffic(5, 3)
    await importOnce(world)
    const imported = await eventsOf(api)
    assert.ok(imported.length >= 2, JSON.stringify(imported.map((e) => e.title)))
    assert.ok(imported.length <= 4) // two keys, at most across an hour boundary
    assert.equal(await blockCount(api), blocked)
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
    const before = (await eventsOf(api)).length
    await importOnce(world)
    assert.equal((await eventsOf(api)).length, before)
    assert.equal(await blockCount(api), blocked)
  })

  it('new blocks after a run are counted once more, not again', async () => {
    await traffic(2, 4)
    await importOnce(world)
    await importOnce(world)
    assert.equal(await blockCount(api), blocked)
  })

  it('without edm_api_token the connector is not configured yet (exit 4), naming it', async () => {
    await world.enable({ alert_source: 'edm', edm_host: edm.url, edm_api_token: '' })
    const result = await world.run(['-i'])
    assert.equal(result.code, 4, result.stderr)
    assert.match(result.stdout, /set edm_api_token\b/)
  })
})
