import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

const NOW = Date.UTC(2026, 0, 10)

async function withIndicators(n: number): Promise<SimClient> {
  const c = new SimClient(createThreatqSim({ clock: () => NOW }))
  const items = Array.from({ length: n }, (_, i) => ({
    value: `host${String(i)}.example`,
    type: 'FQDN',
    status: i % 2 === 0 ? 'Active' : 'Review',
    sources: [{ name: 'Feed', tlp: 'GREEN' }],
    attributes: [{ name: 'Label', value: 'malicious-activity' }],
  }))
  assert.equal((await c.post('/api/indicators/consume', items)).status, 200)
  return c
}

const API_QUERY = { criteria: {}, filters: { '+and': [{ status_name: 'Active' }] } }

async function saveSearch(c: SimClient, name: string, json: unknown): Promise<string> {
  const res = await c.post('/api/search/query', { name, json })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return at(res.body, 'data', 'hash') as string
}

describe('saved searches', () => {
  it('lists, gets by hash (fields=name) and creates; json keeps the form it was saved in', async () => {
    const c = await withIndicators(0)
    const hashA = await saveSearch(c, 'Objects', { ui_query: {}, api_query: API_QUERY })
    const hashB = await saveSearch(c, 'Stringy', JSON.stringify({ api_query: API_QUERY }))
    assert.match(hashA, /^[0-9a-f]{32}$/)
    const list = await c.get('/api/search/query')
    const data = at(list.body, 'data') as { name: string; hash: string; json: unknown }[]
    assert.deepEqual(
      data.map((d) => [d.name, typeof d.json]),
      [
        ['Objects', 'object'],
        ['Stringy', 'string'],
      ],
    )
    const one = await c.get(`/api/search/query/${hashB}?fields=name`)
    assert.deepEqual(one.body, { data: { name: 'Stringy' } })
    assert.equal((await c.get('/api/search/query/0000')).status, 404)
    assert.equal((await c.post('/api/search/query', { name: 'Objects', json: {} })).status, 400)
  })
})

describe('data collection results (GET /api/{type}/query/hash/{hash})', () => {
  it('pages with cursorMark until an empty page that echoes the cursor', async () => {
    const c = await withIndicators(25)
    const hash = await saveSearch(c, 'Active', { api_query: API_QUERY })
    const seen: number[] = []
    let mark = '*'
    let pages = 0
    for (;;) {
      const res = await c.get(
        `/api/indicators/query/hash/${hash}?sort=updated_at&limit=5&cursorMark=${encodeURIComponent(mark)}`,
      )
      assert.equal(res.status, 200)
      assert.equal(at(res.body, 'total'), 13)
      assert.equal(at(res.body, 'limit'), 5)
      const data = at(res.body, 'data') as { id: number; status: { name: string } }[]
      const next = at(res.body, 'nextCursorMark') as string
      pages++
      if (data.length === 0) {
        assert.equal(next, mark, 'the last page echoes the request cursor')
        break
      }
      assert.notEqual(next, mark)
      for (const d of data) {
        assert.equal(d.status.name, 'Active')
        seen.push(d.id)
      }
      mark = next
    }
    assert.equal(pages, 4, '3 full or partial pages, then the empty one')
    assert.deepEqual(
      seen,
      Array.from({ length: 13 }, (_, i) => 2 * i + 1),
    )
  })

  it('keeps the snapshot a cursor started with while objects change', async () => {
    const c = await withIndicators(10)
    const hash = await saveSearch(c, 'Active', { api_query: API_QUERY })
    const first = await c.get(`/api/indicators/query/hash/${hash}?limit=3&cursorMark=*`)
    await c.post('/api/indicators/consume', [
      { value: 'late.example', type: 'FQDN', status: 'Active' },
    ])
    let mark = at(first.body, 'nextCursorMark') as string
    let count = (at(first.body, 'data') as unknown[]).length
    for (;;) {
      const res = await c.get(`/api/indicators/query/hash/${hash}?limit=3&cursorMark=${mark}`)
      const data = at(res.body, 'data') as unknown[]
      if (data.length === 0) break
      count += data.length
      mark = at(res.body, 'nextCursorMark') as string
    }
    assert.equal(count, 5)
    const fresh = await c.get(`/api/indicators/query/hash/${hash}?limit=3&cursorMark=*`)
    assert.equal(at(fresh.body, 'total'), 6)
  })

  it('omits attributes and sources unless asked with fields; fields without * projects and flattens', async () => {
    const c = await withIndicators(2)
    const hash = await saveSearch(c, 'Active', { api_query: API_QUERY })
    const plain = at(
      (await c.get(`/api/indicators/query/hash/${hash}?cursorMark=*`)).body,
      'data',
      0,
    ) as Record<string, unknown>
    assert.equal('attributes' in plain, false)
    assert.equal('sources' in plain, false)
    assert.equal(typeof plain.score, 'number')
    assert.equal(at(plain, 'type', 'name'), 'FQDN')
    const full = await c.get(
      `/api/indicators/query/hash/${hash}?cursorMark=*&fields=*,attributes,sources`,
    )
    assert.equal(at(full.body, 'data', 0, 'attributes', 0, 'name'), 'Label')
    assert.equal(at(full.body, 'data', 0, 'sources', 0, 'tlp_id'), 3)
    const projected = await c.post('/api/indicators/query', {
      ...API_QUERY,
      fields: ['id', 'value', 'type', 'status', 'score', 'tags'],
    })
    assert.deepEqual(at(projected.body, 'data', 0), {
      id: 1,
      value: 'host0.example',
      type: 'FQDN',
      status: 'Active',
      score: 0,
      tags: [],
    })
  })

  it('answers for every object type, and 404 for unknown hashes', async () => {
    const c = await withIndicators(1)
    await c.post('/api/adversaries', { name: 'APT Active' })
    await c.post('/api/malware', { value: 'Active Malware' })
    const hash = await saveSearch(c, 'Mentions', {
      api_query: { criteria: { mentions: 'active' } },
    })
    for (const [type, total] of [
      ['indicators', 0],
      ['adversaries', 1],
      ['malware', 1],
      ['events', 0],
      ['tool', 0],
      ['report', 0],
      ['attack_pattern', 0],
      ['campaign', 0],
    ] as const) {
      const res = await c.get(`/api/${type}/query/hash/${hash}?cursorMark=*`)
      assert.equal(res.status, 200, type)
      assert.equal(at(res.body, 'total'), total, type)
    }
    assert.equal((await c.get('/api/indicators/query/hash/nope?cursorMark=*')).status, 404)
    assert.equal((await c.get(`/api/indicators/query/hash/${hash}?cursorMark=garbage`)).status, 400)
  })
})

