import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { hashUuid, stableId } from './ids.js'

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

describe('hashUuid', () => {
  it('is the first 16 bytes of SHA-256 with RFC 4122 version 4 and variant bits', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), (parts) => {
        const bytes = createHash('sha256').update(parts.join('\0')).digest().subarray(0, 16)
        bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
        bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
        const hex = bytes.toString('hex')
        assert.equal(
          hashUuid(parts),
          `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
        )
      }),
      { numRuns: 5000 },
    )
  })

  it('keeps the ids already exported', () => {
    // Pinned: AED holds objects under these ids; a change would duplicate every object.
    assert.equal(
      stableId('indicator', { host: 'tq.example', kind: 'indicators', id: 1 }),
      'indicator--e50949a7-c6e4-4dbe-af70-a64b157314ab',
    )
  })
})
