import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { FATES, OwnerFates } from './owner-fates.js'
import { PlannedAdds, type Want } from './planned-adds.js'

describe('the plan in columns', () => {
  it('planned adds come back as the Wants put in, in order, one per list and value', () => {
    const adds = new PlannedAdds()
    const wants: Want[] = [
      {
        list: LISTS.outboundDenyHosts,
        value: '45.1.2.3',
        scope: undefined,
        owner: 1,
        type: 'IP Address',
        reason: 'joined the data collection',
      },
      {
        list: LISTS.inboundDenyHosts,
        value: '45.1.2.3',
        scope: '7',
        owner: 1,
        type: 'IP Address',
        reason: 'joined the data collection',
      },
      {
        list: LISTS.inboundDenyDomains,
        value: 'a.example',
        scope: '7',
        owner: 2,
        type: 'FQDN',
        reason: 'now delivered for ThreatQ indicator 2',
      },
      {
        list: LISTS.outboundDenyHosts,
        value: '2001:db8::1',
        scope: undefined,
        owner: 3,
        type: undefined,
        reason: undefined,
      },
    ]
    for (const w of wants) adds.push(w)
    assert.equal(adds.has(LISTS.inboundDenyHosts.id, '45.1.2.3'), true)
    assert.equal(adds.has(LISTS.inboundDenyUrls.id, '45.1.2.3'), false)
    adds.seal()
    assert.equal(adds.length, 4)
    assert.deepEqual(
      Array.from({ length: adds.length }, (_, i) => adds.at(i)),
      wants,
    )
    assert.equal(adds.at(4), undefined)
    assert.throws(() => {
      adds.push(wants[0] as Want)
    }, /sealed/)
  })

  it('a plan keeps its columns outside the V8 heap, values of every kind intact', () => {
    const adds = new PlannedAdds()
    const rows = 100_000
    const before = process.memoryUsage().arrayBuffers
    const valueOf = (i: number): string =>
      i % 1000 === 7
        ? `h${String(i)}.example`
        : `10.${String(i >> 16)}.${String((i >> 8) & 255)}.${String(i & 255)}`
    for (let i = 0; i < rows; i++)
      adds.push({
        list: LISTS.outboundDenyHosts,
        value: valueOf(i),
        scope: undefined,
        owner: 2 ** 40 + i,
        type: 'IP Address',
        reason: i % 2 === 0 ? 'joined the data collection' : undefined,
      })
    adds.seal()
    // A value, an owner and a detail per row: 16 bytes in typed arrays, not slots on the heap.
    assert.ok(process.memoryUsage().arrayBuffers - before >= 16 * rows)
    assert.equal(adds.length, rows)
    for (const i of [0, 1023, 1024, 1025, 7, 50_007, rows - 1]) {
      const want = adds.at(i)
      assert.equal(want?.value, valueOf(i))
      assert.equal(want.owner, 2 ** 40 + i)
      assert.equal(want.reason, i % 2 === 0 ? 'joined the data collection' : undefined)
    }
    assert.equal(adds.at(rows), undefined)
    assert.equal(adds.at(-1), undefined)
  })

  it('owner fates: what became of each owner of an entry, or nothing for one not read', () => {
    const fates = new OwnerFates([5, 3, 5, 9], 4)
    fates.set(3, FATES.allow.host)
    fates.set(9, 'expired')
    fates.set(4, 'not an owner')
    assert.equal(fates.get(3), FATES.allow.host)
    assert.equal(fates.get(9), 'expired')
    assert.equal(fates.get(5), undefined)
    assert.equal(fates.has(4), false)
    assert.equal(fates.get(4), undefined)
  })
})
