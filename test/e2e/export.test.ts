import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { schemaPathFor, schemaSkip, stixSchemas } from '../helpers/stix-schemas.js'
import { tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { assertLinked, type ImportedAlert } from '../helpers/import-links.js'
import {
  aedObjects,
  enforcedDomain,
  LENIENT_THREATQ_ARGS,
  simState,
  startWorld,
  type World,
} from '../../sim/world/world.js'
import type { StixObject } from '../../src/stix/types.js'

const sentLine = (stdout: string): string =>
  /export[^\n]*\n[^\n]*\n\s*sent:\s*([^\n]*)/.exec(stdout)?.[1] ?? ''

describe('export: ThreatQ data collection → STIX 2.0 over TAXII → AED', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 300 })
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  it('pushes the enforceable indicators with related objects; AED enforces them', async () => {
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /skipped:.*not enforceable by AED \d+/)
    const state = await simState(world.aed)
    assert.ok((state.objects.stixEnforcementEntries ?? 0) > 200, JSON.stringify(state.objects))
    const objects = await aedObjects(world, '2.0')
    const types = new Set(objects.map((o) => o.type))
    for (const t of ['identity', 'indicator', 'relationship', 'marking-definition'])
      assert.ok(types.has(t), t)
    assert.ok(
      objects.some((o) => ['threat-actor', 'malware', 'tool', 'attack-pattern'].includes(o.type)),
    )
  })

  it('sends STIX that the OASIS 2.0 schemas accept', { skip: schemaSkip }, async () => {
    const schemas = stixSchemas('2.0')
    for (const o of await aedObjects(world, '2.0'))
      assert.deepEqual(schemas.errors(schemaPathFor(o.type), o), [], o.id)
  })

  it('sends nothing new on a second run', async () => {
    const before = await simState(world.aed)
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(sentLine(result.stdout), 'none')
    const afterRun = await simState(world.aed)
    assert.equal(afterRun.objects.taxiiObjects, before.objects.taxiiObjects)
  })

  it('re-sends a changed indicator as a newer version of the same object', async () => {
    const api = await threatqApi(world.threatq)
    const page = await api<{ data: { id: number; value: string }[] }>(
      'GET',
      '/api/indicators?type_name=FQDN&limit=1&value=%25.%25',
    )
    const target = page.data[0]
    assert.ok(target)
    const before = (await aedObjects(world, '2.0')).filter(
      (o) => o.type === 'indicator' && o.name === target.value,
    )
    assert.equal(before.length, 1)
    await new Promise((r) => setTimeout(r, 1100)) // ThreatQ times have one-second precision
    await api('PUT', `/api/indicators/${String(target.id)}`, {
      description: 'updated by the analyst',
    })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(sentLine(result.stdout), /indicator 1\b/)
    const versions = (await aedObjects(world, '2.0')).filter((o) => o.id === before[0]?.id)
    assert.equal(versions.length, 2, 'two versions of one id, not two objects')
    const modified = versions.map((v) => String(v.modified)).sort()
    assert.ok((modified[1] ?? '') > (modified[0] ?? ''))
  })

  it('--dry-run --output writes schema-valid bundles and sends nothing', async () => {
    const dir = await tempDir('tq-aed-dry-')
    const file = join(dir, 'out.json')
    const before = await simState(world.aed)
    const result = await world.run(['-e', '--full', '--dry-run', '--output', file])
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(await readFile(file, 'utf8')) as {
      export: { bundles: { objects?: StixObject[] }[] }
    }
    assert.ok(output.export.bundles.length >= 1)
    if (schemaSkip === false)
      for (const b of output.export.bundles)
        assert.deepEqual(stixSchemas('2.0').errors('common/bundle.json', b), [])
    const objects = output.export.bundles.flatMap((b) => b.objects ?? [])
    assert.ok(objects.filter((o) => o.type === 'indicator').length > 200)
    assert.equal((await simState(world.aed)).objects.taxiiObjects, before.objects.taxiiObjects)
  })
})

