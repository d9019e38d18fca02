import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { advance, covered, readCheckpoint, type EdmCheckpoint } from './checkpoint.js'
import { edmNotification } from './notification.js'
import { checkRecords, edmRecordSchema } from './record.js'

/** The documented record (docs/aed-api.md, "EDM alerts API"), plus a field EDM may add. */
const documented = {
  pkt: {
    src: '1.2.3.4',
    dst: '5.6.7.8',
    srcPort: 18440,
    dstPort: 80,
    proto: 'tcp',
    appStr: 'http',
    direction: 'inbound',
  },
  threatIntel: {
    indicatorUid: 11851842,
    threatTypes: ['FormBook'],
    threatDstPorts: [80],
    confidence: 81,
    direction: 'inbound',
    indicator: 'http%3A//www.example.party/ne/',
    threatCategories: ['Credential Theft', 'Spyware', 'Banking', 'HTTP'],
    threatClassifications: ['Command and Control', 'Malware'],
    severity: 5,
    indicatorType: 'http.request.uri',
  },
  reason: 'ATLAS Threat Categories',
  pgid: 42,
  pgName: 'Default Protection Group',
  pgServerName: 'Generic Server',
  time: '2018-07-31T20:00:30Z',
  hostname: 'my-aed',
  hostIp: '10.1.2.3',
  _id: 'AWTx7ZUFVkcUx98hsmLI',
  somethingNew: { nested: true },
}

const map = (record: unknown) => edmNotification(edmRecordSchema.parse(record))

describe('EDM record → Blocked Host notification', () => {
  it('maps every field of the documented record', () => {
    assert.deepEqual(map(documented), {
      source: 'edm',
      time: Date.UTC(2018, 6, 31, 20, 0, 30),
      severityScore: 5,
      severity: 'medium',
      src: '1.2.3.4',
      dst: '5.6.7.8',
      srcPort: 18440,
      dstPort: 80,
      proto: 'tcp',
      elementId: 11851842,
      pgid: 42,
      pgName: 'Default Protection Group',
      iocPattern: 'http://www.example.party/ne/',
      iocType: 'URL',
      matchType: 'url',
      taxiiCollectionId: undefined,
      taxiiCollectionTitle: undefined,
      threatName: 'FormBook',
      threatCategory: 'Credential Theft, Spyware, Banking, HTTP',
      flags: [],
      edm: {
        id: 'AWTx7ZUFVkcUx98hsmLI',
        time: '2018-07-31T20:00:30Z',
        hostname: 'my-aed',
        hostIp: '10.1.2.3',
        reason: 'ATLAS Threat Categories',
        direction: 'inbound',
        appStr: 'http',
        pgServerName: 'Generic Server',
        confidence: 81,
        threatClassifications: ['Command and Control', 'Malware'],
      },
    })
  })

  it('a deny-list record takes the remote end as its IOC (outbound: pkt.dst)', () => {
    const { threatIntel: _, ...rest } = documented
    const n = map({
      ...rest,
      reason: 'Blocked Hosts',
      pkt: { ...documented.pkt, direction: 'outbound' },
    })
    assert.equal(n.iocPattern, '5.6.7.8')
    assert.equal(n.iocType, 'IP Address')
    assert.equal(n.matchType, 'ip')
    assert.equal(n.severity, undefined)
    assert.equal(n.elementId, undefined)
    assert.equal(n.threatName, undefined)
  })

  it('a STIX record names no IOC (EDM does not say which indicator matched)', () => {
    const { threatIntel: _, ...rest } = documented
    const n = map({ ...rest, reason: 'STIX Indicators' })
    assert.equal(n.iocPattern, undefined)
    assert.equal(n.src, '1.2.3.4')
  })

  it('flags wrong values and keeps the rest', () => {
    const n = map({
      ...documented,
      pkt: { ...documented.pkt, src: 'not-an-ip' },
      threatIntel: { ...documented.threatIntel, severity: 42, indicatorType: 'weird' },
    })
    assert.equal(n.src, undefined)
    assert.equal(n.severity, undefined)
    assert.equal(n.matchType, undefined)
    assert.deepEqual(
      n.flags.map((f) => f.field),
      // An unknown indicatorType leaves the URL without a type: flagged, not guessed.
      ['pkt.src', 'threatIntel.indicatorType', 'threatIntel.indicator', 'threatIntel.severity'],
    )
  })

  it('a record without _id or a zoned time is invalid, counted with its reason', () => {
    const { invalid, records } = checkRecords([
      documented,
      { ...documented, _id: undefined },
      { ...documented, time: '2018-07-31 20:00:30' },
      'garbage',
    ])
    assert.equal(records.length, 1)
    assert.deepEqual(
      invalid.map((i) => i.reason.split(':')[0]),
      ['_id', 'time', '(record)'],
    )
  })
})

describe('EDM checkpoint', () => {
  const r = (time: number, id: string) => ({ time, id })

  it('advance keeps the latest time and every id read at it, in any order', () => {
    const cp = advance(undefined, [r(1, 'a'), r(3, 'b'), r(2, 'c'), r(3, 'd')])
    assert.deepEqual(cp, { version: 1, time: 3, ids: ['b', 'd'] })
    assert.deepEqual(advance(cp, [r(3, 'e'), r(2, 'f')]), {
      version: 1,
      time: 3,
      ids: ['b', 'd', 'e'],
    })
    assert.deepEqual(advance(cp, [r(4, 'g')]), { version: 1, time: 4, ids: ['g'] })
    assert.equal(advance(undefined, []), undefined)
  })

  it('advance is pure', () => {
    const cp: EdmCheckpoint = { version: 1, time: 3, ids: ['b'] }
    advance(cp, [r(3, 'c'), r(4, 'd')])
    assert.deepEqual(cp, { version: 1, time: 3, ids: ['b'] })
  })

  it('covered: earlier times and the ids at the checkpoint time', () => {
    const cp: EdmCheckpoint = { version: 1, time: 3, ids: ['b'] }
    assert.equal(covered(cp, r(2, 'z')), true)
    assert.equal(covered(cp, r(3, 'b')), true)
    assert.equal(covered(cp, r(3, 'c')), false)
    assert.equal(covered(cp, r(4, 'b')), false)
    assert.equal(covered(undefined, r(1, 'a')), false)
  })

  it('readCheckpoint refuses what is not one', () => {
    assert.deepEqual(readCheckpoint({ version: 1, time: 5, ids: ['a'] }), {
      version: 1,
      time: 5,
      ids: ['a'],
    })
    for (const bad of [
      null,
      {},
      { version: 2, time: 5, ids: [] },
      { version: 1, time: 5, ids: [1] },
    ])
      assert.equal(readCheckpoint(bad), undefined)
  })
})
