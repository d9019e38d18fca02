import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EnforcementIndex, TaxiiStore, timestampKey } from './store.js'

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

/** What an indicator with this pattern enforces (VALUES' enforceable literals, canonical). */
function enforcedValues(pattern: string): string[] {
  const canonical: Record<string, string> = { 'http://evil.example/x': 'evil.example/x' }
  return [...pattern.matchAll(/(ipv4-addr|ipv6-addr|domain-name|url):value = '([^']*)'/g)].map(
    (m) => canonical[m[2] ?? ''] ?? m[2] ?? '',
  )
}

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
  /** Instead of adding: delete the object's versions at these times (all of them when empty). */
  remove: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.subarray(TIMES), weight: 1 },
  ),
})

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never

function apply(store: TaxiiStore, s: Step): void {
  const collection =
    store.collections.get(s.collection) ?? store.addCollection(s.collection, '', s.collection)
  const id = `indicator--${s.uuid}`
  if (s.remove !== undefined) {
    if (!collection.objects.has(id)) return
    const keys =
      s.remove.length === 0 ? undefined : new Set(s.remove.map((t) => timestampKey(t) ?? ''))
    store.deleteObject(collection, id, keys)
    return
  }
  const object: Record<string, unknown> = {
    type: 'indicator',
    id,
    modified: s.modified,
    pattern: s.patterns.map((p) => `[${p}]`).join(' OR '),
    revoked: s.revoked,
  }
  if (s.name !== undefined) object.name = s.name
  if (s.validUntil !== undefined) object.valid_until = s.validUntil
  store.addObjects(collection, [object], '2.1')
}

describe('aed-sim enforcement index', () => {
  it('kept up to date during ingestion, answers as one rebuilt from the collections', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), fc.boolean(), (steps, lookFirst) => {
        const store = new TaxiiStore(() => Date.UTC(2026, 0, 15))
        for (const title of ['A', 'B']) store.addCollection(title, '', title)
        if (lookFirst) store.enforcementIndex()
        for (const s of steps) {
          apply(store, s)
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

  it('keeps each object’s versions sorted and unique, the latest one enforced', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const store = new TaxiiStore(() => Date.UTC(2026, 0, 15))
        store.addCollection('A', '', 'A')
        // The model: per id, the pattern stored at each version key.
        const model = new Map<string, Map<string, string>>()
        for (const s of steps) {
          apply(store, { ...s, collection: 'A' })
          const id = `indicator--${s.uuid}`
          const versions = model.get(id) ?? new Map<string, string>()
          if (s.remove === undefined) {
            const key = timestampKey(s.modified) ?? ''
            if (!versions.has(key)) versions.set(key, s.patterns.map((p) => `[${p}]`).join(' OR '))
            model.set(id, versions)
          } else if (s.remove.length === 0) model.delete(id)
          else {
            for (const t of s.remove) versions.delete(timestampKey(t) ?? '')
            if (versions.size === 0) model.delete(id)
          }
        }
        const collection = store.collections.get('A')
        assert.ok(collection)
        assert.deepEqual([...collection.objects.keys()].sort(), [...model.keys()].sort())
        for (const [id, stored] of collection.objects) {
          const want = [...(model.get(id) ?? new Map<string, string>())].sort(([a], [b]) =>
            a < b ? -1 : 1,
          )
          const keys = stored.versions.map((v) => v.versionKey)
          assert.deepEqual(
            keys,
            want.map(([k]) => k),
          )
          assert.equal(stored.count, keys.length)
          assert.equal(stored.first.versionKey, keys[0])
          assert.equal(stored.latest.versionKey, keys.at(-1))
          const latest = stored.latest.object
          assert.equal(latest.pattern, want.at(-1)?.[1])
          assert.deepEqual(
            stored.enforcement.entries.map((e) => e.value),
            latest.revoked === true ? [] : enforcedValues(String(latest.pattern)),
          )
        }
        assert.equal(
          collection.versions.length,
          [...model.values()].reduce((n, v) => n + v.size, 0),
        )
      }),
      { numRuns: 300 },
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
