import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  parseWith,
  present,
  presentConsumed,
  presentStub,
  presentVocabStub,
  valueHash,
} from './present.js'
import { consumedPlan, JsonBuffer, jsonString, ResultWriter } from './serialize.js'
import { createThreatqSim, type ThreatqSim } from './app.js'
import type { TqObject } from './store.js'
import { collectionDef } from './vocab.js'
import { SimClient } from './test-support.js'

/** Seeded objects plus one of everything rare: quotes, controls, surrogates, tags, comments. */
async function variedSim(): Promise<ThreatqSim> {
  // The lenient variants: with=attack_pattern served, identity refs honoured in event items.
  const sim = createThreatqSim({
    seedIndicators: 300,
    clock: () => Date.UTC(2026, 0, 1),
    withUnderscoreBug: false,
    valueRefs: true,
  })
  const c = new SimClient(sim)
  await c.post('/api/event/types', { name: 'Alert' })
  const res = await c.post('/api/events/consume', [
    {
      title: 'Ev "quoted" \u2028 \ud800 é',
      type: 'Alert',
      description: 'a\nb\\c',
      tags: ['t1', { name: 'T2' }],
      comments: [{ value: 'c1' }],
      attributes: [{ name: 'Sev', value: 'Hi\tgh', sources: [{ name: 'X', tlp: 'RED' }] }],
      indicators: [
        { value: 'x"y.example', type: 'FQDN' },
        { value: '1.2.3.4', type: 'IP Address' },
      ],
      adversaries: [{ name: 'APT é' }],
      events: [{ title: 'other', type: 'Alert' }],
    },
  ])
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal((await c.put('/api/indicator/1/scores', { manual_score: 7 })).status, 200)
  return sim
}

const WITH_SHAPES = [
  '',
  'type,status,score,tlp,tags,comments',
  'sources.tlp,adversaries,malware,tool,report,attack_pattern',
  'attributes.attribute,attributes.sources,sources',
  'indicators.type,indicators.status,events,adversaries.indicators.score',
]

