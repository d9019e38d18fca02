import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

function client(): SimClient {
  return new SimClient(createThreatqSim({ clock: () => Date.UTC(2026, 0, 4, 5, 6, 7) }))
}

const OPTIONS = {
  hostname: 'aed.example',
  api_token: 'secret',
  data_collection: 'AED Export',
  relationship_depth: '2',
  alert_severity: 'Medium',
}

describe('/api/connectors', () => {
  it('creates a record that stays inactive, finds it by name, lists it with category and tlp', async () => {
    const c = client()
    const created = await c.post('/api/connectors', {
      name: 'NETSCOUT AED',
      namespace: 'tq-conn-netscout-aed',
      indicator_status_id: 4,
      custom_fields: { alert_severity: 'Low' },
      is_active: true,
    })
    assert.equal(created.status, 201)
    assert.equal(at(created.body, 'data', 'is_active'), false, 'only the UI turns a connector on')
    assert.equal(at(created.body, 'data', 'indicator_status_id'), 4)
    assert.equal(at(created.body, 'data', 'last_import_at'), null)
    const byName = await c.get('/api/connectors?name=NETSCOUT AED')
    assert.equal(at(byName.body, 'data', 0, 'namespace'), 'tq-conn-netscout-aed')
    assert.equal(at((await c.get('/api/connectors?name=Other')).body, 'total'), 0)
    const list = await c.get('/api/connectors?limit=1000&with=category,tlp')
    assert.equal(at(list.body, 'data', 0, 'category', 'name'), 'ThreatQ Labs')
    assert.equal(at(list.body, 'data', 0, 'tlp'), null)
    assert.equal((await c.post('/api/connectors', { name: 'NETSCOUT AED' })).status, 400)
    assert.equal((await c.get('/api/connectors/99')).status, 404)
  })

  it('updates is_active (any truthy encoding), custom_fields (merged), last import, status and tlp', async () => {
    const c = client()
    const id = at((await c.post('/api/connectors', { name: 'X' })).body, 'data', 'id') as number
    const path = `/api/connectors/${String(id)}`
    await c.put(path, { is_active: 'true', custom_fields: { a: '1', b: '2' } })
    await c.put(path, {
      custom_fields: { b: '3' },
      last_import_at: '2026-01-04 05:00:00',
      last_import_count: 12,
      tlp_id: 'AMBER',
      indicator_status_id: 1,
    })
    const got = at((await c.get(`${path}?with=tlp`)).body, 'data') as Record<string, unknown>
    assert.equal(got.is_active, true)
    assert.deepEqual(got.custom_fields, { a: '1', b: '3' })
    assert.equal(got.last_import_at, '2026-01-04 05:00:00')
    assert.equal(got.last_import_count, 12)
    assert.equal(got.tlp_id, 2)
    assert.deepEqual(got.tlp, { id: 2, name: 'AMBER' })
    assert.equal(got.indicator_status_id, 1)
    for (const off of ['', 'False', 0, false]) {
      await c.put(path, { is_active: true })
      await c.put(path, { is_active: off })
      assert.equal(at((await c.get(path)).body, 'data', 'is_active'), false, JSON.stringify(off))
    }
    assert.equal((await c.put(path, { last_import_at: 'soon' })).status, 400)
    assert.equal((await c.put(path, { last_import_count: -1 })).status, 400)
  })
})

describe('POST /_sim/connector (the person in the UI)', () => {
  it('sets the UI options and toggles the connector on, creating the record if needed', async () => {
    const c = client()
    const id = at(
      (
        await c.post('/api/connectors', {
          name: 'NETSCOUT AED',
          custom_fields: { query_keywords: '' },
        })
      ).body,
      'data',
      'id',
    )
    const ui = await c.raw('POST', '/_sim/connector', {
      name: 'NETSCOUT AED',
      options: OPTIONS,
      active: true,
    })
    assert.equal(ui.status, 200)
    const got = await c.get(`/api/connectors/${String(id)}`)
    assert.equal(at(got.body, 'data', 'is_active'), true)
    assert.deepEqual(at(got.body, 'data', 'custom_fields'), { query_keywords: '', ...OPTIONS })
    const fresh = await c.raw('POST', '/_sim/connector', {
      name: 'Brand new',
      options: { hostname: 'h' },
    })
    assert.equal(at(fresh.body, 'data', 'is_active'), false, 'active omitted leaves it as it was')
    assert.equal(at((await c.get('/api/connectors')).body, 'total'), 2)
    assert.equal((await c.raw('POST', '/_sim/connector', { options: {} })).status, 400)
  })
})
