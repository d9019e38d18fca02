import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EnforcementIndex, TaxiiStore } from './store.js'

const UUIDS = [
  '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  '0f7c5a4e-2b1d-4c3a-9e8f-7a6b5c4d3e2f',
  '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
  '9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a',
]
const TIMES = ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00Z', '2026-03-01T00:00:00.5Z']
const VALUES = [
  "ipv4-addr:value = '198.51.100.1'",
  "ipv4-addr:value = '198.51.100.0/24'",
  "ipv6-addr:value = '2001:db8::1'",
  "domain-name:value = 'evil.example'",
  "url:value = 'http://evil.example/x'",
  "file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'",
]
const PROBES = {
  address: ['198.51.100.1', '198.51.100.7', '2001:db8::1', '192.0.2.1'],
  host: ['evil.example', 'www.evil.example', 'good.example'],
  url: ['evil.example/x', 'http://evil.example/x'],
}
const NOW = '2026-01-15T00:00:00.000Z'

/** Everything the index answers, for comparing two of them. */
function answers(index: EnforcementIndex): unknown {
  return {
    size: index.size,
    address: PROBES.address.map((a) => index.matchAddress(a, NOW)),
    host: PROBES.host.map((h) => index.matchHost(h, NOW)),
    url: PROBES.url.map((u) => index.matchUrl(u, NOW)),
  }
}

const step = fc.record({
  collection: fc.constantFrom('A', 'B'),
  uuid: fc.constantFrom(...UUIDS),
  modified: fc.constantFrom(...TIMES),
  patterns: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }),
  name: fc.constantFrom('one', 'two', undefined),
  validUntil: fc.constantFrom('2026-01-10T00:00:00Z', '2027-01-01T00:00:00Z', undefined),
  revoked: fc.boolean(),
  /** Ask for the index after this step, so later steps update an existing one. */
  look: fc.boolean(),
})

describe('aed-sim enforcement index', () => {
  it('kept up to date during ingestion, answers as one rebuilt from the collections', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.boolean(), (steps, lookFirst) => {
        const store = new TaxiiStore(() => Date.UTC(2026, 0, 15))
        const collections = { A: store.addCollection('A'), B: store.addCollection('B') }
        if (lookFirst) store.enforcementIndex()
        for (const s of steps) {
          const object: Record<string, unknown> = {
            type: 'indicator',
            id: `indicator--${s.uuid}`,
            modified: s.modified,
            pattern: s.patterns.map((p) => `[${p}]`).join(' OR '),
            revoked: s.revoked,
          }
          if (s.name !== undefined) object.name = s.name
          if (s.validUntil !== undefined) object.valid_until = s.validUntil
          store.addObjects(collections[s.collection], [object], '2.1')
          if (s.look) store.enforcementIndex()
        }
        assert.deepEqual(
          answers(store.enforcementIndex()),
          answers(new EnforcementIndex(store.collections)),
        )
      }),
      { numRuns: 500 },
    )
  })

  it('a new indicator updates an existing index: the count and the match', () => {
    const store = new TaxiiStore(() => Date.UTC(2026, 0, 15))
    const collection = store.addCollection('A')
    const first = store.enforcementIndex()
    store.addObjects(
      collection,
      [
        {
          type: 'indicator',
          id: `indicator--${UUIDS[0] ?? ''}`,
          name: 'bad host',
          pattern: "[ipv4-addr:value = '198.51.100.1']",
        },
      ],
      '2.0',
    )
    assert.equal(store.enforcementIndex(), first, 'appended, not rebuilt')
    assert.equal(first.size, 1)
    assert.equal(first.matchAddress('198.51.100.1', NOW)?.name, 'bad host')
  })
})