describe('POST /api/{type}/query', () => {
  it('pages with limit/offset in the list envelope', async () => {
    const c = await withIndicators(7)
    const offsets = [0, 3, 6]
    const ids: number[] = []
    for (const offset of offsets) {
      const res = await c.post(`/api/indicators/query?limit=3&offset=${String(offset)}&sort=-id`, {
        criteria: {},
        filters: {},
      })
      assert.equal(at(res.body, 'total'), 7)
      assert.equal(at(res.body, 'offset'), offset)
      ids.push(...(at(res.body, 'data') as { id: number }[]).map((d) => d.id))
    }
    assert.deepEqual(ids, [7, 6, 5, 4, 3, 2, 1])
  })

  it('selects by an updated_at window (an incremental export)', async () => {
    let now = Date.UTC(2026, 0, 1)
    const c = new SimClient(createThreatqSim({ clock: () => now, tokenTtlSeconds: 30 * 86400 }))
    await c.post('/api/indicators/consume', [
      { value: 'old.example', type: 'FQDN', status: 'Active' },
    ])
    now = Date.UTC(2026, 0, 5)
    await c.post('/api/indicators/consume', [
      { value: 'new.example', type: 'FQDN', status: 'Active' },
      { value: 'old.example', type: 'FQDN', status: 'Active', description: 'touched' },
      { value: 'other.example', type: 'FQDN', status: 'Review' },
    ])
    now = Date.UTC(2026, 0, 6)
    const res = await c.post('/api/indicators/query?sort=value', {
      criteria: {},
      filters: {
        '+and': [
          { status_name: 'Active' },
          { updated_at: { '+gt': '2026-01-03 00:00:00', '+lt': 'NOW' } },
        ],
      },
    })
    assert.deepEqual(
      (at(res.body, 'data') as { value: string }[]).map((d) => d.value),
      ['new.example', 'old.example'],
    )
    const cursor = await c.post('/api/indicators/query?cursorMark=*&limit=1', {
      filters: { updated_at: { '+gt': '2026-01-03 00:00:00' } },
    })
    assert.equal(at(cursor.body, 'total'), 3)
    assert.equal(typeof at(cursor.body, 'nextCursorMark'), 'string')
  })

  it('re-evaluates a NOW-relative query as time passes, with no data change in between', async () => {
    let now = Date.UTC(2026, 0, 1)
    const c = new SimClient(createThreatqSim({ clock: () => now, tokenTtlSeconds: 30 * 86400 }))
    await c.post('/api/indicators/consume', [{ value: 'a.example', type: 'FQDN' }])
    now = Date.UTC(2026, 0, 3)
    await c.post('/api/indicators/consume', [{ value: 'b.example', type: 'FQDN' }])
    const recent = { filters: { created_at: { '+gt': 'NOW-1 day' } } }
    const total = async (path: string): Promise<unknown> =>
      at((await c.post(path, recent)).body, 'total')
    for (const path of ['/api/indicators/query?cursorMark=*', '/api/indicators/query']) {
      now = Date.UTC(2026, 0, 3, 12)
      assert.equal(await total(path), 1, path)
      now = Date.UTC(2026, 0, 5)
      assert.equal(await total(path), 0, `${path}: b.example is two days old now`)
    }
    const unchanged = { filters: { created_at: { '+gt': '2026-01-02 00:00:00' } } }
    const first = await c.post('/api/indicators/query?cursorMark=*', unchanged)
    const second = await c.post('/api/indicators/query?cursorMark=*', unchanged)
    assert.equal(at(second.body, 'total'), 1)
    assert.deepEqual(at(second.body, 'data'), at(first.body, 'data'))
  })
})
