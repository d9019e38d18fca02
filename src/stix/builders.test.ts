import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { schemaPathFor, schemaSkip, stixSchemas } from '../../test/helpers/stix-schemas.js'
import * as stix from './builders.js'
import { StixError } from './errors.js'
import { stableId } from './ids.js'
import { buildPattern } from './patterns.js'
import { TLP_LEVELS, tlpMarking } from './tlp.js'
import type { StixObject, StixVersion } from './types.js'

const VERSIONS: StixVersion[] = ['2.0', '2.1']
const created = new Date('2026-01-02T03:04:05.678Z')
const modified = new Date('2026-02-03T04:05:06.789Z')
const id = (type: string, n: number): string =>
  stableId(type, { host: 'tq.example', kind: type, id: n })

/** One object of every type the connector emits, cross-referenced as an export would. */
function everyType(version: StixVersion): StixObject[] {
  const identity = stix.identity(version, {
    id: id('identity', 1),
    created,
    modified,
    name: 'ThreatQ tq.example',
    identityClass: 'organization',
  })
  const amber = tlpMarking(version, 'AMBER+STRICT')
  const base = {
    created,
    modified,
    createdByRef: identity.id,
    markingRefs: amber.refs,
    externalReferences: [
      { source_name: 'ThreatQ', url: 'https://tq.example/indicators/1/details' },
    ],
  }
  const pattern = buildPattern('SHA-256', 'a'.repeat(64))
  assert.ok(pattern.ok)
  const ind = stix.indicator(version, {
    ...base,
    id: id('indicator', 1),
    pattern: pattern.pattern,
    validFrom: created,
    labels: ['malicious-activity'],
    name: 'aaaa…',
  })
  const actor = stix.threatActor(version, {
    ...base,
    id: id('threat-actor', 1),
    name: 'APT Example',
    labels: ['nation-state'],
    aliases: ['Example Panda'],
  })
  const mal = stix.malware(version, {
    ...base,
    id: id('malware', 1),
    name: 'Poison Ivy',
    labels: ['trojan'],
  })
  const tl = stix.tool(version, {
    ...base,
    id: id('tool', 1),
    name: 'Mimikatz',
    labels: ['credential-exploitation'],
  })
  const ap = stix.attackPattern(version, {
    ...base,
    id: id('attack-pattern', 1),
    name: 'Spearphishing',
  })
  const rel = stix.relationship(version, {
    ...base,
    id: id('relationship', 1),
    relationshipType: 'indicates',
    sourceRef: ind.id,
    targetRef: mal.id,
  })
  const rep = stix.report(version, {
    ...base,
    id: id('report', 1),
    name: 'Campaign report',
    labels: ['threat-report'],
    published: modified,
    objectRefs: [ind.id, actor.id, mal.id],
  })
  const statement = stix.statementMarking(version, {
    id: id('marking-definition', 1),
    created,
    statement: 'Copyright example',
    createdByRef: identity.id,
  })
  const markings = TLP_LEVELS.flatMap((level) => tlpMarking(version, level).objects)
  const unique = new Map([...markings, statement].map((m) => [m.id, m]))
  return [identity, ind, actor, mal, tl, ap, rel, rep, ...unique.values()]
}