describe('serialized results', () => {
  it('write every object exactly as JSON.stringify of its presented form', async () => {
    const sim = await variedSim()
    let checked = 0
    for (const [collection, table] of sim.store.tables) {
      for (const obj of table.all()) {
        for (const shape of WITH_SHAPES) {
          const tree = parseWith(shape)
          const text = new ResultWriter(sim.store).presentPlan(collection, tree)(obj)
          assert.equal(
            text,
            JSON.stringify(present(sim.store, obj, tree)),
            `${collection} ${shape}`,
          )
          checked++
        }
      }
    }
    assert.ok(checked > 1500)
  })

  it('write consume answer items exactly as JSON.stringify of presentConsumed', async () => {
    const sim = await variedSim()
    let checked = 0
    for (const [collection, table] of sim.store.tables) {
      const def = collectionDef(collection)
      assert.ok(def !== undefined)
      const write = consumedPlan(def)
      for (const obj of table.all()) {
        assert.equal(write(obj), JSON.stringify(presentConsumed(obj)), collection)
        checked++
      }
    }
    assert.ok(checked > 300)
  })

  it('project Threat Library results: type and status always, attributes and sources when listed, with= in place', async () => {
    const sim = await variedSim()
    const store = sim.store
    const cases: [string[] | undefined, string, string][] = [
      [undefined, '', 'type,status'],
      [['*'], 'score', 'score,type,status'],
      [
        ['*', 'attributes', 'sources'],
        'sources.tlp,adversaries,malware,tool,report,attack_pattern',
        'type,status,attributes,sources.tlp,adversaries,malware,tool,report,attack_pattern',
      ],
    ]
    for (const [fields, withSpec, equivalent] of cases) {
      for (const obj of store.table('indicators').all()) {
        const text = new ResultWriter(store).projectionPlan(
          'indicators',
          fields,
          parseWith(withSpec),
        )(obj)
        assert.equal(text, JSON.stringify(present(store, obj, parseWith(equivalent))))
      }
    }
  })

  it('project explicit field lists without * to those fields, type and status as names', async () => {
    const sim = await variedSim()
    const store = sim.store
    const event = store.findByIdentity('events', 'Ev "quoted" \u2028 \ud800 é', 15)
    assert.ok(event !== undefined)
    const text = new ResultWriter(store).projectionPlan(
      'events',
      ['title', 'type', 'status', 'tags', 'nothing'],
      parseWith('adversaries'),
    )(event)
    const parsed = JSON.parse(text) as Record<string, unknown>
    assert.deepEqual(Object.keys(parsed), ['id', 'title', 'type', 'status', 'tags', 'adversaries'])
    assert.equal(parsed.type, 'Alert')
    assert.equal(parsed.status, null, 'events have no status')
    assert.deepEqual(parsed.tags, ['t1', 'T2'])
    assert.equal((parsed.adversaries as { name: string }[])[0]?.name, 'APT é')
  })

  it('write the light scan (explicit fields, with= relations) as fields, type, status and presentStub', async () => {
    const sim = await variedSim()
    const store = sim.store
    const rels = ['adversaries', 'malware', 'tool', 'report', 'attack_pattern', 'events']
    const fields = ['id', 'value', 'created_at', 'updated_at', 'expires_at']
    const plan = new ResultWriter(store).projectionPlan(
      'indicators',
      fields,
      parseWith(`type,status,${rels.join(',')}`),
    )
    let linked = 0
    for (const obj of store.table('indicators').all()) {
      const base = present(store, obj, new Map())
      const want: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f, base[f]]))
      want.type = presentVocabStub(store, obj, 'type')
      want.status = presentVocabStub(store, obj, 'status')
      for (const rel of rels) {
        const related = store.related(obj, rel)
        linked += related.length
        want[rel] = related.map(({ object, pivot }) => presentStub(object, pivot))
      }
      assert.equal(plan(obj), JSON.stringify(want))
    }
    assert.ok(linked > 10)
  })

  it('write each date as its own, also dates that share a slot of the date cache', () => {
    let now = Date.UTC(2026, 0, 1)
    const sim = createThreatqSim({ seedIndicators: 3, clock: () => now })
    const store = sim.store
    const plan = (): ((o: TqObject) => string) =>
      new ResultWriter(store).presentPlan('indicators', new Map())
    const obj = store.get('indicators', 1)
    assert.ok(obj !== undefined)
    // 4096 s apart: the same slot of a direct-mapped cache of 4096.
    for (const later of [0, 4096, 2 * 4096, 0]) {
      now = Date.UTC(2026, 0, 1) + later * 1000
      store.touch(obj)
      assert.equal(plan()(obj), JSON.stringify(present(store, obj, new Map())))
    }
  })

  it('write a renamed object with its new value and hash on the next page', async () => {
    const c = new SimClient(createThreatqSim({ seedIndicators: 5 }))
    type Row = { id: number; value: string; hash: string }
    const first = async (): Promise<Row | undefined> =>
      ((await c.post('/api/indicators/query?limit=5', {})).body as { data: Row[] }).data.find(
        (o) => o.id === 1,
      )
    const before = await first()
    assert.equal((await c.put('/api/indicators/1', { value: 'renamed "q".example' })).status, 200)
    const after = await first()
    assert.equal(after?.value, 'renamed "q".example')
    assert.equal(after.hash, valueHash('renamed "q".example'))
    assert.notEqual(after.hash, before?.hash)
  })

  it('escape strings as JSON.stringify does', () => {
    for (const s of [
      'plain',
      'q"uote',
      'back\\slash',
      'ctl\u0001\n',
      'ls\u2028',
      'lone\ud800',
      '😀',
      '',
    ]) {
      assert.equal(jsonString(s), JSON.stringify(s))
    }
  })

  it('buffer the text as UTF-8, growing past its size hint', () => {
    const body = new JsonBuffer(1)
    const parts = ['{"a":', jsonString('é'.repeat(700)), ',"b":', jsonString('x'.repeat(5000)), '}']
    for (const p of parts) body.append(p)
    assert.equal(body.bytes().toString('utf8'), parts.join(''))
    assert.equal(body.length, Buffer.byteLength(parts.join('')))
  })
})
