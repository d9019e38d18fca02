import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { newSummary } from '../summary.js'
import { massChange, revocable } from './delivery.js'
import { NumberList } from './number-list.js'
import { emptyPlan } from './sync-plan.js'

describe('the export before it sends', () => {
  const revoking = (total: number, guarded = total) => ({
    slots: new NumberList(),
    total,
    guarded,
    byReason: new Map([['expired', total]]),
  })

  it('gives the mass guard what would be revoked (expiries aside) against what AED holds', () => {
    const plan = { sync: { ...emptyPlan(), members: 40 }, revoking: revoking(5, 3) }
    assert.deepEqual(massChange({ liveCount: () => 90 }, plan), {
      byReason: plan.revoking.byReason,
      count: 3,
      held: 90,
      members: 40,
    })
  })

  it('revokes from a readable collection only, and says why not otherwise (exit 3)', () => {
    const summary = newSummary('export')
    assert.equal(revocable(revoking(4), true, summary), 4)
    assert.equal(revocable(revoking(0), false, summary), 0)
    assert.deepEqual([summary.rejected.total, summary.problems.length], [0, 0])
    assert.equal(revocable(revoking(4), false, summary), 0)
    assert.deepEqual(summary.rejected.toJSON(), { 'not revoked: AED collection not readable': 4 })
    assert.match(summary.problems[0] ?? '', /^4 objects should be revoked.*can_read is false/)
  })
})
