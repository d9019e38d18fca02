import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { LATEST_EPOCH_SECONDS } from '../utc.js'
import { alertSchema, readAlert } from './client.js'

const alert = { alertId: 1, alertType: 'ddos', severity: 5, startTime: 1_767_225_600 }

describe('AED alert schema', () => {
  it('takes an alert with epoch-second times', () => {
    assert.equal(alertSchema.safeParse({ ...alert, endTime: null }).success, true)
  })

  for (const startTime of [1e15, 1e308, -1, 1.5])
    it(`refuses a startTime of ${String(startTime)}, which is no date it could be written as`, () => {
      assert.equal(alertSchema.safeParse({ ...alert, startTime }).success, false)
    })
})

describe('readAlert (the fast path in front of alertSchema)', () => {
  const odd = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.string({ maxLength: 4 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 1.5, 9, 10, 2 ** 53, LATEST_EPOCH_SECONDS, LATEST_EPOCH_SECONDS + 1),
    fc.constant([]),
    fc.constant({}),
  )
  /** Each field absent, null, well-formed or odd, so both paths see the edges of every rule. */
  const field = (good: fc.Arbitrary<unknown>) =>
    fc.option(fc.oneof({ arbitrary: good, weight: 30 }, { arbitrary: odd, weight: 1 }), {
      nil: undefined,
      freq: 20,
    })
  const epoch = fc.oneof(
    fc.integer({ min: -1, max: LATEST_EPOCH_SECONDS + 1 }),
    fc.constantFrom(-1, 0, LATEST_EPOCH_SECONDS, LATEST_EPOCH_SECONDS + 1),
  )
  const text = fc.string({ maxLength: 6 })
  const int = fc.integer({ min: -5, max: 70_000 })
  const item = fc
    .record({
      alertId: field(
        fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 40 })),
      ),
      alertType: field(text),
      severity: field(fc.integer({ min: 0, max: 10 })),
      startTime: field(epoch),
      endTime: field(epoch),
      updateTime: field(epoch),
      category: field(text),
      direction: field(text),
      pgid: field(int),
      pgName: field(text),
      src: field(text),
      dst: field(text),
      srcPort: field(int),
      dstPort: field(int),
      proto: field(text),
      matchType: field(text),
      iocPattern: field(text),
      threatName: field(text),
      threatCategory: field(text),
      taxiiCollectionId: field(text),
      taxiiCollectionTitle: field(text),
      description: field(text),
      extra: field(odd),
    })
    // As JSON.parse would hand it over: no keys holding undefined.
    .map((record) => JSON.parse(JSON.stringify(record)) as unknown)

  it('accepts exactly what alertSchema accepts, and hands back what it would', () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: item, weight: 20 }, { arbitrary: odd, weight: 1 }), (x) => {
        const fast = readAlert(x)
        const parsed = alertSchema.safeParse(x)
        assert.equal(fast !== undefined, parsed.success)
        if (parsed.success) assert.deepEqual(fast, parsed.data)
      }),
      { numRuns: 5000 },
    )
  })
})
