import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MARK } from '../policy/verdict.js'
import { relationshipId, stixIdOf } from './convert.js'
import { type EntryState, LIVE, REVOKED } from './key-table.js'
import { type Ledger, objectKey, UPDATE } from './ledger.js'
import { memoryLedger } from './ledger-testing.js'
import { findRevocations, revocations } from './revoke.js'

const HOST = 'tq.example'
const policy = { revokeStatuses: ['Whitelisted'] }

const ledger = (): Ledger => memoryLedger(HOST)
/** An object entry in `state`, marked by this run's scan with `mark` (0: not seen). */
function entry(l: Ledger, key: number, mark: number, state: EntryState = LIVE, gen = 0): void {
  l.apply({ kind: UPDATE.OBJECT, a: key, b: 0, state, gen, version: 1 })
  if (mark !== 0) l.objects.setMark(l.objects.find(key), mark)
}

describe('what a run revokes, and why', () => {
  const ind = (id: number) => objectKey('indicators', id)

  it('revokes each live entry the scan did not mark exportable, by the reason of its mark', () => {
    const l = ledger()
    entry(l, ind(1), MARK.exportable)
    entry(l, ind(2), 0)
    entry(l, ind(3), MARK.status)
    entry(l, ind(4), MARK.refused)
    entry(l, ind(5), MARK.skipped)
    entry(l, ind(6), MARK.expired)
    entry(l, ind(7), 0, REVOKED)
    entry(l, objectKey('malware', 8), 0)
    const set = findRevocations(l, policy)
    assert.equal(set.total, 6)
    assert.deepEqual(Object.fromEntries(set.byReason), {
      'left the data collection or deleted': 1,
      'status Whitelisted': 1,
      'refused by a never-block guard': 1,
      'no longer exportable': 1,
      expired: 1,
      'no longer related to the collection': 1,
    })
  })

  it('an expired member does not count toward the mass guard: AED stopped blocking it already', () => {
    const l = ledger()
    entry(l, ind(1), MARK.expired)
    entry(l, ind(2), 0)
    const set = findRevocations(l, policy)
    assert.deepEqual([set.total, set.guarded], [2, 1])
  })

  it('revokes a relationship no link made this run', () => {
    const l = ledger()
    const a = ind(1)
    const b = objectKey('malware', 2)
    l.apply({ kind: UPDATE.RELATIONSHIP, a, b, state: LIVE, gen: 0, version: 0 })
    l.apply({
      kind: UPDATE.RELATIONSHIP,
      a,
      b: objectKey('tool', 3),
      state: LIVE,
      gen: 0,
      version: 0,
    })
    l.relationships.setMark(l.relationships.find(a, objectKey('tool', 3)), MARK.exportable)
    const set = findRevocations(l, policy)
    assert.deepEqual(Object.fromEntries(set.byReason), {
      'link removed, or an end left the export': 1,
    })
  })

  it('names each revocation by the id AED knows it by, in its generation', () => {
    const l = ledger()
    entry(l, ind(1), 0, LIVE, 2)
    const a = ind(1)
    const b = objectKey('malware', 2)
    l.apply({ kind: UPDATE.RELATIONSHIP, a, b, state: LIVE, gen: 1, version: 0 })
    const listed = [...revocations(l, findRevocations(l, policy), HOST, policy)]
    assert.deepEqual(
      listed.map((r) => [r.id, r.threatq, r.reason]),
      [
        [
          stixIdOf({ collection: 'indicators', id: 1 }, HOST, 2),
          'indicators:1',
          'left the data collection or deleted',
        ],
        [
          relationshipId(
            { collection: 'indicators', id: 1 },
            { collection: 'malware', id: 2 },
            HOST,
            1,
          ),
          'relationship indicators:1 > malware:2',
          'link removed, or an end left the export',
        ],
      ],
    )
  })
})
