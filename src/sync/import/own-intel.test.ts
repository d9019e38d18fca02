import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Notification } from './blocked-events.js'
import { type DeliveredEntry, OwnIntel } from './own-intel.js'

/** As the lists ledger holds it, with the scope this does not read. */
type Entry = DeliveredEntry & { scope: string | undefined }

const entry = (list: string, value: string, owner: number, foreign = false): Entry => ({
  list,
  value,
  owner,
  scope: list.startsWith('inbound') ? '-1' : undefined,
  ...(foreign ? { foreign: true } : {}),
})

const intel = (entries: Entry[], collection?: string): OwnIntel =>
  new OwnIntel({
    collection,
    ledger: { entries: new Map(entries.map((e) => [`${e.list}\n${e.value}`, e])) },
    lookup: (value) => Promise.resolve(value === 'stix.example' ? [77] : []),
  })

const blocked = (iocPattern: string, matchType: Notification['matchType']): Notification => ({
  time: 0,
  severityScore: 5,
  severity: 'medium',
  src: '10.1.1.1',
  dst: iocPattern,
  srcPort: undefined,
  dstPort: 443,
  proto: 'tcp',
  elementId: undefined,
  pgid: undefined,
  pgName: undefined,
  iocPattern,
  iocType: undefined,
  matchType,
  taxiiCollectionId: undefined,
  taxiiCollectionTitle: undefined,
  threatName: undefined,
  threatCategory: undefined,
  flags: [],
})

describe('OwnIntel: which exported indicators a block fired on', () => {
  const own = intel([
    entry('outbound-denied-hosts', '203.0.113.10', 1),
    entry('outbound-denied-hosts', '198.51.100.0/24', 2),
    entry('inbound-denied-hosts', '198.51.0.0/16', 3),
    entry('outbound-denied-hosts', '2001:db8:1::/48', 4),
    entry('inbound-denied-domains', 'bad.example', 5),
    entry('outbound-allowed-hosts', '192.0.2.0/24', 6),
    entry('outbound-denied-hosts', '192.0.2.9', 7),
    entry('outbound-denied-hosts', '100.64.0.0/10', 8, true),
  ])

  it('a block naming an entry of ours: its owner', async () => {
    assert.deepEqual(await own.indicatorsOf(blocked('203.0.113.10', 'ip')), [1])
    assert.deepEqual(await own.indicatorsOf(blocked('Bad.Example', 'dns')), [5])
    // A CIDR entry named as such (syslog's cs1) is that entry alone.
    assert.deepEqual(await own.indicatorsOf(blocked('198.51.100.0/24', 'ip')), [2])
  })

  it('a blocked address that is no entry of ours: the owners of our CIDRs holding it (EDM)', async () => {
    assert.deepEqual(await own.indicatorsOf(blocked('198.51.100.7', 'ip')), [2, 3])
    assert.deepEqual(await own.indicatorsOf(blocked('198.51.7.7', 'ip')), [3])
    assert.deepEqual(await own.indicatorsOf(blocked('2001:db8:1:ffff::1', 'ip')), [4])
    assert.deepEqual(await own.indicatorsOf(blocked('2001:db8:2::1', 'ip')), [])
    assert.deepEqual(await own.indicatorsOf(blocked('203.0.113.11', 'ip')), [])
    // A domain match is never looked up among addresses.
    assert.deepEqual(await own.indicatorsOf(blocked('198.51.100.7', 'dns')), [])
  })

  it('allow-list entries and entries someone else made are not our intel', async () => {
    assert.deepEqual(await own.indicatorsOf(blocked('192.0.2.5', 'ip')), [])
    assert.deepEqual(await own.indicatorsOf(blocked('192.0.2.0/24', 'ip')), [])
    assert.deepEqual(await own.indicatorsOf(blocked('192.0.2.9', 'ip')), [7])
    assert.deepEqual(await own.indicatorsOf(blocked('100.64.1.1', 'ip')), [])
  })

  it('a STIX match in our collection: the indicator with the IOC value', async () => {
    const stix = intel([], 'ThreatQ')
    const n = { ...blocked('stix.example', 'dns'), taxiiCollectionTitle: 'threatq' }
    assert.deepEqual(await stix.indicatorsOf(n), [77])
    assert.deepEqual(
      await stix.indicatorsOf({ ...n, taxiiCollectionTitle: 'Other', taxiiCollectionId: 'x' }),
      [],
    )
  })
})