describe('export: relationship depth and STIX 2.1 with TLP 2.0 markings', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 200, aedArgs: ['--taxii', 'both'] })
  })
  after(async () => {
    await world.stop()
  })

  async function dryRun(name: string, options: Record<string, string>): Promise<StixObject[]> {
    await world.configure(options, name)
    const file = join(await tempDir('tq-aed-depth-'), 'out.json')
    const result = await world.run(['-n', name, '-e', '--dry-run', '--output', file])
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(await readFile(file, 'utf8')) as {
      export: { bundles: { objects?: StixObject[] }[] }
    }
    return output.export.bundles.flatMap((b) => b.objects ?? [])
  }

  it('depth 0 sends indicators only; deeper depths add related objects and relationships', async () => {
    const count = (objects: StixObject[], type: string): number =>
      objects.filter((o) => o.type === type).length
    const d0 = await dryRun('depth0', { relationship_depth: '0' })
    const d1 = await dryRun('depth1', { relationship_depth: '1' })
    const d3 = await dryRun('depth3', { relationship_depth: '3' })
    assert.equal(count(d0, 'relationship') + count(d0, 'malware') + count(d0, 'threat-actor'), 0)
    assert.ok(count(d1, 'relationship') > 0)
    assert.ok(count(d3, 'relationship') >= count(d1, 'relationship'))
    assert.equal(count(d0, 'indicator'), count(d1, 'indicator'))
  })

  it('exports STIX 2.1 over TAXII 2.1 with TLP 2.0 markings, valid against the 2.1 schemas', async () => {
    const objects = await dryRun('v21', { stix_version: '2.1', relationship_depth: '2' })
    for (const o of objects) assert.equal(o.spec_version, '2.1', o.id)
    const markings = objects.filter((o) => o.type === 'marking-definition')
    assert.ok(markings.length > 0)
    for (const m of markings) assert.ok(m.extensions !== undefined, 'TLP 2.0 extension markings')
    if (schemaSkip === false)
      for (const o of objects)
        assert.deepEqual(stixSchemas('2.1').errors(schemaPathFor(o.type), o), [], o.id)
    const result = await world.run(['-n', 'v21', '-e'])
    assert.equal(result.code, 0, result.stderr)
  })
})

describe('export: what AED refuses, and TLP in STIX 2.0', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 150 })
    await world.configure({ relationship_depth: '2' })
  })
  after(async () => {
    await world.stop()
  })

  it('maps CLEAR to TLP:WHITE and AMBER+STRICT to TLP:AMBER plus a statement', async () => {
    const file = join(await tempDir('tq-aed-tlp-'), 'out.json')
    const result = await world.run(['-e', '--dry-run', '--output', file])
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(await readFile(file, 'utf8')) as {
      export: { bundles: { objects?: StixObject[] }[] }
    }
    const markings = output.export.bundles
      .flatMap((b) => b.objects ?? [])
      .filter((o) => o.type === 'marking-definition')
    const definitions = markings.map((m) => JSON.stringify(m.definition))
    assert.ok(definitions.includes('{"tlp":"white"}'), 'CLEAR/WHITE sources')
    assert.ok(
      definitions.includes('{"statement":"TLP:AMBER+STRICT"}'),
      'AMBER+STRICT keeps its restriction',
    )
    for (const m of markings) assert.equal(m.name, undefined, 'no name on 2.0 TLP markings')
  })

  it('counts objects AED rejects, logs them, and exits 3', async () => {
    await world.aed.admin('POST', '/_sim/taxii', {
      reject: [{ type: 'tool', message: 'tools are not accepted here' }],
    })
    const logs = await tempDir('tq-aed-rej-')
    const result = await world.run(['-e', '-ll', logs])
    assert.equal(result.code, 3, result.stderr)
    assert.match(result.stdout, /rejected:\s+tools are not accepted here [1-9]/)
    assert.match(
      await readFile(join(logs, 'netscout-aed.log'), 'utf8'),
      /tools are not accepted here/,
    )
  })

  it('offers the rejected objects again on the next plain run (the checkpoint did not move past them)', async () => {
    await world.aed.admin('POST', '/_sim/taxii', { reject: [] })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    assert.ok(
      (await aedObjects(world, '2.0')).some((o) => o.type === 'tool'),
      'the tools reached AED',
    )
  })
})

