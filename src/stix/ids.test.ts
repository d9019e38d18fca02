import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { stableId } from './ids.js'

const V4 = /^[a-z-]+--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('stable STIX ids', () => {
  it('are the same for the same ThreatQ object and v4-shaped', () => {
    const a = stableId('indicator', { host: 'tq.example', kind: 'indicator', id: 42 })
    assert.equal(a, stableId('indicator', { host: 'tq.example', kind: 'indicator', id: '42' }))
    assert.match(a, V4)
  })

  it('differ across host, kind and id', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.string(), fc.string(), fc.string()),
        fc.tuple(fc.string(), fc.string(), fc.string()),
        ([h1, k1, i1], [h2, k2, i2]) => {
          fc.pre(h1 !== h2 || k1 !== k2 || i1 !== i2)
          const a = stableId('malware', { host: h1, kind: k1, id: i1 })
          const b = stableId('malware', { host: h2, kind: k2, id: i2 })
          return a !== b && V4.test(a)
        },
      ),
    )
  })
})
