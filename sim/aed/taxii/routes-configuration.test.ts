import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES } from '../../../src/taxii/types.js'
import { DEFAULTS, type AedSim } from '../app.js'
import { arr, call, newSim, obj } from '../test-support.js'
import { collectionIdFor } from './store.js'

const CONFIG = '/api/aed/v3/taxii/configuration'
const COLLECTION = collectionIdFor(DEFAULTS.collection)

const taxiiGet = (sim: AedSim, path: string, user: string, password: string): Promise<Response> =>
  Promise.resolve(
    sim.app.request(path, {
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
        accept: MEDIA_TYPES['2.0'].taxii,
      },
    }),
  )

function store(sim: AedSim, n: number): string[] {
  const objects = Array.from({ length: n }, (_, i) => ({
    type: 'indicator',
    id: `indicator--${uuidv4()}`,
    modified: '2026-01-01T00:00:00.000Z',
    pattern: `[ipv4-addr:value = '10.0.0.${String(i + 1)}']`,
  }))
  const collection = sim.state.taxii.collections.get(COLLECTION)
  assert.ok(collection)
  sim.state.taxii.addObjects(collection, objects, '2.0')
  return objects.map((o) => o.id)
}

describe('aed-sim REST view of the TAXII server (v3 taxii/configuration)', () => {
  it('creates collections (201), refuses a duplicate title (422) and deletes them (204)', async () => {
    const sim = newSim()
    const created = await call(sim, 'POST', `${CONFIG}/collections/`, {
      body: { title: 'Feeds', description: 'd' },
    })
    assert.equal(created.status, 201)
    const id = String(obj(created.body).id)
    assert.equal(
      (await call(sim, 'POST', `${CONFIG}/collections/`, { body: { title: 'Feeds' } })).status,
      422,
    )
    assert.equal((await call(sim, 'POST', `${CONFIG}/collections/`, { body: {} })).status, 400)
    assert.equal(obj((await call(sim, 'GET', `${CONFIG}/collections/${id}/`)).body).title, 'Feeds')
    const client = arr(obj((await call(sim, 'GET', `${CONFIG}/clients/`)).body).clients)[0]
    assert.ok((client?.collections as string[]).includes(id), 'existing clients may use it')
    assert.equal((await call(sim, 'DELETE', `${CONFIG}/collections/${id}/`)).status, 204)
    assert.equal((await call(sim, 'GET', `${CONFIG}/collections/${id}/`)).status, 404)
    const after = arr(obj((await call(sim, 'GET', `${CONFIG}/clients/`)).body).clients)[0]
    assert.ok(!(after?.collections as string[]).includes(id))
  })

  it('lists stored objects with paging and deletes some or all of them', async () => {
    const sim = newSim()
    const ids = store(sim, 12)
    const first = arr(
      obj((await call(sim, 'GET', `${CONFIG}/collections/${COLLECTION}/objects/`)).body).objects,
    )
    assert.equal(first.length, 10, 'AED list conventions: 10 per page')
    const del = await call(
      sim,
      'DELETE',
      `${CONFIG}/collections/${COLLECTION}/objects/?id=${ids[0] ?? ''},${ids[1] ?? ''}`,
    )
    assert.equal(del.status, 204)
    assert.equal(sim.state.counts().taxiiObjects, 10)
    assert.equal(sim.state.counts().stixEnforcementEntries, 10)
    await call(sim, 'DELETE', `${CONFIG}/collections/${COLLECTION}/objects/`)
    assert.equal(sim.state.counts().taxiiObjects, 0)
    assert.equal(sim.state.counts().stixEnforcementEntries, 0)
  })

  it('manages TAXII clients: create, refuse duplicates, change rights and password, delete', async () => {
    const sim = newSim()
    assert.equal(
      (await call(sim, 'POST', `${CONFIG}/clients/`, { body: { username: 'x' } })).status,
      400,
    )
    const created = await call(sim, 'POST', `${CONFIG}/clients/`, {
      body: { username: 'x', password: 'p' },
    })
    assert.equal(created.status, 201)
    assert.ok(!('password' in obj(created.body)), 'the password is write-only')
    assert.equal(
      (await call(sim, 'POST', `${CONFIG}/clients/`, { body: { username: 'x', password: 'q' } }))
        .status,
      422,
    )
    const id = String(obj(created.body).id)
    const collections = `/taxii/aed/collections/`
    const canWrite = async (password: string): Promise<unknown> => {
      const res = await taxiiGet(sim, collections, 'x', password)
      return arr(obj(await res.json()).collections)[0]?.can_write
    }
    assert.equal(await canWrite('p'), true)
    await call(sim, 'PATCH', `${CONFIG}/clients/${id}/`, {
      body: { canWrite: false, password: 'p2' },
    })
    assert.equal((await taxiiGet(sim, collections, 'x', 'p')).status, 401)
    assert.equal(await canWrite('p2'), false)
    assert.equal(
      (await call(sim, 'PATCH', `${CONFIG}/clients/${id}/`, { body: { collections: [uuidv4()] } }))
        .status,
      400,
    )
    assert.equal((await call(sim, 'DELETE', `${CONFIG}/clients/${id}/`)).status, 204)
    assert.equal((await taxiiGet(sim, collections, 'x', 'p2')).status, 401)
    assert.equal((await call(sim, 'GET', `${CONFIG}/clients/${id}/`)).status, 404)
  })

  it('is a v3 route only', async () => {
    assert.equal(
      (await call(newSim(), 'GET', '/api/aed/v2/taxii/configuration/collections/')).status,
      404,
    )
  })
})
