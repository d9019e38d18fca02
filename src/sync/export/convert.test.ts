import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { schemaPathFor, schemaSkip, stixSchemas } from '../../../test/helpers/stix-schemas.js'
import { bundle } from '../../stix/builders.js'
import type { StixObject, StixVersion } from '../../stix/types.js'
import type { TqObject } from '../../threatq/model.js'
import {
  convertIndicator,
  convertRelated,
  convertRelationship,
  type ExportContext,
  instanceIdentity,
  labelsFor,
  relationshipType,
} from './convert.js'

const t0 = new Date('2026-01-01T00:00:00.000Z')
const t1 = new Date('2026-01-02T00:00:00.000Z')

function tq(partial: Partial<TqObject> & Pick<TqObject, 'collection' | 'id' | 'name'>): TqObject {
  return { createdAt: t0, updatedAt: t1, attributes: [], ...partial }
}

function ctx(version: StixVersion, overrides: Partial<ExportContext> = {}): ExportContext {
  return {
    version,
    host: 'tq.example',
    baseUrl: 'https://tq.example',
    identityId: instanceIdentity(version, 'tq.example').id,
    defaultLabels: {
      indicator: ['malicious-activity'],
      'threat-actor': ['criminal'],
      malware: ['trojan'],
      tool: ['exploitation'],
      report: ['threat-report'],
    },
    exportAllTypes: false,
    ...overrides,
  }
}

const indicator = tq({
  collection: 'indicators',
  id: 7,
  name: "http://evil.example/it's",
  type: 'URL',
  tlp: 'AMBER+STRICT',
})
const actor = tq({
  collection: 'adversaries',
  id: 3,
  name: 'APT Example',
  attributes: [{ name: 'STIX Label', value: 'nation-state, spy' }],
})
const mal = tq({ collection: 'malware', id: 4, name: 'Poison Ivy', tlp: 'GREEN' })

function exportOf(version: StixVersion): StixObject[] {
  const c = ctx(version)
  const ind = convertIndicator(indicator, c)
  assert.ok(ind.ok)
  const related = [actor, mal].map((o) => convertRelated(o, c))
  const rels = [
    convertRelationship(indicator, mal, c),
    convertRelationship(actor, mal, c),
    convertRelationship(mal, indicator, c),
  ]
  const report = convertRelated(tq({ collection: 'report', id: 9, name: 'Q1 report' }), c, [
    ind.object.id,
    ...related.map((r) => r.object.id),
  ])
  const markings = new Map(
    [...ind.markings, ...related.flatMap((r) => r.markings)].map((m) => [m.id, m]),
  )
  return [
    instanceIdentity(version, 'tq.example'),
    ind.object,
    ...related.map((r) => r.object),
    ...rels,
    report.object,
    ...markings.values(),
  ]
}

