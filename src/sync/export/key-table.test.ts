import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DROPPED, KeyTable, LIVE, REVOKED } from './key-table.js'

/** A deterministic stream of exact integers below 2^53, as ledger keys are. */
function* keys(count: number, seed = 7): Generator<number> {
  let x = seed
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    yield (i % 6) * 2 ** 40 + x * 97 + i
  }
}

describe('KeyTable', () => {
  it('finds every key it was given, with its fields, across growth (width 1 and 2)', () => {
    for (const width of [1, 2] as const) {
      const table = new KeyTable(width)
      const model = new Map<string, number>()
      let i = 0
      for (const a of keys(20_000)) {
        const b = width === 2 ? a + 3 : 0
        const slot = table.slot(a, b)
        table.set(slot, i % 2 === 0 ? LIVE : REVOKED, i % 65_536, i)
        table.setMark(slot, i % 7)
        model.set(`${String(a)}/${String(b)}`, i++)
      }
      assert.equal(table.size, model.size)
      for (const [k, v] of model) {
        const [a = 0, b = 0] = k.split('/').map(Number)
        const slot = table.find(a, b)
        assert.ok(slot >= 0, k)
        assert.equal(table.keyA(slot), a)
        assert.equal(table.keyB(slot), b)
        assert.equal(table.version(slot), v)
        assert.equal(table.gen(slot), v % 65_536)
        assert.equal(table.mark(slot), v % 7)
        assert.equal(table.state(slot), v % 2 === 0 ? LIVE : REVOKED)
      }
      assert.equal(table.find(2 ** 52 + 1, width === 2 ? 5 : 0), -1)
      assert.equal(table.count(LIVE) + table.count(REVOKED), model.size)
    }
  })

  it('adds a missing key as DROPPED, and gives a present key its own slot again', () => {
    const table = new KeyTable(1)
    const slot = table.slot(42)
    assert.equal(table.state(slot), DROPPED)
    assert.equal(table.slot(42), slot)
    assert.equal(table.size, 1)
  })

  it('grows by half again, not by doubling: 100,000 keys take at most 1.5x the slots they need', () => {
    const table = new KeyTable(1)
    for (const a of keys(100_000)) table.slot(a)
    assert.equal(table.size, 100_000)
    // At most 70% full, and at most half again more slots than that.
    assert.ok(table.slots >= 100_000 / 0.7, String(table.slots))
    assert.ok(table.slots <= (1.5 * 100_000) / 0.7 + 2, String(table.slots))
  })

  it('reserve sizes the table once for what it will hold, and keeps what it holds', () => {
    const table = new KeyTable(2)
    const held = [...keys(3_000)]
    for (const a of held) table.set(table.slot(a, 1), LIVE, 1, a % 1000)
    table.reserve(97_000)
    const slots = table.slots
    assert.ok(slots >= 100_000 / 0.7 && slots <= 100_000 / 0.7 + 2, String(slots))
    for (const a of held) {
      const slot = table.find(a, 1)
      assert.ok(slot >= 0)
      assert.equal(table.version(slot), a % 1000)
    }
    for (const a of keys(97_000, 11)) table.slot(a, 2)
    assert.equal(table.size, 100_000)
    assert.equal(table.slots, slots, 'no growth after the reservation')
    // Room already there: no change.
    table.reserve(0)
    assert.equal(table.slots, slots)
  })
})
