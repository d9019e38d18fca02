import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

function client(): SimClient {
  return new SimClient(createThreatqSim({ clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) }))
}

async function createIndicator(c: SimClient, item: Record<string, unknown>): Promise<number> {
  const res = await c.post('/api/indicators', [item])
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return at(res.body, 'data', 0, 'id') as number
}

describe('objects: create, get, update, delete', () => {
  it('creates indicators (data is a list, `existing` marks repeats) with auto-increment ids', async () => {
    const c = client()
    const res = await c.post('/api/indicators', [
      { value: '1.2.3.4', type: 'IP Address', status: 'Active' },
      { value: 'evil.example', type: { name: 'FQDN' }, status_id: 4 },
    ])
    assert.equal(res.status, 201)
    assert.deepEqual(
      (at(res.body, 'data') as { id: number; existing: boolean }[]).map((d) => [d.id, d.existing]),
      [
        [1, false],
        [2, false],
      ],
    )
    const again = await c.post('/api/indicators', { value: '1.2.3.4', type_id: 15 })
    assert.equal(at(again.body, 'data', 0, 'id'), 1)
    assert.equal(at(again.body, 'data', 0, 'existing'), true)
    const got = await c.get('/api/indicators/2?with=type,status')
    assert.equal(at(got.body, 'data', 'value'), 'evil.example')
    assert.equal(at(got.body, 'data', 'type', 'name'), 'FQDN')
    assert.equal(at(got.body, 'data', 'status', 'name'), 'Review')
    assert.equal(at(got.body, 'data', 'class'), 'network')
    assert.equal(at(got.body, 'data', 'created_at'), '2026-01-02 03:04:05', 'UTC, ThreatQ format')
  })

  it('keeps ids per collection and answers other collections with a {data} object', async () => {
    const c = client()
    await createIndicator(c, { value: 'x.example', type: 'FQDN' })
    const adv = await c.post('/api/adversaries', { name: 'APT 1' })
    assert.equal(adv.status, 201)
    assert.equal(at(adv.body, 'data', 'id'), 1)
    assert.equal(at(adv.body, 'data', 'name'), 'APT 1')
    for (const coll of ['malware', 'tool', 'report', 'attack_pattern', 'campaign']) {
      const res = await c.post(`/api/${coll}`, { value: `${coll} one`, description: 'd' })
      assert.equal(at(res.body, 'data', 'id'), 1, coll)
      assert.equal(at(res.body, 'data', 'value'), `${coll} one`)
    }
    const ev = await c.post('/api/events', {
      title: 'Alert 7',
      type: 'Incident',
      happened_at: '2025-05-05 10:00:00',
    })
    assert.equal(at(ev.body, 'data', 'happened_at'), '2025-05-05 10:00:00')
    assert.equal(at(ev.body, 'data', 'type_id'), 13)
  })

  it('answers validation errors as {"data":{"errors":{field:[msg]}}}', async () => {
    const c = client()
    await c.post('/api/adversaries', { name: 'Dup' })
    const dup = await c.post('/api/adversaries', { name: 'Dup' })
    assert.equal(dup.status, 400)
    assert.deepEqual(dup.body, { data: { errors: { name: ['The name has already been taken.'] } } })
    const badType = await c.post('/api/indicators', { value: 'x', type: 'No Such Type' })
    assert.equal(badType.status, 400)
    assert.ok(Array.isArray(at(badType.body, 'data', 'errors', 'type_id')))
    const noType = await c.post('/api/indicators', { value: 'x' })
    assert.ok(Array.isArray(at(noType.body, 'data', 'errors', 'type_id')))
  })

  it('answers 404 {"errors": [...]} for unknown objects and collections', async () => {
    const c = client()
    for (const path of [
      '/api/indicators/99',
      '/api/indicators/abc',
      '/api/nonsense',
      '/api/nonsense/1',
    ]) {
      const res = await c.get(path)
      assert.equal(res.status, 404, path)
      assert.ok(Array.isArray(at(res.body, 'errors')), path)
    }
  })

  it('updates with PUT (status by id, name, {name}, or status_id in the query) and deletes with 204', async () => {
    const c = client()
    const id = await createIndicator(c, { value: '5.6.7.8', type: 'IP Address', status: 'Review' })
    const put = await c.put(`/api/indicators/${String(id)}?with=status`, {
      status: 'Active',
      description: 'now bad',
    })
    assert.equal(at(put.body, 'data', 'status', 'name'), 'Active')
    assert.equal(at(put.body, 'data', 'description'), 'now bad')
    await c.put(`/api/indicators/${String(id)}`, { status: { name: 'Expired' } })
    assert.equal(at((await c.get(`/api/indicators/${String(id)}`)).body, 'data', 'status_id'), 2)
    await c.put(`/api/indicators/${String(id)}?status_id=5`, {})
    assert.equal(at((await c.get(`/api/indicators/${String(id)}`)).body, 'data', 'status_id'), 5)
    const del = await c.delete(`/api/indicators/${String(id)}`)
    assert.equal(del.status, 204)
    assert.equal(del.body, undefined)
    assert.equal((await c.get(`/api/indicators/${String(id)}`)).status, 404)
  })
})

