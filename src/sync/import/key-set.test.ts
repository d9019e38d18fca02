import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeySet } from './key-set.js'

describe('KeySet: the event keys written in a run', () => {
  it('holds each key once, tells it from every other, and grows past its first capacity', () => {
    const set = new KeySet(4)
    const keys = Array.from(
      { length: 50_000 },
      (_, i) => `ip 198.51.${String(i >> 8)}.${String(i & 255)} 2026-12-07T10:00Z`,
    )
    for (const key of keys.slice(0, 25_000)) set.add(key)
    set.add(keys[0] ?? '')
    assert.equal(set.size, 25_000)
    assert.ok(keys.slice(0, 25_000).every((k) => set.has(k)))
    assert.ok(keys.slice(25_000).every((k) => !set.has(k)))
    assert.equal(set.has(''), false)
    set.add('')
    assert.equal(set.has(''), true)
  })
})
