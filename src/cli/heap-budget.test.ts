import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fullCollection, startHeapBudget } from './heap-budget.js'

/**
 * A budget of 100, checked every millisecond, over a fake heap: `used` moves as the test says; a
 * collection leaves `live`.
 */
function started(used: number, live: number, external = 0) {
  const heap = { used, live, collections: 0, external }
  const stop = startHeapBudget({
    bytes: 100,
    everyMs: 1,
    externalAllowance: 10,
    usedHeap: () => heap.used,
    external: () => heap.external,
    collect: () => {
      heap.collections++
      heap.used = heap.live
    },
  })
  return { heap, stop }
}

/** Each step: the used heap, then the collections expected so far. */
async function steps(heap: { used: number; collections: number }, plan: number[][]) {
  for (const [used = 0, collections] of plan) {
    heap.used = used
    await delay(20)
    assert.equal(heap.collections, collections, `at ${String(used)}`)
  }
}

describe('the heap budget', () => {
  it('leaves a heap under budget alone', async () => {
    const { heap, stop } = started(50, 10)
    await delay(20)
    stop()
    assert.equal(heap.collections, 0)
  })

  it('collects each time the heap passes the budget', async () => {
    const { heap, stop } = started(150, 10)
    await delay(20)
    assert.equal(heap.collections, 1)
    heap.used = 120
    await delay(20)
    stop()
    assert.equal(heap.collections, 2)
    assert.equal(heap.used, 10)
  })

  it('grows the budget to twice what is live, instead of collecting over and over', async () => {
    const { heap, stop } = started(150, 70)
    // 70 live is over half of 100: the budget is now 140 (not 200): 130 does not trigger, 150 does.
    await steps(heap, [
      [150, 1],
      [130, 1],
      [150, 2],
    ])
    // Live grows to 90: the budget follows it to 180.
    heap.live = 90
    await steps(heap, [
      [150, 3],
      [170, 3],
      [190, 4],
    ])
    stop()
  })

  it('counts memory outside the heap past its allowance, leaving a third of the budget to collect', async () => {
    // 40 outside, 10 of it allowed: the heap is collected past 70, not 100.
    const some = started(60, 10, 40)
    await steps(some.heap, [
      [60, 0],
      [80, 1],
    ])
    some.stop()
    // 90 outside would put the trigger at 20; after a collection leaving 40 it is 40 + 100/3.
    const much = started(50, 40, 90)
    await steps(much.heap, [
      [50, 1],
      [70, 1],
      [80, 2],
    ])
    much.stop()
  })

  it('stops when told', async () => {
    const { heap, stop } = started(10, 10)
    stop()
    heap.used = 500
    await delay(20)
    assert.equal(heap.collections, 0)
  })

  it("reaches V8's full collection without the command-line flag", async () => {
    const gc = fullCollection()
    const ref = new WeakRef({ big: new Array<string>(1000).fill('x') })
    // A WeakRef keeps its target alive until the current job ends.
    await delay(1)
    gc()
    assert.equal(ref.deref(), undefined)
  })
})
