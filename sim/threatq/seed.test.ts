import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SEED_EPOCH, seed } from './seed.js'
import { createThreatqSim } from './app.js'
import { Store } from './store.js'
import { at, SimClient } from './test-support.js'

function seeded(n: number): Store {
  // A clock far from the seed epoch: seeded data must not depend on it.
  const store = Store.withDefaults(() => Date.UTC(2030, 5, 6))
  seed(store, n, 'My Collection')
  return store
}

function fingerprint(store: Store): string {
  const rows = [...store.table('indicators').all()].map((o) => [
    o.identity,
    o.typeId,
    o.statusId,
    o.createdAt,
    o.updatedAt,
    o.generatedScore,
    o.sources?.map((s) => [s.sourceId, s.tlpId]),
    o.attributes?.map((a) => a.value),
    store.relationshipCount(o),
  ])
  return JSON.stringify(rows)
}

describe('--seed-indicators', () => {
  it('is deterministic for a given N, whatever the clock', () => {
    assert.equal(fingerprint(seeded(300)), fingerprint(seeded(300)))
    const first = seeded(300).get('indicators', 1)
    assert.equal(first?.createdAt, SEED_EPOCH, 'timestamps come from the seed, not the clock')
  })

  it('mixes mostly AED-enforceable types, some hashes and e-mail, and a few invalid values', () => {
    const store = seeded(2000)
    const byType = new Map<string, number>()
    const values = new Set<string>()
    for (const o of store.table('indicators').all()) {
      const name = store.typeById('indicators', o.typeId)?.name ?? '?'
      byType.set(name, (byType.get(name) ?? 0) + 1)
      values.add(`${name}|${o.identity}`)
    }
    assert.equal(values.size, 2000, 'identities are unique')
    const count = (t: string): number => byType.get(t) ?? 0
    const enforceable =
      count('IP Address') +
      count('IPv6 Address') +
      count('CIDR Block') +
      count('FQDN') +
      count('URL')
    assert.ok(enforceable > 1600, `enforceable ${String(enforceable)}`)
    for (const t of [
      'IP Address',
      'IPv6 Address',
      'CIDR Block',
      'FQDN',
      'URL',
      'MD5',
      'SHA-256',
      'Email Address',
    ]) {
      assert.ok(count(t) > 0, t)
    }
    const all = [...store.table('indicators').all()].map((o) => o.identity)
    assert.ok(
      all.some((v) => v.startsWith('010.')),
      'an IP with a leading zero',
    )
    assert.ok(
      all.some((v) => v.includes("'")),
      'a URL with a quote',
    )
    assert.ok(
      all.some((v) => v.endsWith('/33')),
      'an impossible CIDR',
    )
  })

  it('relates about 10% of indicators to adversaries, malware, tools, reports; labels and TLPs vary', () => {
    const store = seeded(5000)
    const indicators = [...store.table('indicators').all()]
    const related = indicators.filter((o) => store.relationshipCount(o) > 0).length
    assert.ok(related > 350 && related < 650, `related ${String(related)}`)
    for (const coll of ['adversaries', 'malware', 'tool', 'report']) {
      assert.ok(store.table(coll).count > 0, coll)
      const linked = [...store.table(coll).all()].some((o) => store.relationshipCount(o) > 0)
      assert.ok(linked, coll)
    }
    const labelled = indicators.filter((o) =>
      o.attributes?.some((a) => store.attributeName(a.attributeId) === 'Label'),
    )
    assert.ok(labelled.length > 1000)
    const tlps = new Set(
      indicators.flatMap((o) => (o.sources ?? []).map((l) => store.effectiveTlpId(l))),
    )
    assert.deepEqual([...tlps].sort(), [1, 2, 3, 4, 5, null])
  })

  it('saves a data collection, stored with json as a string, that selects every seeded indicator', async () => {
    const c = new SimClient(createThreatqSim({ seedIndicators: 120, collection: 'Seeded DC' }))
    const list = await c.get('/api/search/query')
    assert.equal(at(list.body, 'data', 0, 'name'), 'Seeded DC')
    assert.equal(typeof at(list.body, 'data', 0, 'json'), 'string')
    const hash = at(list.body, 'data', 0, 'hash') as string
    const res = await c.get(`/api/indicators/query/hash/${hash}?cursorMark=*&limit=1`)
    assert.equal(at(res.body, 'total'), 120)
    // Indicators written later by someone else are not part of it.
    await c.post('/api/indicators', { value: 'later.example', type: 'FQDN', status: 'Active' })
    assert.equal(
      at((await c.get(`/api/indicators/query/hash/${hash}?cursorMark=*&limit=1`)).body, 'total'),
      120,
    )
  })
})
