import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deliveryProgress } from './delivery-progress.js'
import { emptyPlan } from './sync-plan.js'

describe('delivery progress', () => {
  it('estimates from the plan (with the identity) until the stream ends, then counts exactly', () => {
    const plan = emptyPlan()
    plan.indicatorsToSend = 3
    plan.relationships.push(1, 2, 0, 0)
    const shown: [number, number][] = []
    const progress = deliveryProgress(plan, 2, (done, total) => shown.push([done, total]))
    progress.acknowledged(0)
    progress.read(4)
    progress.acknowledged(4)
    progress.read(5)
    progress.readAll()
    assert.deepEqual(shown, [
      [0, 7],
      [4, 7],
      [4, 9],
    ])
  })

  it('shows nothing for a stream that is read but not delivered (a dry run)', () => {
    const shown: unknown[] = []
    const progress = deliveryProgress(emptyPlan(), 0, (...a) => shown.push(a))
    progress.read(3)
    progress.readAll()
    assert.deepEqual(shown, [])
  })
})
