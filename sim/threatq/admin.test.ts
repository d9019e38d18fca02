import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

describe('/_sim/ admin surface', () => {
  it('faults: injected status and Retry-After by method and path, for `times` requests', async () => {
    const c = new SimClient(createThreatqSim())
    await c.login()
    const add = await c.raw('POST', '/_sim/faults', {
      match: { method: 'POST', path: '^/api/events/consume$' },
      fault: { status: 503, retryAfter: '2' },
      times: 1,
    })
    assert.equal(add.status, 201)
    const faulted = await c.post('/api/events/consume', [])
    assert.equal(faulted.status, 503)
    assert.equal(faulted.headers.get('retry-after'), '2')
    assert.equal((await c.post('/api/events/consume', [])).status, 200)
    await c.raw('POST', '/_sim/faults', { fault: { status: 500 } })
    assert.equal((await c.get('/api/indicators')).status, 500)
    assert.equal((await c.raw('DELETE', '/_sim/faults')).status, 204)
    assert.equal((await c.get('/api/indicators')).status, 200)
    assert.equal((await c.raw('POST', '/_sim/faults', { fault: { status: 42 } })).status, 400)
  })

  it('faults given at start (--faults) apply until used up', async () => {
    const c = new SimClient(
      createThreatqSim({
        faults: [{ match: { path: '/api/token' }, fault: { status: 502 }, times: 1 }],
      }),
    )
    await assert.rejects(c.login(), /502/)
    await c.login()
  })

  it('state: counts of stored objects per kind and requests per route', async () => {
    const c = new SimClient(createThreatqSim({ seedIndicators: 40 }))
    await c.get('/api/indicators/1')
    await c.get('/api/indicators/2')
    await c.post('/api/adversaries', { name: 'New' })
    const state = await c.raw('GET', '/_sim/state')
    assert.equal(at(state.body, 'objects', 'indicators'), 40)
    assert.equal(at(state.body, 'objects', 'savedSearches'), 1)
    assert.equal(at(state.body, 'requests', 'GET /api/:type/:id'), 2)
    assert.equal(at(state.body, 'requests', 'POST /api/token'), 1)
    assert.equal(at(state.body, 'requests', 'POST /api/:type'), 1)
    assert.equal(typeof at(state.body, 'process', 'rssMb'), 'number')
  })

  it('state: counts follow every change, also after being read', async () => {
    const c = new SimClient(createThreatqSim({ seedIndicators: 10 }))
    const count = async (kind: string): Promise<unknown> =>
      at((await c.raw('GET', '/_sim/state')).body, 'objects', kind)
    assert.equal(await count('attributes'), await count('attributes'))
    const before = Number(await count('attributes'))
    await c.post('/api/indicators/1/attributes', { name: 'Label', value: 'counted' })
    assert.equal(await count('attributes'), before + 1)
    await c.post('/api/indicators/consume', [{ value: 'counted.example', type: 'FQDN' }])
    assert.equal(await count('indicators'), 11)
  })

  it('reset: back to the (seeded) start state, faults and request counts cleared, tokens kept', async () => {
    const c = new SimClient(createThreatqSim({ seedIndicators: 10 }))
    await c.post('/api/indicators', { value: 'extra.example', type: 'FQDN' })
    await c.raw('POST', '/_sim/faults', { match: { path: '^/nothing$' }, fault: { status: 500 } })
    const reset = await c.raw('POST', '/_sim/reset')
    assert.equal(at(reset.body, 'objects', 'indicators'), 10)
    const state = await c.raw('GET', '/_sim/state')
    assert.equal(at(state.body, 'faults'), 0)
    assert.deepEqual(at(state.body, 'requests'), {})
    assert.equal((await c.get('/api/indicators?value=extra.example')).status, 200)
    assert.equal(at((await c.get('/api/indicators?value=extra.example')).body, 'total'), 0)
  })

  it('load: bulk fixtures in the consume item shape, with sources, event types, searches, connectors', async () => {
    const c = new SimClient(createThreatqSim())
    const res = await c.raw('POST', '/_sim/load', {
      sources: [{ name: 'Partner Feed', tlp: 'AMBER', source_type: 'connectors' }],
      eventTypes: ['Alert'],
      objects: {
        adversaries: [{ name: 'APT L', attributes: [{ name: 'Label', value: 'nation-state' }] }],
        indicators: [
          {
            value: '198.51.100.7',
            type: 'IP Address',
            status: 'Active',
            sources: [{ name: 'Partner Feed' }],
            adversaries: [{ name: 'APT L' }],
          },
          { value: 'l.example', type: 'FQDN', status: 'Active', malware: [{ value: 'LoadRAT' }] },
        ],
        events: [{ title: 'Alert 1', type: 'Alert', happened_at: '2026-01-01 00:00:00' }],
      },
      searches: [{ name: 'Loaded', json: { api_query: { filters: { status_name: 'Active' } } } }],
      connectors: [{ name: 'NETSCOUT AED', is_active: true, custom_fields: { hostname: 'aed' } }],
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(at(res.body, 'loaded'), { adversaries: 1, indicators: 2, events: 1 })
    assert.equal(at(res.body, 'objects', 'malware'), 1)
    const hash = at(res.body, 'searches', 0, 'hash') as string
    const results = await c.get(`/api/indicators/query/hash/${hash}?cursorMark=*&fields=*,sources`)
    assert.equal(at(results.body, 'total'), 2)
    assert.equal(at(results.body, 'data', 0, 'sources', 0, 'tlp_id'), 2, "the source's default TLP")
    const rel = await c.get('/api/indicators/1/adversaries')
    assert.equal(at(rel.body, 'data', 0, 'name'), 'APT L')
    assert.equal(
      at((await c.get('/api/connectors?name=NETSCOUT AED')).body, 'data', 0, 'is_active'),
      true,
    )
    const bad = await c.raw('POST', '/_sim/load', { objects: { indicators: 'nope' } })
    assert.equal(bad.status, 400)
    assert.equal((await c.raw('POST', '/_sim/load', { objects: { nonsense: [] } })).status, 404)
  })
})
