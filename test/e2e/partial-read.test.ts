/**
 * A ThreatQ whose query cursor stops advancing mid-scan: the membership scan decides what leaves
 * AED, so a scan that cannot finish must stop the run (exit 1, one line naming ThreatQ and the data
 * collection) with nothing revoked or removed and every ledger as it was. Before, the client
 * stopped with a warning, the plan saw the first page only, and the members it missed were revoked
 * (9% here: under max_revoke_percent, so nothing else held them).
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StixObject } from '../../src/stix/types.js'
import { assertClearFailure, faults, inject } from '../helpers/faults.js'
import { startFeedWorld } from '../../sim/world/threatq-api.js'
import { aedList, aedObjects, type World } from '../../sim/world/world.js'

const FEED = 'Partial Feed'
const COLLECTION = 'Partial Read'
/** More than one page of the export's scan (500 a page), so that page 2 can go wrong. */
const VALUES = Array.from(
  { length: 550 },
  (_, i) => `203.0.${String(Math.floor(i / 200) + 10)}.${String((i % 200) + 1)}`,
)

/** The indicator values AED enforces (latest version of each id not revoked). */
async function enforced(world: World): Promise<string[]> {
  const latest = new Map<string, StixObject>()
  for (const o of await aedObjects(world, '2.0')) {
    if (o.type !== 'indicator') continue
    const held = latest.get(o.id)
    if (held === undefined || String(o.modified) > String(held.modified)) latest.set(o.id, o)
  }
  return [...latest.values()]
    .filter((o) => o.revoked !== true)
    .map((o) => String(o.name))
    .sort()
}

/** What AED's outbound deny list holds (where IP address members go). */
async function listEntries(world: World): Promise<string[]> {
  return (await aedList(world, 'v3/otf/denied-hosts')).map((e) => String(e.hostAddress)).sort()
}

describe(
  'a ThreatQ cursor that repeats mid-scan never drives revocations',
  { concurrency: 1 },
  () => {
    let world: World
    let firstId = 0
    const files = () =>
      ['netscout-aed.ledger', 'netscout-aed.lists.json', 'netscout-aed.state.json'].map((f) =>
        join(world.configDir, f),
      )
    const snapshot = async () =>
      Promise.all(files().map((f) => readFile(f, 'utf8').catch(() => 'missing')))
    /** Page 1 of the next scan is ThreatQ's own; every later page is page 1 again, new cursor. */
    const repeatPageOne = async () => {
      await world.threatq.admin('DELETE', '/_sim/faults')
      await inject(
        world.threatq,
        faults('POST', '^/api/indicators/query').afterFirst({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            total: VALUES.length,
            data: [
              {
                id: firstId,
                value: VALUES[0],
                type: { name: 'IP Address' },
                status: { name: 'Active' },
                created_at: '2024-01-01 00:00:00',
                updated_at: '2024-01-01 00:00:00',
              },
            ],
            nextCursorMark: 'again',
          }),
        }),
      )
    }

    before(async () => {
      let ids: Map<string, number>
      ;({ world, ids } = await startFeedWorld(
        { feed: FEED, collection: COLLECTION, type: 'IP Address', values: VALUES },
        { delivery: 'both' },
      ))
      firstId = Math.min(...ids.values())
      const first = await world.run(['-e'])
      assert.equal(first.code, 0, first.stderr)
      assert.equal((await enforced(world)).length, VALUES.length)
      assert.equal((await listEntries(world)).length, VALUES.length)
    })
    after(async () => {
      await world.stop()
    })

    /**
     * A run whose scan meets the repeated page: what AED and the files hold is checked before the
     * exit code (on the old code, the members past page 1 were revoked); answers its stderr.
     */
    const refusedRun = async (): Promise<string> => {
      const taxii = await enforced(world)
      const lists = await listEntries(world)
      const saved = await snapshot()
      await repeatPageOne()
      const result = await world.run(['-e'])
      const after = { taxii: await enforced(world), lists: await listEntries(world) }
      assert.equal(after.taxii.length, taxii.length, 'indicators AED enforces')
      assert.equal(after.lists.length, lists.length, "entries in AED's outbound deny list")
      assert.deepEqual(after, { taxii, lists }, 'nothing revoked, nothing removed')
      assert.deepEqual(await snapshot(), saved, 'ledgers and state file unchanged')
      assertClearFailure(result)
      return result.stderr
    }

    it('export (TAXII and lists): exit 1 naming ThreatQ and the data collection, nothing revoked, ledgers unchanged', async () => {
      assert.match(
        await refusedRun(),
        /tq-conn-netscout-aed: threatq POST \S+\/api\/indicators\/query\S* returned an unusable response: paging of the data collection "Partial Read" stopped after 500 records: ThreatQ returned the same page again; a partial membership would revoke what it missed, so nothing was changed in AED\n$/,
      )
    })

    it("the lists' plan alone (delivery rest) refuses the same partial read", async () => {
      await world.enable({ data_collection: COLLECTION, relationship_depth: '0', delivery: 'rest' })
      assert.match(
        await refusedRun(),
        /paging of the data collection "Partial Read" stopped after 500/,
      )
    })
  },
)
