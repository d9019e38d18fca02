import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StixObject } from '../../src/stix/types.js'
import { tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { enforcedDomain, recordName, startWorld, type World } from '../../sim/world/world.js'

interface Output {
  export?: { bundles: { objects?: StixObject[] }[] }
  import?: { indicators: { value: string }[]; events: { title: string }[] }
}

describe('export and import details', () => {
  let world: World
  let dryRun: (args: string[]) => Promise<{ stdout: string; output: Output }>
  before(async () => {
    world = await startWorld({ seed: 250 })
    await world.configure()
    dryRun = async (args) => {
      const file = join(await tempDir('tq-aed-detail-'), 'out.json')
      const result = await world.run([...args, '--dry-run', '--output', file])
      assert.equal(result.code, 0, result.stderr)
      return { stdout: result.stdout, output: JSON.parse(await readFile(file, 'utf8')) as Output }
    }
  })
  after(async () => {
    await world.stop()
  })

  it('labels come from the Label attribute when present, else the default labels', async () => {
    const api = await threatqApi(world.threatq)
    const page = await api<{
      data: { id: number; attributes: { name: string; value: string }[] }[]
    }>('GET', '/api/indicators?limit=500&with=attributes')
    const { output } = await dryRun(['-e'])
    const indicators = (output.export?.bundles ?? [])
      .flatMap((b) => b.objects ?? [])
      .filter((o) => o.type === 'indicator')
    const byTqId = new Map(
      indicators.map((o) => [
        (o.external_references as { external_id: string }[])[0]?.external_id,
        o,
      ]),
    )
    let withLabel = 0
    let withDefault = 0
    for (const tq of page.data) {
      const stix = byTqId.get(String(tq.id))
      if (stix === undefined) continue
      const label = tq.attributes.find((a) => a.name === 'Label')
      if (label !== undefined) {
        assert.deepEqual(stix.labels, [label.value])
        withLabel++
      } else {
        assert.deepEqual(stix.labels, ['malicious-activity'])
        withDefault++
      }
    }
    assert.ok(
      withLabel > 0 && withDefault > 0,
      `${String(withLabel)} labelled, ${String(withDefault)} default`,
    )
  })

  it('skips invalid values with the reason, and never puts them in a pattern', async () => {
    const { stdout, output } = await dryRun(['-e', '--full'])
    assert.match(stdout, /skipped:.*invalid value [1-9]/)
    const patterns = (output.export?.bundles ?? [])
      .flatMap((b) => b.objects ?? [])
      .map((o) => (typeof o.pattern === 'string' ? o.pattern : ''))
    assert.ok(!patterns.some((p) => p.includes("'010.") || p.includes('/33')))
  })

  it('--dry-run --output records the ThreatQ payloads an import would write', async () => {
    assert.equal((await world.run(['-e'])).code, 0)
    await world.aed.admin('POST', '/_sim/traffic', {
      flows: [
        {
          src: '10.2.2.2',
          dst: '10.3.3.3',
          host: await enforcedDomain(world),
          direction: 'outbound',
        },
      ],
    })
    const api = await threatqApi(world.threatq)
    const before = (await api<{ total: number }>('GET', '/api/events?limit=1')).total
    const { output } = await dryRun(['-i'])
    const payloads = output.import
    assert.ok(payloads)
    assert.equal(payloads.events.length, 1)
    assert.ok(payloads.indicators.length >= 1)
    assert.equal(
      (await api<{ total: number }>('GET', '/api/events?limit=1')).total,
      before,
      'nothing written',
    )
  })

  it('logs in again when ThreatQ has expired every token', async () => {
    await world.threatq.admin('POST', '/_sim/tokens', { expire: true })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
  })

  it('names the data collections that exist when the configured one does not (exit 2)', async () => {
    await world.threatq.admin('POST', '/_sim/connector', {
      name: recordName(),
      active: true,
      options: { data_collection: 'No Such Search' },
    })
    const result = await world.run(['-e'])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /no data collection named "No Such Search".*"AED Export"/)
  })

  it('talks to the AED REST API v2 when forced', async () => {
    await world.threatq.admin('POST', '/_sim/connector', {
      name: recordName(),
      active: true,
      options: { data_collection: 'AED Export', aed_api_version: 'v2' },
    })
    const result = await world.run(['-i'])
    assert.equal(result.code, 0, result.stderr)
    const state = await world.aed.admin<{ requests: Record<string, number> }>('GET', '/_sim/state')
    assert.ok((state.requests['GET /api/aed/v2/alerts/'] ?? 0) >= 1, JSON.stringify(state.requests))
  })
})
