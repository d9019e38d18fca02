import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ApiError } from './errors.js'
import { Ingest } from './ingest.js'
import { compileSort, evaluate, QueryCompiler } from './query.js'
import { Store } from './store.js'
import { collectionDef } from './vocab.js'

const DAY = 86_400_000
let now = Date.UTC(2026, 2, 1)

/** Six indicators, one created per day ending today (ids 1..6). */
function store(): Store {
  now = Date.UTC(2026, 2, 1) - 6 * DAY
  const s = Store.withDefaults(() => now)
  const def = collectionDef('indicators')
  if (def === undefined) throw new Error('no indicators')
  const ingest = new Ingest(s, { name: 'tester', sourceType: 'users' })
  const items = [
    {
      value: '1.2.3.4',
      type: 'IP Address',
      status: 'Active',
      sources: [{ name: 'Feed A', tlp: 'RED' }],
    },
    {
      value: 'evil.example.com',
      type: 'FQDN',
      status: 'Active',
      description: 'APT28 infrastructure',
    },
    { value: 'http://evil.example.com/x', type: 'URL', status: 'Review', tags: ['phish'] },
    {
      value: '10.0.0.0/8',
      type: 'CIDR Block',
      status: 'Expired',
      attributes: [{ name: 'Label', value: 'benign' }],
    },
    {
      value: 'good.example.org',
      type: 'FQDN',
      status: 'Whitelisted',
      sources: [{ name: 'Feed B', tlp: 'GREEN' }],
    },
    { value: 'd41d8cd98f00b204e9800998ecf8427e', type: 'MD5', status: 'Active' },
  ]
  items.forEach((item, i) => {
    now += DAY
    const { object } = ingest.upsert(def, item, 'consume')
    object.generatedScore = i * 2
  })
  return s
}

function ids(query: unknown, sort?: string): number[] {
  const s = store()
  return evaluate(s, 'indicators', new QueryCompiler(s, 'indicators').compileQuery(query), sort)
}

describe('query language', () => {
  it('matches everything on empty criteria and filters', () => {
    assert.deepEqual(ids({ criteria: {}, filters: {} }), [1, 2, 3, 4, 5, 6])
    assert.deepEqual(ids(undefined), [1, 2, 3, 4, 5, 6])
  })

  it('value: exact (case-insensitive), % wildcards, {is}, {+contains}, lists, +not', () => {
    assert.deepEqual(ids({ criteria: { value: 'EVIL.example.com' } }), [2])
    assert.deepEqual(ids({ criteria: { value: '%example.com%' } }), [2, 3])
    assert.deepEqual(ids({ criteria: { value: { is: '1.2.3.4' } } }), [1])
    assert.deepEqual(ids({ criteria: { value: { '+contains': 'EXAMPLE' } } }), [2, 3, 5])
    assert.deepEqual(ids({ criteria: { value: ['1.2.3.4', '10.0.0.0/8'] } }), [1, 4])
    assert.deepEqual(ids({ criteria: { '+not': { value: '%example%' } } }), [1, 4, 6])
  })

  it('+and / +or nest, criteria and filters must both hold', () => {
    assert.deepEqual(
      ids({
        criteria: {
          '+or': [
            { value: 'http://evil.example.com/x' },
            { value: '1.2.3.4' },
            { value: 'good.example.org' },
          ],
        },
        filters: { '+and': [{ '+or': [{ status_name: 'Active' }, { status_name: 'Review' }] }] },
      }),
      [1, 3],
    )
  })

  it('mentions searches value, description, attributes', () => {
    assert.deepEqual(ids({ criteria: { mentions: 'apt28' } }), [2])
    assert.deepEqual(ids({ criteria: { mentions: 'benign' } }), [4])
  })

  it('type_name and status_name (lists and wildcards)', () => {
    assert.deepEqual(ids({ filters: { type_name: 'FQDN' } }), [2, 5])
    assert.deepEqual(ids({ filters: { type_name: ['URL', 'MD5'] } }), [3, 6])
    assert.deepEqual(ids({ filters: { status_name: 'white%' } }), [5])
  })

  it('score ranges use the effective score', () => {
    assert.deepEqual(ids({ filters: { score: { '+gte': 4, '+lte': 8 } } }), [3, 4, 5])
    assert.deepEqual(ids({ filters: { score: { '+gt': 8 } } }), [6])
  })

  it('date ranges with absolute dates, NOW and NOW-relative', () => {
    // Created 2026-02-24 .. 2026-03-01 (one a day); "now" is the last creation.
    assert.deepEqual(ids({ filters: { created_at: { '+gt': '2026-02-26 12:00:00' } } }), [4, 5, 6])
    assert.deepEqual(ids({ filters: { created_at: { '+gte': 'NOW' } } }), [6])
    assert.deepEqual(ids({ filters: { updated_at: { '+gt': 'NOW-2 days', '+lt': 'NOW' } } }), [5])
    assert.deepEqual(ids({ filters: { created_at: { '+lt': '2026-02-25T12:00:00Z' } } }), [1, 2])
  })

  it('source, TLP, tag and attribute clauses', () => {
    assert.deepEqual(ids({ filters: { source_name: 'Feed%' } }), [1, 5])
    assert.deepEqual(ids({ filters: { tlp: 'RED' } }), [1])
    assert.deepEqual(ids({ filters: { tag: 'phish' } }), [3])
    assert.deepEqual(ids({ filters: { attribute: { name: 'label', value: 'benign' } } }), [4])
  })

  it('rejects unknown keys and operators with a 400 validation error', () => {
    for (const query of [
      { criteria: { colour: 'red' } },
      { filters: { score: { '+about': 3 } } },
      { filters: { created_at: { '+gt': 'yesterday-ish' } } },
      { criteria: { '+or': { value: 'x' } } },
    ]) {
      assert.throws(
        () => ids(query),
        (e: unknown) => e instanceof ApiError && e.status === 400,
        JSON.stringify(query),
      )
    }
  })

  it('sorts by several keys, ties broken by id', () => {
    assert.deepEqual(ids({}, '-score'), [6, 5, 4, 3, 2, 1])
    // Type ids are alphabetical: CIDR Block 3 < FQDN 11 < IP Address 15 < MD5 18 < URL 28.
    assert.deepEqual(ids({}, 'type_id,-id'), [4, 5, 2, 1, 6, 3])
    assert.equal(compileSort('id'), undefined, 'id order needs no sort')
  })

  it('the fast single-key sort orders exactly like the comparator', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            updated: fc.integer({ min: 0, max: 5000 }),
            score: fc.integer({ min: 0, max: 10 }),
          }),
          {
            maxLength: 60,
          },
        ),
        fc.constantFrom('updated_at', '-updated_at', 'score', '-score', 'value'),
        (rows, sort) => {
          const s = Store.withDefaults(() => 0)
          rows.forEach((r, i) =>
            s.insert('indicators', {
              identity: `v${String((i * 7) % 13)}-${String(i)}`,
              typeId: 11,
              updatedAt: 1_700_000_000 + r.updated,
              generatedScore: r.score,
            }),
          )
          const all = [...s.table('indicators').all()]
          const comparator = compileSort(sort)
          assert.ok(comparator !== undefined)
          const expected = [...all].sort(comparator).map((o) => o.id)
          assert.deepEqual(
            evaluate(s, 'indicators', () => true, sort),
            expected,
          )
        },
      ),
    )
  })
})