describe('lists: envelope, paging, sort, simple filters', () => {
  async function seeded(): Promise<SimClient> {
    const c = client()
    await c.post(
      '/api/indicators',
      ['b.example.com', 'a.example.com', 'c.other.org', 'd.example.com'].map((value) => ({
        value,
        type: 'FQDN',
      })),
    )
    return c
  }

  it('answers {total, data, limit, offset} and pages by limit/offset', async () => {
    const c = await seeded()
    const res = await c.get('/api/indicators?limit=2&offset=1')
    assert.equal(at(res.body, 'total'), 4)
    assert.equal(at(res.body, 'limit'), 2)
    assert.equal(at(res.body, 'offset'), 1)
    assert.deepEqual(
      (at(res.body, 'data') as { id: number }[]).map((d) => d.id),
      [2, 3],
    )
  })

  it('sorts by -field and comma lists', async () => {
    const c = await seeded()
    const values = async (sort: string): Promise<string[]> =>
      (at((await c.get(`/api/indicators?sort=${sort}`)).body, 'data') as { value: string }[]).map(
        (d) => d.value,
      )
    assert.deepEqual(await values('value'), [
      'a.example.com',
      'b.example.com',
      'c.other.org',
      'd.example.com',
    ])
    assert.deepEqual(await values('-value'), [
      'd.example.com',
      'c.other.org',
      'b.example.com',
      'a.example.com',
    ])
    assert.deepEqual(await values('-created_at,-id'), [
      'd.example.com',
      'c.other.org',
      'a.example.com',
      'b.example.com',
    ])
    assert.equal((await c.get('/api/indicators?sort=nonsense')).status, 400)
  })

  it('filters on identity fields with % wildcards, case-insensitively', async () => {
    const c = await seeded()
    const res = await c.get('/api/indicators?value=%25EXAMPLE.com')
    assert.equal(at(res.body, 'total'), 3)
    const exact = await c.get('/api/indicators?value=c.other.org')
    assert.equal(at(exact.body, 'data', 0, 'id'), 3)
    await c.post('/api/adversaries', { name: 'Fancy Bear' })
    const adv = await c.get('/api/adversaries?name=Fancy%25')
    assert.equal(at(adv.body, 'total'), 1)
  })
})

