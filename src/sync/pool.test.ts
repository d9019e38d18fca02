import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { forEachConcurrent } from './pool.js'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('forEachConcurrent', () => {
  it('keeps at most `limit` items in flight and does them all', async () => {
    let active = 0
    let peak = 0
    const done: number[] = []
    await forEachConcurrent([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++active)
      await tick(5)
      active--
      done.push(n)
    })
    assert.equal(peak, 3)
    assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6, 7])
  })

  it('on a failure starts nothing new, lets the items in flight finish, then throws', async () => {
    const finished: number[] = []
    await assert.rejects(
      forEachConcurrent([1, 2, 3, 4, 5], 2, async (n) => {
        if (n === 1) throw new Error('boom')
        await tick(20)
        finished.push(n)
      }),
      /boom/,
    )
    // 2 was in flight when 1 failed; it completed. Nothing after it started.
    assert.deepEqual(finished, [2])
  })
})
