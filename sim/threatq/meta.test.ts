import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

describe('vocabularies of a fresh instance', () => {
  const c = new SimClient(createThreatqSim())

  it('indicator statuses 1-5', async () => {
    const res = await c.get('/api/indicator/statuses')
    assert.deepEqual(
      (at(res.body, 'data') as { id: number; name: string }[]).map((s) => [s.id, s.name]),
      [
        [1, 'Active'],
        [2, 'Expired'],
        [3, 'Indirect'],
        [4, 'Review'],
        [5, 'Whitelisted'],
      ],
    )
    assert.equal(at((await c.get('/api/indicator/statuses/4')).body, 'data', 'name'), 'Review')
  })

  it('event types 1-14, no Alert, and adding one', async () => {
    const res = await c.get('/api/event/types')
    const names = (at(res.body, 'data') as { id: number; name: string }[]).map((t) => t.name)
    assert.equal(names.length, 14)
    assert.equal(names[0], 'Spearphish')
    assert.equal(names[13], 'Sighting')
    assert.equal(at((await c.get('/api/event/types?name=Alert')).body, 'total'), 0)
    const added = await c.post('/api/event/types', { name: 'Alert' })
    assert.equal(added.status, 201)
    assert.equal(at(added.body, 'data', 'id'), 15)
    assert.equal(at((await c.get('/api/event/types?name=Alert')).body, 'data', 0, 'id'), 15)
    assert.equal((await c.post('/api/event/types', { name: 'alert' })).status, 400)
  })

  it('indicator types with classes, looked up by name', async () => {
    const fqdn = await c.get('/api/indicator/types?name=FQDN')
    assert.equal(at(fqdn.body, 'total'), 1)
    assert.equal(at(fqdn.body, 'data', 0, 'class'), 'network')
    const md5 = await c.get('/api/indicator/types?name=MD5')
    assert.equal(at(md5.body, 'data', 0, 'class'), 'host')
    const all = await c.get('/api/indicator/types?limit=100')
    const names = (at(all.body, 'data') as { name: string }[]).map((t) => t.name)
    for (const name of [
      'IP Address',
      'IPv6 Address',
      'CIDR Block',
      'FQDN',
      'URL',
      'Email Address',
      'SHA-256',
    ]) {
      assert.ok(names.includes(name), name)
    }
  })

  it('/api/objects lists collections with their types and statuses', async () => {
    const res = await c.get('/api/objects')
    const objects = at(res.body, 'data') as {
      collection: string
      types: unknown[]
      statuses: unknown[]
    }[]
    const byColl = new Map(objects.map((o) => [o.collection, o]))
    for (const coll of [
      'indicators',
      'events',
      'adversaries',
      'malware',
      'tool',
      'report',
      'attack_pattern',
      'campaign',
    ]) {
      assert.ok(byColl.has(coll), coll)
    }
    assert.equal(byColl.get('indicators')?.statuses.length, 5)
    assert.equal(byColl.get('attack_pattern')?.types.length, 0)
  })
})
