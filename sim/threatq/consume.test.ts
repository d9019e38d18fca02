import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

function client(): SimClient {
  // Identity refs in event and malware items: the lenient variant (TQS-26).
  return new SimClient(createThreatqSim({ clock: () => Date.UTC(2026, 0, 3), valueRefs: true }))
}

describe('POST /api/{type}/consume', () => {
  it('stamps every row of one request with one time, like one transaction', async () => {
    let ms = Date.UTC(2026, 0, 3)
    // A clock that moves a second on every read.
    const c = new SimClient(createThreatqSim({ clock: () => (ms += 1000) }))
    await c.login()
    const res = await c.post(
      '/api/indicators/consume',
      Array.from({ length: 20 }, (_, i) => ({
        value: `h${String(i)}.example`,
        type: 'FQDN',
        attributes: [{ name: 'Label', value: 'x' }],
        adversaries: [{ name: `APT ${String(i)}` }],
      })),
    )
    const data = at(res.body, 'data') as { created_at: string; updated_at: string }[]
    assert.equal(new Set(data.flatMap((d) => [d.created_at, d.updated_at])).size, 1)
    const adversary = await c.get('/api/adversaries/20')
    assert.equal(at(adversary.body, 'data', 'created_at'), data[0]?.created_at)
    const next = await c.post('/api/indicators/consume', [{ value: 'later.example', type: 'FQDN' }])
    assert.notEqual(at(next.body, 'data', 0, 'created_at'), data[0]?.created_at)
  })

  it('upserts indicators keyed by (value, type): a re-consume updates status instead of duplicating', async () => {
    const c = client()
    const first = await c.post('/api/indicators/consume', [
      {
        value: '1.2.3.4',
        type: { name: 'IP Address' },
        status: { name: 'Review' },
        class: 'network',
        normalize: 'Y',
      },
      { value: 'evil.example', type_id: 11, status_id: 1 },
    ])
    assert.equal(first.status, 200)
    assert.deepEqual(
      (at(first.body, 'data') as { id: number; value: string }[]).map((d) => [d.id, d.value]),
      [
        [1, '1.2.3.4'],
        [2, 'evil.example'],
      ],
    )
    const again = await c.post('/api/indicators/consume', [
      { value: '1.2.3.4', type: 'IP Address', status: 'Active' },
    ])
    assert.equal(at(again.body, 'data', 0, 'id'), 1)
    assert.equal(at(again.body, 'data', 0, 'status_id'), 1)
    // The same value under another type is another indicator.
    const other = await c.post('/api/indicators/consume', [{ value: '1.2.3.4', type: 'String' }])
    assert.equal(at(other.body, 'data', 0, 'id'), 3)
    assert.equal(at((await c.get('/api/indicators')).body, 'total'), 3)
    // The older SDK path upserts the same way.
    const legacy = await c.post('/api/indicators/consume/new', [
      {
        value: '1.2.3.4',
        type: 'IP Address',
        status: 'Expired',
        normalize: 'Y',
        sources: [{ name: 'Old Feed', tlp: 'amber' }],
      },
    ])
    assert.equal(at(legacy.body, 'data', 0, 'id'), 1)
    assert.equal(at(legacy.body, 'data', 0, 'status_id'), 2)
  })

  it('upserts events by title, merging attributes, sources and comments without duplicates', async () => {
    const c = client()
    assert.equal((await c.post('/api/event/types', { name: 'Alert' })).status, 201)
    const event = {
      title: 'AED alert 42',
      type: { name: 'Alert' },
      happened_at: '2026-01-02 10:00:00',
      description: [{ value: 'blocked host' }],
      sources: [{ name: 'netscout-aed', tlp_id: 3 }],
      attributes: [
        { name: 'Severity', value: 'High' },
        { name: 'Alert ID', value: '42' },
      ],
      comments: [{ value: 'first seen' }],
      indicators: [
        {
          value: '203.0.113.9',
          type: 'IP Address',
          status: 'Review',
          sources: [{ name: 'netscout-aed' }],
        },
        { value: 'bad.example', type: { name: 'FQDN' } },
      ],
    }
    const one = await c.post('/api/events/consume', [event])
    const id = at(one.body, 'data', 0, 'id') as number
    assert.equal(at(one.body, 'data', 0, 'title'), 'AED alert 42')
    await c.post('/api/events/consume', [
      {
        ...event,
        attributes: [...event.attributes, { name: 'Severity Number', value: '8' }],
        happened_at: '2026-01-02 11:00:00',
      },
    ])
    const got = await c.get(
      `/api/events/${String(id)}?with=attributes,sources,comments,type,indicators`,
    )
    const data = at(got.body, 'data') as Record<string, unknown>
    assert.equal(at(data, 'type', 'name'), 'Alert')
    assert.equal(at(data, 'description'), 'blocked host')
    assert.equal(at(data, 'happened_at'), '2026-01-02 11:00:00')
    assert.equal((data.attributes as unknown[]).length, 3)
    assert.equal((data.sources as unknown[]).length, 1)
    assert.equal(at(data, 'sources', 0, 'tlp_id'), 3)
    assert.equal((data.comments as unknown[]).length, 1)
    assert.deepEqual((data.indicators as { value: string }[]).map((i) => i.value).sort(), [
      '203.0.113.9',
      'bad.example',
    ])
    assert.equal(at((await c.get('/api/events')).body, 'total'), 1)
    assert.equal(
      at((await c.get('/api/indicators')).body, 'total'),
      2,
      'related indicators are upserted too',
    )
  })

  it('links relationship keys given as {id}, and answers 400 for unknown ids or types', async () => {
    const c = client()
    const adv = at(
      (await c.post('/api/adversaries', { name: 'APT Z' })).body,
      'data',
      'id',
    ) as number
    const res = await c.post('/api/indicators/consume', [
      { value: 'z.example', type: 'FQDN', adversaries: [{ id: adv }] },
    ])
    const id = at(res.body, 'data', 0, 'id') as number
    assert.equal(
      at((await c.get(`/api/indicators/${String(id)}/adversaries`)).body, 'data', 0, 'name'),
      'APT Z',
    )
    const badId = await c.post('/api/indicators/consume', [
      { value: 'y.example', type: 'FQDN', adversaries: [{ id: 404 }] },
    ])
    assert.equal(badId.status, 400)
    const badType = await c.post('/api/events/consume', [{ title: 'x', type: 'Nope' }])
    assert.equal(badType.status, 400)
    assert.ok(Array.isArray(at(badType.body, 'data', 'errors', 'type_id')))
  })

  it('updates an existing object named by id, and takes adversary names and STIX-object values', async () => {
    const c = client()
    const adv = await c.post('/api/adversaries/consume', [
      { name: 'APT Q', description: [{ value: 'v1' }] },
    ])
    const id = at(adv.body, 'data', 0, 'id') as number
    await c.post('/api/adversaries/consume', [{ id, description: [{ value: 'v2' }] }])
    assert.equal(
      at((await c.get(`/api/adversaries/${String(id)}`)).body, 'data', 'description'),
      'v2',
    )
    const mal = await c.post('/api/malware/consume', [
      { value: 'Emotet', adversaries: [{ name: 'APT Q' }] },
    ])
    assert.equal(at(mal.body, 'data', 0, 'value'), 'Emotet')
    assert.equal(at((await c.get(`/api/adversaries/${String(id)}/malware`)).body, 'total'), 1)
    assert.equal((await c.post('/api/adversaries/consume', [{ id: 99 }])).status, 400)
  })

  it('rejects an item without leaving half of it behind, and refuses renames onto taken names', async () => {
    const c = client()
    const bad = await c.post('/api/indicators/consume', [
      { value: 'half.example', type: 'FQDN', tlp: 'PURPLE' },
    ])
    assert.equal(bad.status, 400)
    assert.equal(at((await c.get('/api/indicators')).body, 'total'), 0)
    await c.post('/api/adversaries', { name: 'A' })
    await c.post('/api/adversaries', { name: 'B' })
    const rename = await c.put('/api/adversaries/2', { name: 'A' })
    assert.equal(rename.status, 400)
    assert.equal(at((await c.get('/api/adversaries?name=A')).body, 'data', 0, 'id'), 1)
  })

  it('answers each item with its id, identity, type and status ids and row times, in item order', async () => {
    const c = client()
    assert.equal((await c.post('/api/event/types', { name: 'Alert' })).status, 201)
    const indicators = await c.post('/api/indicators/consume', [
      { value: 'b.example', type: { name: 'FQDN' }, status: { name: 'Active' } },
      { value: 'a.example', type: 'FQDN' },
    ])
    assert.deepEqual(at(indicators.body, 'data'), [
      {
        id: 1,
        value: 'b.example',
        type_id: 11,
        status_id: 1,
        created_at: '2026-01-03 00:00:00',
        updated_at: '2026-01-03 00:00:00',
      },
      {
        id: 2,
        value: 'a.example',
        type_id: 11,
        status_id: 4,
        created_at: '2026-01-03 00:00:00',
        updated_at: '2026-01-03 00:00:00',
      },
    ])
    const events = await c.post('/api/events/consume', [
      {
        title: 'AED alert 1',
        type: { name: 'Alert' },
        indicators: [{ value: 'a.example', type: 'FQDN' }],
      },
    ])
    assert.deepEqual(Object.keys(at(events.body, 'data', 0) as object), [
      'id',
      'title',
      'type_id',
      'created_at',
      'updated_at',
    ])
    const adversaries = await c.post('/api/adversaries/consume', [{ name: 'APT 1' }])
    assert.deepEqual(at(adversaries.body, 'data'), [
      {
        id: 1,
        name: 'APT 1',
        created_at: '2026-01-03 00:00:00',
        updated_at: '2026-01-03 00:00:00',
      },
    ])
  })

  it('takes a source in any spelling of its name as the same source, and rejects non-object items', async () => {
    const c = client()
    await c.post('/api/indicators/consume', [
      { value: 'a.example', type: 'FQDN', sources: [{ name: 'NETSCOUT AED' }] },
      { value: 'b.example', type: 'FQDN', sources: [{ name: 'netscout aed' }] },
    ])
    const names = async (id: number): Promise<unknown[]> =>
      (
        at((await c.get(`/api/indicators/${String(id)}?with=sources`)).body, 'data', 'sources') as {
          source_id: number
        }[]
      ).map((s) => s.source_id)
    assert.deepEqual(await names(2), await names(1))
    const bad = await c.post('/api/indicators/consume', [{ value: 'c.example', type: 'FQDN' }, 7])
    assert.equal(bad.status, 400)
    assert.ok(Array.isArray(at(bad.body, 'data', 'errors', 'data.1')))
    assert.equal(at((await c.get('/api/indicators')).body, 'total'), 2, 'nothing of it written')
  })
})