describe('with, scores, sources and TLP', () => {
  it('score is an integer in lists and an object with with=score; manual score wins', async () => {
    const c = client()
    const id = await createIndicator(c, { value: '9.9.9.9', type: 'IP Address' })
    assert.equal(at((await c.get('/api/indicators')).body, 'data', 0, 'score'), 0)
    const put = await c.put(`/api/indicator/${String(id)}/scores`, { manual_score: 7 })
    assert.equal(at(put.body, 'data', 'manual_score'), '7.0')
    assert.equal(at((await c.get('/api/indicators')).body, 'data', 0, 'score'), 7)
    const withScore = await c.get(`/api/indicators/${String(id)}?with=score`)
    assert.equal(at(withScore.body, 'data', 'score', 'generated_score'), '0.0')
    assert.equal(at(withScore.body, 'data', 'score', 'manual_score'), '7.0')
    assert.equal(
      (await c.put(`/api/indicator/${String(id)}/scores`, { manual_score: 11 })).status,
      400,
    )
  })

  it('accepts every TLP encoding and resolves manual > provided > source default', async () => {
    const c = client()
    const id = await createIndicator(c, {
      value: 'tlp.example',
      type: 'FQDN',
      sources: [
        { name: 'Feed A', tlp_id: 3 },
        { name: 'Feed B', tlp: 'amber+strict' },
        { name: 'Feed C', tlp: { name: 'WHITE' } },
        { name: 'Feed D' },
      ],
    })
    const sources = async (): Promise<
      Record<string, { tlp_id: number | null; id: number; tlp: unknown }>
    > => {
      const res = await c.get(`/api/indicators/${String(id)}?with=sources.tlp`)
      const list = at(res.body, 'data', 'sources') as {
        name: string
        tlp_id: number | null
        id: number
        tlp: unknown
      }[]
      return Object.fromEntries(list.map((s) => [s.name, s]))
    }
    let s = await sources()
    assert.equal(s['Feed A']?.tlp_id, 3)
    assert.deepEqual(s['Feed B']?.tlp, { id: 5, name: 'AMBER+STRICT' })
    assert.deepEqual(s['Feed C']?.tlp, { id: 4, name: 'CLEAR' }, 'WHITE is CLEAR')
    assert.equal(s['Feed D']?.tlp_id, null)
    // Source default applies only where the data carried none.
    const feedD = at((await c.get('/api/sources?name=Feed D')).body, 'data', 0, 'id') as number
    await c.put(`/api/sources/${String(feedD)}`, { tlp: 'GREEN' })
    const feedA = at((await c.get('/api/sources?name=Feed A')).body, 'data', 0, 'id') as number
    await c.put(`/api/sources/${String(feedA)}`, { tlp: 'RED' })
    s = await sources()
    assert.equal(s['Feed D']?.tlp_id, 3)
    assert.equal(s['Feed A']?.tlp_id, 3, 'source-provided beats the source default')
    // A manual setting beats the provided one.
    await c.put(`/api/indicators/${String(id)}/sources/${String(s['Feed A'].id)}`, { tlp: 'RED' })
    s = await sources()
    assert.equal(s['Feed A']?.tlp_id, 1)
    const obj = await c.get(`/api/indicators/${String(id)}?with=tlp`)
    assert.deepEqual(at(obj.body, 'data', 'tlp'), { id: 1, name: 'RED' }, 'most restrictive')
    assert.equal(
      (await c.post(`/api/indicators/${String(id)}/sources`, { name: 'E', tlp: 'PURPLE' })).status,
      400,
    )
  })

  it('attributes a write without sources to the credentials (a users source)', async () => {
    const c = client()
    const id = await createIndicator(c, { value: 'mine.example', type: 'FQDN' })
    const res = await c.get(`/api/indicators/${String(id)}/sources`)
    assert.equal(at(res.body, 'data', 0, 'name'), 'analyst@threatq.local')
    assert.equal(at(res.body, 'data', 0, 'source_type'), 'users')
    assert.equal(typeof at(res.body, 'data', 0, 'pivot', 'id'), 'number')
    const pivot = at(res.body, 'data', 0, 'id') as number
    assert.equal(
      (await c.delete(`/api/indicators/${String(id)}/sources/${String(pivot)}`)).status,
      204,
    )
    assert.equal(at((await c.get(`/api/indicators/${String(id)}/sources`)).body, 'total'), 0)
  })

  it('attributes (with attribute_id), tags and comments', async () => {
    const c = client()
    const id = await createIndicator(c, {
      value: 'attr.example',
      type: 'FQDN',
      attributes: [{ name: 'Label', value: 'malicious-activity' }],
      tags: ['t1'],
    })
    const base = `/api/indicators/${String(id)}`
    const add = await c.post(`${base}/attributes`, [{ name: 'Country', value: 'US' }])
    assert.equal(add.status, 201)
    const country = at(add.body, 'data', 0) as { id: number; attribute_id: number; name: string }
    assert.equal(country.name, 'Country')
    assert.equal(country.attribute_id, 2)
    const list = await c.get(`${base}/attributes?with=attribute`)
    assert.equal(at(list.body, 'total'), 2)
    assert.equal(at(list.body, 'data', 0, 'attribute', 'name'), 'Label')
    await c.put(`${base}/attributes/${String(country.id)}`, { value: 'CA' })
    assert.equal(
      at((await c.get(`${base}?with=attributes`)).body, 'data', 'attributes', 1, 'value'),
      'CA',
    )
    assert.equal((await c.delete(`${base}/attributes/${String(country.id)}`)).status, 204)

    await c.post(`${base}/tags`, [{ name: 't2' }, { name: 't1' }])
    const tags = await c.get(`${base}?with=tags`)
    assert.deepEqual(
      (at(tags.body, 'data', 'tags') as { name: string }[]).map((t) => t.name),
      ['t1', 't2'],
    )
    assert.equal(at((await c.get('/api/tags?name=t%25')).body, 'total'), 2)

    const comment = await c.post(`${base}/comments`, { value: 'seen in the wild' })
    assert.equal(at(comment.body, 'data', 'source_name'), 'analyst@threatq.local')
    const comments = await c.get(`${base}/comments`)
    assert.equal(at(comments.body, 'data', 0, 'value'), 'seen in the wild')
  })
})

