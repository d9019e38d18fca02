import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { readRecord, recordSchema, toObject } from './records.js'

const time = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z') })
  .filter((d) => !Number.isNaN(d.getTime()))
  .map((d) => d.toISOString().slice(0, 19).replace('T', ' '))
const named = fc.oneof(fc.string(), fc.record({ name: fc.string(), id: fc.nat() }))
const related = fc.array(fc.record({ id: fc.nat(), value: fc.string() }), { maxLength: 3 })

/** Records as ThreatQ sends them: every field in a shape recordSchema accepts, some left out. */
const goodRecord = fc.record(
  {
    id: fc.integer({ min: 1 }),
    created_at: time,
    updated_at: time,
    value: fc.oneof(fc.string(), fc.integer()),
    name: fc.string(),
    title: fc.string(),
    description: fc.option(fc.string()),
    type: fc.option(named),
    status: fc.option(named),
    published_at: fc.option(time),
    attributes: fc.option(
      fc.array(
        fc.record(
          {
            name: fc.string(),
            attribute: fc.record({ name: fc.string() }),
            value: fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })),
          },
          { requiredKeys: ['value'] },
        ),
        { maxLength: 3 },
      ),
    ),
    sources: fc.option(
      fc.array(
        fc.record(
          {
            name: fc.string(),
            tlp_id: fc.option(fc.integer({ min: 1, max: 4 })),
            tlp: fc.option(named),
            pivot: fc.record({ id: fc.nat() }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    ),
    adversaries: related,
    malware: related,
    report: related,
    score: fc.nat(),
  },
  { requiredKeys: ['id', 'created_at', 'updated_at'] },
)

/** Anything may be wrong: each field drawn from valid and invalid shapes alike. */
const anyValue = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, 2 ** 53, '', '7', Infinity),
  // Nested shapes that are almost right (sources, attributes and relations share the fields).
  fc.constantFrom(
    [{ tlp_id: 1.5 }],
    [{ tlp_id: '1' }],
    [{ tlp: 5 }],
    [{ tlp: {} }],
    [{ name: 3, value: 'x' }],
    [{ value: null }],
    [{ value: true }],
    [{ attribute: {}, value: 'x' }],
    [{ attribute: { name: 1 }, value: 'x' }],
    [{ id: 1.5 }],
    [{ id: '1' }],
    [null],
    ['x'],
  ),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  time,
  fc.constant('2024-02-30 00:00:00'),
  fc.array(fc.record({ id: fc.oneof(fc.integer(), fc.string()) }), { maxLength: 2 }),
)
const FIELDS = [
  'id',
  'created_at',
  'updated_at',
  'value',
  'name',
  'title',
  'description',
  'type',
  'status',
  'published_at',
  'attributes',
  'sources',
  'adversaries',
  'malware',
  'tool',
  'report',
  'attack_pattern',
  'indicators',
]
const mixedRecord = fc
  .tuple(goodRecord, fc.dictionary(fc.constantFrom(...FIELDS), anyValue))
  .map(([good, bad]) => ({ ...good, ...bad }))

describe('readRecord, the fast path of recordSchema', () => {
  it('reads every well-formed record, exactly as recordSchema does', () => {
    fc.assert(
      fc.property(goodRecord, (record) => {
        const fast = readRecord(record)
        const parsed = recordSchema.safeParse(record)
        assert.ok(parsed.success)
        assert.deepEqual(fast, parsed.data)
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees with recordSchema on every nearly-right nested shape', () => {
    const base = { id: 1, created_at: '2024-01-01 00:00:00', updated_at: '2024-01-01 00:00:00' }
    const nested = [
      { tlp_id: 1.5 },
      { tlp_id: '1' },
      { tlp_id: null, tlp: null },
      { tlp: 5 },
      { tlp: {} },
      { tlp: { name: 'AMBER' } },
      { name: 3, value: 'x' },
      { value: null },
      { value: true },
      { value: 2.5 },
      { attribute: {}, value: 'x' },
      { attribute: { name: 1 }, value: 'x' },
      { id: 1.5 },
      { id: '1' },
      { id: 2 },
      null,
      'x',
    ]
    for (const key of ['sources', 'attributes', 'malware', 'indicators'])
      for (const item of nested) {
        const record = { ...base, [key]: [item] }
        const parsed = recordSchema.safeParse(record)
        const fast = readRecord(record)
        if (fast === undefined) continue
        assert.ok(parsed.success, `fast path accepted ${JSON.stringify(record)}`)
        assert.deepEqual(fast, parsed.data)
      }
  })

  it('never accepts what recordSchema refuses, nor reads anything differently', () => {
    fc.assert(
      fc.property(fc.oneof(mixedRecord, fc.anything()), (record) => {
        const fast = readRecord(record)
        if (fast === undefined) return
        const parsed = recordSchema.safeParse(record)
        assert.ok(parsed.success, `fast path accepted what recordSchema refuses`)
        assert.deepEqual(fast, parsed.data)
      }),
      { numRuns: 5000 },
    )
  })
})

describe('TLP from the sources of a record asked with=sources (tlp_id only)', () => {
  const withSources = (sources: unknown[]) => {
    const record = readRecord({
      id: 1,
      value: 'x.example',
      created_at: '2024-01-01 00:00:00',
      updated_at: '2024-01-01 00:00:00',
      sources,
    })
    assert.ok(record !== undefined)
    return toObject('indicators', record).tlp
  }

  it('reads each id, the most restrictive source winning', () => {
    assert.equal(withSources([{ name: 'A', tlp_id: 4 }]), 'CLEAR')
    assert.equal(
      withSources([
        { name: 'A', tlp_id: 3 },
        { name: 'B', tlp_id: 2 },
      ]),
      'AMBER',
    )
    assert.equal(
      withSources([
        { name: 'A', tlp_id: 1 },
        { name: 'B', tlp_id: 3 },
      ]),
      'RED',
    )
    assert.equal(withSources([{ name: 'A', tlp_id: null }]), undefined)
  })

  it('[I: A-TQ-TLP-IDS] reads 5 as AMBER+STRICT, so an id alone keeps the restriction', () => {
    assert.equal(withSources([{ name: 'A', tlp_id: 5 }]), 'AMBER+STRICT')
    assert.equal(
      withSources([
        { name: 'A', tlp_id: 5 },
        { name: 'B', tlp_id: 2 },
      ]),
      'AMBER+STRICT',
    )
  })
})
