/**
 * alert_source syslog end to end (docs/reliability.md, "Reading the syslog file"): aed-sim sends
 * its Blocked Host notifications over TCP to a real rsyslogd, which writes them to a file with its
 * traditional template; the connector (the real CLI) imports that file while the test rotates it by
 * rename + HUP and by copytruncate. Nothing may be lost or doubled: the events' block counts in
 * threatq-sim add up to the connections blocked, and the indicator the connector exported carries
 * the loop-closing attributes.
 */
import assert from 'node:assert/strict'
import { copyFile, rename, truncate } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { rsyslogAvailable, startRsyslog, waitForLines, type Rsyslog } from '../helpers/rsyslog.js'
import {
  addAifRule,
  attrs,
  blockCount as countOf,
  blockTraffic,
  eventsOf,
  importOnce as runImport,
  type Api,
  type TqAttribute,
} from '../helpers/blocked.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { aedRest, enforcedDomain, startWorld, type World } from '../../sim/world/world.js'

const available = await rsyslogAvailable()

describe('import from a real rsyslog file, rotated mid-stream', { skip: !available }, () => {
  let world: World
  let rsyslog: Rsyslog
  let api: Api
  let domain: string
  /** Connections blocked so far: to the exported domain, and by the AIF rule. */
  let ownBlocks = 0
  let aifBlocks = 0

  const files = (): string[] => [rsyslog.file, `${rsyslog.file}.1`, `${rsyslog.file}.2`]
  const sent = (): number => ownBlocks + aifBlocks

  /** Blocks `own` connections to the exported domain and `aif` by the AIF rule, then waits for them in the files. */
  const traffic = async (own: number, aif: number): Promise<void> => {
    await blockTraffic(world, domain, own, aif)
    ownBlocks += own
    aifBlocks += aif
    await world.aed.admin('POST', '/_sim/notifications/drain')
    await waitForLines(files(), 'Blocked Host', sent())
  }

  const events = () => eventsOf(api)
  const blockCount = () => countOf(api)
  const importOnce = () => runImport(world)

  before(async () => {
    rsyslog = await startRsyslog()
    world = await startWorld({ seed: 100, aedArgs: ['--syslog-other-every', '0'] })
    await world.configure({ alert_source: 'syslog', syslog_file: rsyslog.file })
    api = await threatqApi(world.threatq)
    await aedRest(world, 'PATCH', 'v3/remote-syslog/', {
      host: '127.0.0.1',
      port: rsyslog.port,
      protocol: 'tcp',
      format: 'cef',
    })
    await addAifRule(world)
    assert.equal((await world.run(['-e'])).code, 0)
    domain = await enforcedDomain(world)
  })
  after(async () => {
    await world.stop()
    await rsyslog.stop()
  })

  it('aggregates the notifications into one event per IOC and hour, counts equal to the blocks', async () => {
    await traffic(5, 3)
    await importOnce()
    const imported = await events()
    assert.ok(imported.length >= 2, JSON.stringify(imported.map((e) => e.title)))
    assert.ok(imported.length <= 4) // two keys, at most across an hour boundary
    assert.equal(await blockCount(), sent())
  })

  it('a rerun with nothing new changes nothing', async () => {
    const before = (await events()).length
    await importOnce()
    assert.equal((await events()).length, before)
    assert.equal(await blockCount(), sent())
  })

  it('rotation by rename + HUP mid-stream: nothing lost or doubled', async () => {
    await traffic(2, 2)
    await rename(rsyslog.file, `${rsyslog.file}.1`)
    // Written to the renamed file: rsyslog keeps it open until the HUP.
    await traffic(3, 1)
    await importOnce()
    rsyslog.hup()
    await traffic(4, 2)
    await importOnce()
    assert.equal(await blockCount(), sent())
  })

  it('copytruncate mid-stream: nothing lost or doubled', async () => {
    await traffic(1, 1)
    await rename(`${rsyslog.file}.1`, `${rsyslog.file}.2`)
    await copyFile(rsyslog.file, `${rsyslog.file}.1`)
    await truncate(rsyslog.file, 0)
    await traffic(2, 3)
    await importOnce()
    assert.equal(await blockCount(), sent())
  })

  it('keeps the block count and last blocked time on the exported indicator', async () => {
    const found = await api<{ data: { id: number }[] }>(
      'GET',
      `/api/indicators?value=${encodeURIComponent(domain)}`,
    )
    assert.equal(found.data.length, 1, 'the exported indicator, never a duplicate of it')
    const id = found.data[0]?.id ?? 0
    const attributes = await api<{ data: TqAttribute[] }>(
      'GET',
      `/api/indicators/${String(id)}/attributes?with=attribute`,
    )
    const indicator = { attributes: attributes.data }
    assert.deepEqual(attrs(indicator, 'AED Block Count'), [String(ownBlocks)])
    const last = attrs(indicator, 'AED Last Blocked')
    assert.equal(last.length, 1)
    assert.ok(!Number.isNaN(Date.parse(last[0] ?? '')))
    // The domain's events link to it.
    const linked = await api<{ data: { id: number }[] }>(
      'GET',
      `/api/indicators/${String(id)}/events`,
    )
    assert.ok(linked.data.length >= 1)
  })
})

describe('alert_source settings through the CLI', () => {
  let world: World
  before(async () => {
    world = await startWorld({})
    await world.configure({ alert_source: 'syslog', syslog_file: 'relative/aed.log' })
  })
  after(async () => {
    await world.stop()
  })

  it('a relative syslog_file exits 2 naming the option and where it is set', async () => {
    const result = await world.run(['-i'])
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /syslog_file[^\n]*must be an absolute path/)
  })
})