/** What an export says, independent of the ThreatQ host in its ids: each object by type and name, each relationship by its ends. */
function signature(objects: readonly StixObject[]): string[] {
  const label = new Map<string, string>()
  for (const o of objects) {
    const named = o as StixObject & { name?: string; pattern?: string }
    label.set(o.id, `${o.type}:${named.pattern ?? named.name ?? ''}`)
  }
  return objects
    .filter((o) => o.type !== 'identity' && o.type !== 'marking-definition')
    .map((o) => {
      if (o.type !== 'relationship') return label.get(o.id) ?? o.id
      const r = o as StixObject & {
        source_ref: string
        target_ref: string
        relationship_type: string
      }
      return `${label.get(r.source_ref) ?? '?'} ${r.relationship_type} ${label.get(r.target_ref) ?? '?'}`
    })
    .sort()
}

describe('export and import against the strict ThreatQ (default) and the lenient one', () => {
  let strict: World
  let lenient: World
  before(async () => {
    ;[strict, lenient] = await Promise.all([
      startWorld({ seed: 300 }),
      startWorld({ seed: 300, threatqArgs: LENIENT_THREATQ_ARGS }),
    ])
    await Promise.all([
      strict.configure({ relationship_depth: '2' }),
      lenient.configure({ relationship_depth: '2' }),
    ])
  })
  after(async () => {
    await Promise.all([strict.stop(), lenient.stop()])
  })

  const dryRun = async (world: World): Promise<StixObject[]> => {
    const file = join(await tempDir('tq-aed-strict-'), 'out.json')
    const result = await world.run(['-e', '--dry-run', '--output', file])
    assert.equal(result.code, 0, result.stderr)
    const output = JSON.parse(await readFile(file, 'utf8')) as {
      export: { bundles: { objects?: StixObject[] }[] }
    }
    return output.export.bundles.flatMap((b) => b.objects ?? [])
  }

  it('exports the same objects and relationships, attack patterns included, whether with=attack_pattern fails or not', async () => {
    const [hard, soft] = await Promise.all([dryRun(strict), dryRun(lenient)])
    const patterns = hard.filter((o) => o.type === 'attack-pattern')
    assert.ok(patterns.length > 0, 'the seed links attack patterns to members')
    const ids = new Set(patterns.map((p) => p.id))
    assert.ok(
      hard.some((o) => {
        const r = o as StixObject & { source_ref?: string; target_ref?: string }
        return (
          o.type === 'relationship' && (ids.has(r.target_ref ?? '') || ids.has(r.source_ref ?? ''))
        )
      }),
      'relationships to attack patterns',
    )
    assert.deepEqual(signature(hard), signature(soft))
  })

  it('the lenient ThreatQ runs the whole loop: export, then the import links events to indicators', async () => {
    const exported = await lenient.run(['-e'])
    assert.equal(exported.code, 0, exported.stderr)
    const domain = await enforcedDomain(lenient)
    const { alerts } = await lenient.aed.admin<{ alerts: ImportedAlert[] }>(
      'POST',
      '/_sim/traffic',
      {
        flows: [
          {
            src: '10.1.1.1',
            dst: '10.9.9.9',
            srcPort: 1234,
            dstPort: 80,
            proto: 'tcp',
            host: domain,
            direction: 'outbound',
          },
        ],
      },
    )
    assert.ok(alerts.length >= 1)
    const imported = await lenient.run(['-i'])
    assert.equal(imported.code, 0, imported.stderr)
    const api = await threatqApi(lenient.threatq)
    const events = (
      await api<{ data: { id: number; title: string }[] }>('GET', '/api/events?limit=100')
    ).data
    assert.equal(events.length, alerts.length)
    await assertLinked(lenient, alerts, events)
  })
})