describe('ThreatQ → STIX conversion', () => {
  for (const version of ['2.0', '2.1'] as const)
    it(`produces a schema-valid STIX ${version} export`, { skip: schemaSkip }, () => {
      const objects = exportOf(version)
      const schemas = stixSchemas(version)
      for (const o of objects) assert.deepEqual(schemas.errors(schemaPathFor(o.type), o), [], o.id)
      assert.deepEqual(schemas.errors('common/bundle.json', bundle(version, objects)), [])
    })

  it('maps the indicator: escaped pattern, stable id, link back, identity, TLP markings', () => {
    const result = convertIndicator(indicator, ctx('2.0'))
    assert.ok(result.ok)
    const o = result.object
    assert.equal(o.pattern, "[url:value = 'http://evil.example/it\\'s']")
    assert.equal(o.created, '2026-01-01T00:00:00.000Z')
    assert.equal(o.modified, '2026-01-02T00:00:00.000Z')
    assert.deepEqual(o.labels, ['malicious-activity'])
    assert.deepEqual(o.external_references, [
      { source_name: 'ThreatQ', external_id: '7', url: 'https://tq.example/indicators/7/details' },
    ])
    assert.equal(o.created_by_ref, instanceIdentity('2.0', 'tq.example').id)
    assert.equal(
      (o.object_marking_refs as string[]).length,
      2,
      'AMBER plus the AMBER+STRICT statement',
    )
    assert.equal(result.markings.length, 2)
    const again = convertIndicator(
      { ...indicator, updatedAt: new Date('2026-03-01T00:00:00Z') },
      ctx('2.0'),
    )
    assert.ok(again.ok)
    assert.equal(again.object.id, o.id, 're-exports update the same object')
  })

  it('takes labels from Label/Labels/STIX Label attributes before the defaults', () => {
    assert.deepEqual(labelsFor(actor, ['criminal']), ['nation-state', 'spy'])
    assert.deepEqual(
      labelsFor(
        tq({
          collection: 'tool',
          id: 1,
          name: 'x',
          attributes: [
            { name: 'LABELS', value: 'a,b' },
            { name: 'label', value: 'c' },
          ],
        }),
        ['z'],
      ),
      ['a', 'b', 'c'],
    )
    assert.deepEqual(labelsFor(mal, ['trojan']), ['trojan'])
  })

  it('skips what AED cannot enforce and what is invalid, with the reason', () => {
    const hash = tq({ collection: 'indicators', id: 1, name: 'a'.repeat(64), type: 'SHA-256' })
    const skipped = convertIndicator(hash, ctx('2.0'))
    assert.deepEqual(skipped.ok ? undefined : skipped.reason, 'not enforceable by AED')
    const all = convertIndicator(hash, ctx('2.0', { exportAllTypes: true }))
    assert.ok(all.ok)
    const bad = convertIndicator(
      tq({ collection: 'indicators', id: 2, name: '010.1.1.1', type: 'IP Address' }),
      ctx('2.0'),
    )
    assert.ok(!bad.ok)
    assert.equal(bad.reason, 'invalid value')
    assert.match(bad.detail, /dotted-quad/)
    const mutex = convertIndicator(
      tq({ collection: 'indicators', id: 3, name: 'Global\\x', type: 'Mutex' }),
      ctx('2.1', { exportAllTypes: true }),
    )
    assert.ok(!mutex.ok)
    assert.equal(mutex.reason, 'no STIX pattern')
  })

  it('orients relationships so the verbs read right', () => {
    assert.equal(relationshipType('indicators', 'malware'), 'indicates')
    assert.equal(relationshipType('adversaries', 'tool'), 'uses')
    assert.equal(relationshipType('malware', 'tool'), 'related-to')
    const c = ctx('2.1')
    const backwards = convertRelationship(mal, indicator, c)
    const forwards = convertRelationship(indicator, mal, c)
    assert.equal(backwards.relationship_type, 'indicates')
    assert.equal(backwards.source_ref, forwards.source_ref)
    assert.equal(backwards.id, forwards.id, 'one relationship whichever side it was found from')
  })
})

describe('sync: ids, expiry and canonical relationships', () => {
  const malware = tq({ collection: 'malware', id: 7, name: 'SeedRAT' })
  const tool = tq({ collection: 'tool', id: 3, name: 'Mimikatz' })

  it('gives a related-to link one relationship, whichever side it was found from', () => {
    for (const version of ['2.0', '2.1'] as const) {
      const one = convertRelationship(malware, tool, ctx(version))
      const other = convertRelationship(tool, malware, ctx(version))
      assert.deepEqual(one, other)
      assert.equal(one.relationship_type, 'related-to')
    }
  })

  it('keeps typed verbs pointing the right way', () => {
    const actor = tq({ collection: 'adversaries', id: 2, name: 'APT' })
    const a = convertRelationship(tool, actor, ctx('2.1'))
    assert.equal(a.relationship_type, 'uses')
    assert.match(String(a.source_ref), /^threat-actor--/)
  })

  it('gives a revoked object a new id in its next generation, and keeps generation 0 stable', () => {
    const indicator = tq({
      collection: 'indicators',
      id: 12,
      name: '198.51.100.7',
      type: 'IP Address',
    })
    const g0 = convertIndicator(indicator, ctx('2.1'))
    const again = convertIndicator(indicator, ctx('2.1', { generation: () => 0 }))
    const g1 = convertIndicator(indicator, ctx('2.1', { generation: () => 1 }))
    assert.ok(g0.ok && again.ok && g1.ok)
    assert.equal(g0.object.id, again.object.id)
    assert.notEqual(g0.object.id, g1.object.id)
    assert.match(g1.object.id, /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]/)
  })

  it('maps expires_at to valid_until, in both versions', () => {
    const expires = new Date('2027-01-01T00:00:00.000Z')
    for (const version of ['2.0', '2.1'] as const) {
      const converted = convertIndicator(
        tq({
          collection: 'indicators',
          id: 5,
          name: 'evil.example',
          type: 'FQDN',
          expiresAt: expires,
        }),
        ctx(version),
      )
      assert.ok(converted.ok)
      assert.equal(converted.object.valid_until, '2027-01-01T00:00:00.000Z')
    }
  })

  it('sends a URL host in the form domains are sent, and its path as written', () => {
    const converted = convertIndicator(
      tq({ collection: 'indicators', id: 6, name: 'http://Bücher.example/ü?q=Ä', type: 'URL' }),
      ctx('2.1'),
    )
    assert.ok(converted.ok)
    assert.equal(converted.object.pattern, "[url:value = 'http://xn--bcher-kva.example/ü?q=Ä']")
  })
})