describe('relationships', () => {
  it('links with {id} or [{id}], lists with pivots and paging, embeds with the dot form, unlinks by pivot id', async () => {
    const c = client()
    const adv = at(
      (await c.post('/api/adversaries', { name: 'APT X' })).body,
      'data',
      'id',
    ) as number
    const ids: number[] = []
    for (let i = 0; i < 5; i++)
      ids.push(await createIndicator(c, { value: `10.0.0.${String(i)}`, type: 'IP Address' }))
    const one = await c.post(`/api/adversaries/${String(adv)}/indicators`, { id: ids[0] })
    assert.equal(one.status, 201)
    const pivotId = at(one.body, 'data', 0, 'pivot', 'id')
    assert.equal(typeof pivotId, 'number')
    await c.post(
      `/api/adversaries/${String(adv)}/indicators`,
      ids.slice(1).map((id) => ({ id })),
    )
    // Linking again is idempotent.
    const again = await c.post(`/api/indicators/${String(ids[0])}/adversaries`, [{ id: adv }])
    assert.equal(at(again.body, 'data', 0, 'pivot', 'id'), pivotId)

    const page = await c.get(
      `/api/adversaries/${String(adv)}/indicators?limit=2&offset=2&with=type`,
    )
    assert.equal(at(page.body, 'total'), 5)
    assert.deepEqual(
      (at(page.body, 'data') as { id: number }[]).map((d) => d.id),
      ids.slice(2, 4),
    )
    assert.equal(at(page.body, 'data', 0, 'type', 'name'), 'IP Address')
    assert.equal(typeof at(page.body, 'data', 0, 'pivot', 'id'), 'number')

    const embedded = await c.get(
      `/api/adversaries/${String(adv)}?with=indicators.type,indicators.status`,
    )
    const inds = at(embedded.body, 'data', 'indicators') as {
      type: { name: string }
      status: { name: string }
    }[]
    assert.equal(inds.length, 5)
    assert.equal(inds[0]?.type.name, 'IP Address')
    assert.equal(inds[0].status.name, 'Review')

    const reverse = await c.get(`/api/indicators/${String(ids[0])}/adversaries`)
    assert.equal(at(reverse.body, 'data', 0, 'name'), 'APT X')

    assert.equal(
      (await c.delete(`/api/adversaries/${String(adv)}/indicators`, [pivotId])).status,
      204,
    )
    assert.equal(
      at((await c.get(`/api/indicators/${String(ids[0])}/adversaries`)).body, 'total'),
      0,
    )
    assert.equal((await c.delete(`/api/adversaries/${String(adv)}/indicators`, [999])).status, 400)
    // Deleting an object removes its links.
    await c.delete(`/api/indicators/${String(ids[1])}`)
    assert.equal(at((await c.get(`/api/adversaries/${String(adv)}/indicators`)).body, 'total'), 3)
  })

  it('relates objects with _ in their collection name through the sub-resource', async () => {
    const c = client()
    const ap = at(
      (await c.post('/api/attack_pattern', { value: 'T1566 Phishing' })).body,
      'data',
      'id',
    ) as number
    const mal = at((await c.post('/api/malware', { value: 'Emotet' })).body, 'data', 'id') as number
    await c.post(`/api/malware/${String(mal)}/attack_pattern`, [{ id: ap }])
    const res = await c.get(`/api/malware/${String(mal)}/attack_pattern`)
    assert.equal(at(res.body, 'data', 0, 'value'), 'T1566 Phishing')
    assert.equal(
      (await c.post(`/api/malware/${String(mal)}/attack_pattern`, [{ id: 77 }])).status,
      400,
    )
  })
})