describe('STIX builders', () => {
  for (const version of VERSIONS) {
    describe(`STIX ${version}`, { skip: schemaSkip }, () => {
      it('every object validates against its OASIS schema', () => {
        const schemas = stixSchemas(version)
        for (const object of everyType(version))
          assert.deepEqual(schemas.errors(schemaPathFor(object.type), object), [], object.id)
      })

      it('a bundle mixing every type and marking validates', () => {
        const b = stix.bundle(version, everyType(version))
        assert.deepEqual(stixSchemas(version).errors('common/bundle.json', b), [])
      })
    })
  }

  it('puts spec_version on the 2.0 bundle only, and on every 2.1 object but not the bundle', () => {
    const b20 = stix.bundle('2.0', everyType('2.0'))
    assert.equal(b20.spec_version, '2.0')
    for (const o of b20.objects ?? []) assert.equal(o.spec_version, undefined, o.id)
    const b21 = stix.bundle('2.1', everyType('2.1'))
    assert.equal('spec_version' in b21, false)
    for (const o of b21.objects ?? []) assert.equal(o.spec_version, '2.1', o.id)
  })

  it('maps labels to labels (2.0) or <type>_types (2.1), and sets is_family on 2.1 malware', () => {
    const input = {
      id: id('malware', 2),
      created,
      modified,
      name: 'X',
      labels: ['bot', 'bot', ' '],
    }
    assert.deepEqual(stix.malware('2.0', input).labels, ['bot'])
    const m21 = stix.malware('2.1', input)
    assert.deepEqual(m21.malware_types, ['bot'])
    assert.equal(m21.labels, undefined)
    assert.equal(m21.is_family, true)
    const i21 = stix.indicator('2.1', {
      id: id('indicator', 2),
      created,
      modified,
      pattern: "[url:value = 'http://x.example/']",
      validFrom: created,
      labels: [],
    })
    assert.equal(i21.indicator_types, undefined, 'optional in 2.1: omitted when empty')
    assert.equal(i21.pattern_type, 'stix')
    assert.equal(i21.pattern_version, '2.1')
  })

  it('writes created/modified with exactly millisecond precision in UTC', () => {
    const t = stix.tool('2.0', {
      id: id('tool', 3),
      created: new Date(Date.UTC(2026, 0, 1)),
      modified: new Date(Date.UTC(2026, 0, 1, 12)),
      name: 'x',
      labels: ['exploitation'],
    })
    assert.equal(t.created, '2026-01-01T00:00:00.000Z')
    assert.equal(t.modified, '2026-01-01T12:00:00.000Z')
  })

  it('refuses STIX 2.0 objects without labels, naming the fix', () => {
    assert.throws(
      () =>
        stix.threatActor('2.0', {
          id: id('threat-actor', 3),
          created,
          modified,
          name: 'x',
          labels: [],
        }),
      (e: unknown) => e instanceof StixError && /default threat-actor labels/.test(e.message),
    )
  })

  it('refuses reports without refs, modified before created, foreign ids and bad relationships', () => {
    const base = { created, modified, name: 'r', labels: ['threat-report'], published: created }
    assert.throws(
      () => stix.report('2.1', { ...base, id: id('report', 4), objectRefs: [] }),
      StixError,
    )
    assert.throws(
      () =>
        stix.tool('2.1', {
          id: id('tool', 4),
          created: modified,
          modified: created,
          name: 't',
          labels: [],
        }),
      /modified is earlier/,
    )
    assert.throws(() => stix.tool('2.1', { ...base, id: id('malware', 4) }), /not a tool id/)
    const rel = { id: id('relationship', 4), created, modified, sourceRef: id('indicator', 1) }
    assert.throws(
      () =>
        stix.relationship('2.1', {
          ...rel,
          relationshipType: 'Bad Type',
          targetRef: id('malware', 1),
        }),
      StixError,
    )
    assert.throws(
      () =>
        stix.relationship('2.1', {
          ...rel,
          relationshipType: 'related-to',
          targetRef: id('relationship', 1),
        }),
      StixError,
    )
  })
})

describe('the OASIS schemas catch what the builders guard against', { skip: schemaSkip }, () => {
  const objects20 = (): StixObject[] => everyType('2.0')
  const indicator20 = (): StixObject => {
    const found = objects20().find((o) => o.type === 'indicator')
    assert.ok(found)
    return found
  }

  it('2.0 indicator without labels fails', () => {
    const { labels: _labels, ...rest } = indicator20()
    assert.notDeepEqual(stixSchemas('2.0').errors('sdos/indicator.json', rest), [])
  })

  it('2.1 indicator without pattern_type fails', () => {
    const found = everyType('2.1').find((o) => o.type === 'indicator')
    assert.ok(found)
    const { pattern_type: _p, ...rest } = found
    assert.notDeepEqual(stixSchemas('2.1').errors('sdos/indicator.json', rest), [])
  })

  it('seconds-only timestamps fail in both versions', () => {
    assert.notDeepEqual(
      stixSchemas('2.0').errors('sdos/indicator.json', {
        ...indicator20(),
        created: '2026-01-02T03:04:05Z',
      }),
      [],
    )
    const found = everyType('2.1').find((o) => o.type === 'tool')
    assert.ok(found)
    assert.notDeepEqual(
      stixSchemas('2.1').errors('sdos/tool.json', { ...found, modified: '2026-01-02T03:04:05Z' }),
      [],
    )
  })

  it('a v1 UUID fails in 2.0', () => {
    const v1 = 'indicator--6ba7b810-9dad-11d1-80b4-00c04fd430c8'
    assert.notDeepEqual(
      stixSchemas('2.0').errors('sdos/indicator.json', { ...indicator20(), id: v1 }),
      [],
    )
  })

  it('a 2.0 TLP marking with a name, and a 2.1 TLP 1.0 marking without one, fail', () => {
    const [tlp20] = tlpMarking('2.0', 'GREEN').objects
    assert.ok(tlp20)
    assert.notDeepEqual(
      stixSchemas('2.0').errors('common/marking-definition.json', { ...tlp20, name: 'TLP:GREEN' }),
      [],
    )
    const tlp21 = { ...tlp20, spec_version: '2.1' }
    assert.notDeepEqual(stixSchemas('2.1').errors('common/marking-definition.json', tlp21), [])
  })
})
