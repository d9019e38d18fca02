/**
 * What an export that reconciles needs from ThreatQ: status changes, expiry times,
 * deletes, relation removal, renames, and data-collection membership that follows all of them
 * live; the light membership scan; the `_sim` helper that rewrites a saved search.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SEED_EXPIRY_EVERY, seededExpiry } from './seed.js'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'
import { formatTq } from './time.js'

type Row = Record<string, unknown>

/** A simulator whose clock the test moves (epoch ms). */
function setup(seedIndicators = 0): { c: SimClient; tick: (seconds: number) => string } {
  let now = Date.UTC(2026, 2, 1, 12, 0, 0)
  // These tests read with=attack_pattern: the lenient variant (TQS-25).
  const c = new SimClient(
    createThreatqSim({ seedIndicators, clock: () => now, withUnderscoreBug: false }),
  )
  return {
    c,
    tick: (seconds) => {
      now += seconds * 1000
      return formatTq(Math.floor(now / 1000))
    },
  }
}

async function ok<T = unknown>(
  res: Promise<{ status: number; body: unknown }>,
  status = 200,
): Promise<T> {
  const r = await res
  assert.equal(r.status, status, JSON.stringify(r.body))
  return r.body as T
}

/** Creates indicators, a malware, an adversary and links; answers their ids. */
async function fixture(
  c: SimClient,
): Promise<{ ids: number[]; malware: number; adversary: number }> {
  const created = await ok<{ data: { id: number }[] }>(
    c.post('/api/indicators', [
      { value: '198.51.100.1', type: 'IP Address', status: 'Active' },
      { value: '198.51.100.2', type: 'IP Address', status: 'Active' },
      { value: 'evil.example', type: 'FQDN', status: 'Active' },
    ]),
    201,
  )
  const ids = created.data.map((d) => d.id)
  const malware = at(
    await ok(c.post('/api/malware', { value: 'EvilRAT' }), 201),
    'data',
    'id',
  ) as number
  const adversary = at(
    await ok(c.post('/api/adversaries', { name: 'APT Sync' }), 201),
    'data',
    'id',
  ) as number
  for (const id of ids) {
    await ok(c.post(`/api/indicators/${String(id)}/malware`, [{ id: malware }]), 201)
  }
  await ok(c.post(`/api/adversaries/${String(adversary)}/malware`, { id: malware }), 201)
  return { ids, malware, adversary }
}

/** Every id a cursor over `POST /api/indicators/query` serves, pages of `limit`. */
async function cursorIds(c: SimClient, query: unknown, limit = 2): Promise<number[]> {
  const out: number[] = []
  let mark = '*'
  for (;;) {
    const page = await ok<{ data: Row[]; nextCursorMark: string }>(
      c.post(
        `/api/indicators/query?limit=${String(limit)}&sort=id&cursorMark=${encodeURIComponent(mark)}`,
        query,
      ),
    )
    if (page.data.length === 0 || page.nextCursorMark === mark) return out
    out.push(...page.data.map((d) => d.id as number))
    mark = page.nextCursorMark
  }
}

async function hashIds(c: SimClient, hash: string): Promise<number[]> {
  const page = await ok<{ data: Row[] }>(
    c.get(`/api/indicators/query/hash/${hash}?limit=1000&cursorMark=*`),
  )
  return page.data.map((d) => d.id as number)
}

async function createSearch(c: SimClient, name: string, apiQuery: unknown): Promise<string> {
  const res = await ok(c.post('/api/search/query', { name, json: { api_query: apiQuery } }), 201)
  return at(res, 'data', 'hash') as string
}

describe('status changes', () => {
  it('PUT takes status_id, a name, {name}, a numeric string, or status_id as a query parameter; updated_at moves to the clock', async () => {
    const { c, tick } = setup()
    const { ids } = await fixture(c)
    const id = ids[0] ?? 0
    const path = `/api/indicators/${String(id)}`
    const forms: [string, unknown, string][] = [
      [path, { status_id: 5 }, 'Whitelisted'],
      [path, { status: 'Active' }, 'Active'],
      [path, { status: { name: 'Whitelisted' } }, 'Whitelisted'],
      [path, { status_id: '2' }, 'Expired'],
      [`${path}?status_id=4`, {}, 'Review'],
      [`${path}?status_id=1`, undefined, 'Active'],
    ]
    for (const [url, body, name] of forms) {
      const at_ = tick(60)
      const res = await ok(c.put(`${url}${url.includes('?') ? '&' : '?'}with=status`, body))
      assert.equal(at(res, 'data', 'status', 'name'), name, JSON.stringify(body))
      assert.equal(at(res, 'data', 'updated_at'), at_, 'updated_at is the clock of the change')
      const got = await ok(c.get(`${path}?with=status`))
      assert.equal(at(got, 'data', 'status_id'), at(got, 'data', 'status', 'id'))
      assert.equal(at(got, 'data', 'status', 'name'), name)
    }
  })

  it('an unknown status is a 400 in the validation shape and changes nothing', async () => {
    const { c, tick } = setup()
    const { ids } = await fixture(c)
    const path = `/api/indicators/${String(ids[0])}`
    const before = await ok(c.get(path))
    tick(60)
    for (const body of [{ status_id: 99 }, { status: 'Bogus' }, { status: { name: 'Nope' } }]) {
      const res = await c.put(path, body)
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, {
        data: { errors: { status_id: ['The selected status id is invalid.'] } },
      })
    }
    assert.equal((await c.put(`${path}?status_id=abc`, {})).status, 400)
    assert.deepEqual(await ok(c.get(path)), before)
  })
})

describe('expiry', () => {
  it('expires_at is set by PUT, create and consume, cleared by null, and shown everywhere', async () => {
    const { c, tick } = setup()
    const created = await ok(
      c.post('/api/indicators', [
        { value: 'a.example', type: 'FQDN', status: 'Active', expires_at: '2026-04-01 00:00:00' },
      ]),
      201,
    )
    const id = at(created, 'data', 0, 'id') as number
    assert.equal(at(created, 'data', 0, 'expires_at'), '2026-04-01 00:00:00')
    const consumed = await ok(
      c.post('/api/indicators/consume', [
        {
          value: 'b.example',
          type: { name: 'FQDN' },
          status: { name: 'Active' },
          expires_at: '2027-01-01T00:00:00Z',
        },
        { value: 'c.example', type: 'FQDN', status: 'Active' },
      ]),
    )
    const b = at(consumed, 'data', 0, 'id') as number
    const cId = at(consumed, 'data', 1, 'id') as number
    const stamp = tick(600)
    const put = await ok(
      c.put(`/api/indicators/${String(cId)}`, { expires_at: '2026-05-05 05:05:05' }),
    )
    assert.equal(at(put, 'data', 'expires_at'), '2026-05-05 05:05:05')
    assert.equal(at(put, 'data', 'updated_at'), stamp, 'changing the expiry bumps updated_at')
    const expected: Record<number, string | null> = {
      [id]: '2026-04-01 00:00:00',
      [b]: '2027-01-01 00:00:00',
      [cId]: '2026-05-05 05:05:05',
    }
    const check = (rows: Row[], label: string): void => {
      assert.equal(rows.length, 3, label)
      for (const r of rows)
        assert.equal(r.expires_at, expected[r.id as number], `${label} ${String(r.id)}`)
    }
    check(
      [
        at(await ok(c.get(`/api/indicators/${String(id)}`)), 'data') as Row,
        at(await ok(c.get(`/api/indicators/${String(b)}`)), 'data') as Row,
        at(await ok(c.get(`/api/indicators/${String(cId)}`)), 'data') as Row,
      ],
      'GET',
    )
    check(at(await ok(c.get('/api/indicators')), 'data') as Row[], 'list')
    for (const fields of [undefined, ['*'], ['*', 'attributes', 'sources'], ['id', 'expires_at']]) {
      check(
        at(await ok(c.post('/api/indicators/query?sort=id', { fields })), 'data') as Row[],
        `query fields=${JSON.stringify(fields)}`,
      )
    }
    // Filter and sort on it like any date.
    const soon = at(
      await ok(
        c.post('/api/indicators/query?sort=-expires_at', {
          filters: { expires_at: { '+lt': '2026-12-31 00:00:00' } },
        }),
      ),
      'data',
    ) as Row[]
    assert.deepEqual(
      soon.map((r) => r.id),
      [cId, id],
    )

    const stamp2 = tick(60)
    const cleared = await ok(c.put(`/api/indicators/${String(cId)}`, { expires_at: null }))
    assert.equal(at(cleared, 'data', 'expires_at'), null)
    assert.equal(at(cleared, 'data', 'updated_at'), stamp2)
    const bad = await c.put(`/api/indicators/${String(cId)}`, { expires_at: 'next tuesday-ish' })
    assert.equal(bad.status, 400)
    assert.deepEqual(at(bad.body, 'data', 'errors', 'expires_at'), [
      'The expires_at is not a valid date.',
    ])
  })

  it('seeds an expiry on every 50th indicator, all in the future of the clock, the same every time', async () => {
    const { c } = setup(1000)
    const rows = at(
      await ok(
        c.post('/api/indicators/query?limit=1000&sort=id', { fields: ['id', 'expires_at'] }),
      ),
      'data',
    ) as Row[]
    assert.equal(rows.length, 1000)
    const expiring = rows.filter((r) => r.expires_at !== null)
    assert.equal(expiring.length, 1000 / SEED_EXPIRY_EVERY)
    const now = formatTq(Date.UTC(2026, 2, 1, 12) / 1000)
    for (const r of expiring) {
      assert.ok((r.expires_at as string) > now, `${String(r.id)} expires in the future`)
      assert.equal(r.expires_at, formatTq(seededExpiry((r.id as number) - 1) ?? 0))
    }
    // Determinism: a second simulator seeds the same.
    const again = at(
      await ok(
        setup(1000).c.post('/api/indicators/query?limit=1000&sort=id', {
          fields: ['id', 'expires_at'],
        }),
      ),
      'data',
    )
    assert.deepEqual(again, rows)
  })

  it('seeds no expiry that would already be past at the clock', () => {
    const sim = createThreatqSim({ seedIndicators: 200, clock: () => Date.UTC(2040, 0, 1) })
    for (const obj of sim.store.table('indicators').all()) assert.equal(obj.expiresAt, null)
  })
})

describe('deletes', () => {
  it('DELETE answers 204 with no body; the object leaves lists, queries, saved searches and the relations of its neighbours', async () => {
    const { c } = setup()
    const { ids, malware } = await fixture(c)
    const [gone, kept1, kept2] = ids as [number, number, number]
    const hash = await createSearch(c, 'All', { filters: { status: 'Active' } })
    assert.deepEqual(await hashIds(c, hash), ids)
    const res = await c.delete(`/api/indicators/${String(gone)}`)
    assert.equal(res.status, 204)
    assert.equal(res.body, undefined, 'no body')
    assert.equal((await c.get(`/api/indicators/${String(gone)}`)).status, 404)
    assert.equal((await c.delete(`/api/indicators/${String(gone)}`)).status, 404)
    assert.deepEqual(
      (at(await ok(c.get('/api/indicators')), 'data') as Row[]).map((r) => r.id),
      [kept1, kept2],
    )
    assert.deepEqual(await cursorIds(c, { filters: { status: 'Active' } }), [kept1, kept2])
    assert.deepEqual(await hashIds(c, hash), [kept1, kept2])
    const related = at(
      await ok(c.get(`/api/malware/${String(malware)}/indicators`)),
      'data',
    ) as Row[]
    assert.deepEqual(
      related.map((r) => r.id),
      [kept1, kept2],
    )
    const embedded = at(
      await ok(c.get(`/api/malware/${String(malware)}?with=indicators`)),
      'data',
      'indicators',
    ) as Row[]
    assert.deepEqual(
      embedded.map((r) => r.id),
      [kept1, kept2],
    )
  })

  it('deletes in other collections too, and the indicators lose the link', async () => {
    const { c } = setup()
    const { ids, malware, adversary } = await fixture(c)
    assert.equal((await c.delete(`/api/malware/${String(malware)}`)).status, 204)
    assert.equal((await c.get(`/api/malware/${String(malware)}`)).status, 404)
    for (const id of ids) {
      assert.deepEqual(
        at(await ok(c.get(`/api/indicators/${String(id)}?with=malware`)), 'data', 'malware'),
        [],
      )
    }
    assert.equal(at(await ok(c.get(`/api/adversaries/${String(adversary)}/malware`)), 'total'), 0)
    assert.equal((await c.delete(`/api/adversaries/${String(adversary)}`)).status, 204)
    assert.equal(at(await ok(c.get('/_sim/state')), 'objects', 'relationships'), 0)
  })
})

describe('relations and renames', () => {
  it('DELETE /api/{type}/{id}/{related} with pivot ids unlinks both sides; links never move updated_at', async () => {
    const { c, tick } = setup()
    const { ids, malware } = await fixture(c)
    const id = ids[0] ?? 0
    const before = {
      indicator: at(await ok(c.get(`/api/indicators/${String(id)}`)), 'data', 'updated_at'),
      malware: at(await ok(c.get(`/api/malware/${String(malware)}`)), 'data', 'updated_at'),
    }
    tick(600)
    const links = at(await ok(c.get(`/api/indicators/${String(id)}/malware`)), 'data') as Row[]
    const pivot = at(links, 0, 'pivot', 'id') as number
    const res = await c.delete(`/api/indicators/${String(id)}/malware`, [pivot])
    assert.equal(res.status, 204)
    assert.equal(res.body, undefined)
    assert.equal(at(await ok(c.get(`/api/indicators/${String(id)}/malware`)), 'total'), 0)
    const other = at(await ok(c.get(`/api/malware/${String(malware)}/indicators`)), 'data') as Row[]
    assert.ok(!other.some((r) => r.id === id), 'the malware side lost the link too')
    // A pivot that is not this object's (already removed) is a 400.
    assert.equal((await c.delete(`/api/indicators/${String(id)}/malware`, [pivot])).status, 400)
    tick(600)
    await ok(c.post(`/api/indicators/${String(id)}/malware`, [{ id: malware }]), 201)
    const after = {
      indicator: at(await ok(c.get(`/api/indicators/${String(id)}`)), 'data', 'updated_at'),
      malware: at(await ok(c.get(`/api/malware/${String(malware)}`)), 'data', 'updated_at'),
    }
    assert.deepEqual(after, before, '[SIM] adding or removing a link changes neither updated_at')
  })

  it('renaming a malware (value) or an adversary (name) bumps its updated_at', async () => {
    const { c, tick } = setup()
    const { malware, adversary } = await fixture(c)
    const stamp = tick(90)
    const m = await ok(c.put(`/api/malware/${String(malware)}`, { value: 'EvilRAT v2' }))
    assert.equal(at(m, 'data', 'value'), 'EvilRAT v2')
    assert.equal(at(m, 'data', 'updated_at'), stamp)
    const a = await ok(c.put(`/api/adversaries/${String(adversary)}`, { name: 'APT Renamed' }))
    assert.equal(at(a, 'data', 'name'), 'APT Renamed')
    assert.equal(at(a, 'data', 'updated_at'), stamp)
    // The related side sees the new name and time in the embedded stubs of a light scan.
    const page = await ok(
      c.post('/api/indicators/query?with=malware', { fields: ['id', 'updated_at'] }),
    )
    const stub = at(page, 'data', 0, 'malware', 0) as Row
    assert.equal(stub.value, 'EvilRAT v2')
    assert.equal(stub.updated_at, stamp)
  })
})

describe('saved-search membership follows changes live', () => {
  it('status, delete, value and ids: through POST query cursors and GET query/hash', async () => {
    const { c } = setup()
    const { ids } = await fixture(c)
    const [a, b, d] = ids as [number, number, number]
    const byStatus = { criteria: { '+and': [{ status: 'Active' }] } }
    const byValue = { criteria: { value: '%.example' } }
    const byIds = { filters: { id: [a, d] } }
    const hashes = {
      status: await createSearch(c, 'Active', byStatus),
      value: await createSearch(c, 'Domains', byValue),
      ids: await createSearch(c, 'Chosen', byIds),
    }
    const check = async (status: number[], value: number[], idList: number[]): Promise<void> => {
      assert.deepEqual(await cursorIds(c, byStatus), status, 'status query')
      assert.deepEqual(await hashIds(c, hashes.status), status, 'status hash')
      assert.deepEqual(await cursorIds(c, byValue), value, 'value query')
      assert.deepEqual(await hashIds(c, hashes.value), value, 'value hash')
      assert.deepEqual(await cursorIds(c, byIds), idList, 'ids query')
      assert.deepEqual(await hashIds(c, hashes.ids), idList, 'ids hash')
    }
    await check([a, b, d], [d], [a, d])
    await ok(c.put(`/api/indicators/${String(b)}`, { status: 'Whitelisted' }))
    await check([a, d], [d], [a, d])
    await ok(c.put(`/api/indicators/${String(a)}`, { value: 'renamed.example', type: 'FQDN' }))
    await check([a, d], [a, d], [a, d])
    await ok(c.put(`/api/indicators/${String(b)}?status_id=1`, {}))
    await check([a, b, d], [a, d], [a, d])
    assert.equal((await c.delete(`/api/indicators/${String(d)}`)).status, 204)
    await check([a, b], [a], [a])
    // The status_name / status_id forms select alike.
    assert.deepEqual(await cursorIds(c, { filters: { status_name: 'Active' } }), [a, b])
    assert.deepEqual(await cursorIds(c, { filters: { status_id: [1] } }), [a, b])
  })

  it('embedded relations in results follow link changes', async () => {
    const { c } = setup()
    const { ids, malware } = await fixture(c)
    const id = ids[1] ?? 0
    const malwareOf = async (): Promise<unknown> =>
      (
        (
          at(
            await ok(c.post('/api/indicators/query?with=malware', { fields: ['id'] })),
            'data',
          ) as Row[]
        ).find((r) => r.id === id)?.malware as Row[]
      ).map((m) => m.id)
    assert.deepEqual(await malwareOf(), [malware])
    const pivot = at(
      await ok(c.get(`/api/indicators/${String(id)}/malware`)),
      'data',
      0,
      'pivot',
      'id',
    )
    await c.delete(`/api/indicators/${String(id)}/malware`, [pivot])
    assert.deepEqual(await malwareOf(), [])
  })
})

describe('_sim saved-search helper', () => {
  it('PUT /_sim/searches/{name} replaces json (same hash), creates when missing; POST /_sim/searches likewise', async () => {
    const { c, tick } = setup(100)
    const list = at(await ok(c.get('/api/search/query')), 'data') as Row[]
    const seeded = list[0] as Row
    const hash = seeded.hash as string
    assert.equal((await hashIds(c, hash)).length, 100)
    const stamp = tick(60)
    const emptied = await ok(
      c.raw('PUT', `/_sim/searches/${encodeURIComponent(seeded.name as string)}`, {
        json: { api_query: { filters: { id: [] } } },
      }),
    )
    assert.equal(at(emptied, 'data', 'hash'), hash)
    assert.equal(at(emptied, 'data', 'id'), seeded.id)
    assert.equal(at(emptied, 'data', 'updated_at'), stamp)
    assert.deepEqual(at(emptied, 'data', 'json'), { api_query: { filters: { id: [] } } })
    assert.deepEqual(await hashIds(c, hash), [], 'the collection is empty now')
    await ok(
      c.raw('PUT', `/_sim/searches/${encodeURIComponent(seeded.name as string)}`, {
        json: JSON.stringify({ api_query: { filters: { id: [3, 5] } } }),
      }),
    )
    assert.deepEqual(await hashIds(c, hash), [3, 5], 'a string json works as on real servers')

    const created = await ok(
      c.raw('POST', '/_sim/searches', {
        name: 'New DC',
        json: { api_query: { filters: { id: [7] } } },
      }),
      201,
    )
    assert.deepEqual(await hashIds(c, at(created, 'data', 'hash') as string), [7])
    const again = await ok(
      c.raw('POST', '/_sim/searches', {
        name: 'New DC',
        json: { api_query: { filters: { id: [8] } } },
      }),
    )
    assert.equal(at(again, 'data', 'hash'), at(created, 'data', 'hash'))
    assert.deepEqual(await hashIds(c, at(again, 'data', 'hash') as string), [8])
    assert.equal((await c.raw('PUT', '/_sim/searches/x', {})).status, 400, 'json is required')
    assert.equal(
      (await c.raw('POST', '/_sim/searches', { json: {} })).status,
      400,
      'name is required',
    )
  })
})

describe('light membership scan', () => {
  const WITH = 'type,status,adversaries,malware,tool,report,attack_pattern'
  const FIELDS = ['id', 'value', 'created_at', 'updated_at', 'expires_at']

  it('answers exactly the listed fields, type and status objects, and relation stubs', async () => {
    const { c } = setup(2000)
    const hashRes = at(await ok(c.get('/api/search/query')), 'data', 0, 'json') as string
    const apiQuery = (JSON.parse(hashRes) as { api_query: Row }).api_query
    let mark = '*'
    let seen = 0
    let stubs = 0
    const full = new Map<number, Row>()
    for (const row of at(
      await ok(
        c.post(
          '/api/indicators/query?limit=2000&sort=id&with=adversaries,malware,tool,report,attack_pattern',
          { ...apiQuery, fields: ['*', 'attributes', 'sources'] },
        ),
      ),
      'data',
    ) as Row[]) {
      full.set(row.id as number, row)
    }
    for (;;) {
      const page = await ok<{ data: Row[]; nextCursorMark: string; total: number }>(
        c.post(
          `/api/indicators/query?limit=1000&sort=id&cursorMark=${encodeURIComponent(mark)}&with=${WITH}`,
          { ...apiQuery, fields: FIELDS },
        ),
      )
      if (page.data.length === 0) break
      for (const row of page.data) {
        seen++
        assert.deepEqual(Object.keys(row), [
          ...FIELDS,
          'type',
          'status',
          'adversaries',
          'malware',
          'tool',
          'report',
          'attack_pattern',
        ])
        const ref = full.get(row.id as number)
        assert.ok(ref !== undefined)
        for (const f of FIELDS) assert.equal(row[f], ref[f], f)
        assert.deepEqual(row.type, { id: ref.type_id, name: (ref.type as Row).name })
        assert.deepEqual(row.status, { id: ref.status_id, name: (ref.status as Row).name })
        for (const rel of ['adversaries', 'malware', 'tool', 'report', 'attack_pattern']) {
          const got = row[rel] as Row[]
          const want = ref[rel] as Row[]
          assert.deepEqual(
            got.map((s) => s.id),
            want.map((s) => s.id),
            rel,
          )
          for (const [i, s] of got.entries()) {
            stubs++
            assert.deepEqual(Object.keys(s), [
              'id',
              rel === 'adversaries' ? 'name' : 'value',
              'created_at',
              'updated_at',
              'pivot',
            ])
            assert.equal(s.updated_at, want[i]?.updated_at)
            assert.equal(s.created_at, want[i]?.created_at)
            assert.deepEqual(s.pivot, want[i]?.pivot)
          }
        }
      }
      mark = page.nextCursorMark
    }
    assert.equal(seen, full.size)
    assert.ok(stubs > 100, `relations were exercised (${String(stubs)})`)
  })

  it('the full export form is unchanged but for expires_at', async () => {
    const { c } = setup(200)
    const page = await ok<{ data: Row[] }>(
      c.post(
        '/api/indicators/query?limit=500&sort=id&cursorMark=*&with=sources.tlp,adversaries,malware,tool,report,attack_pattern',
        { fields: ['*', 'attributes', 'sources'] },
      ),
    )
    const first = page.data[0] as Row
    assert.deepEqual(Object.keys(first), [
      'id',
      'value',
      'class',
      'hash',
      'type_id',
      'status_id',
      'description',
      'score',
      'published_at',
      'created_at',
      'updated_at',
      'touched_at',
      'last_detected_at',
      'expires_at',
      'expired_at',
      'expires_calculated_at',
      'type',
      'status',
      'attributes',
      'sources',
      'adversaries',
      'malware',
      'tool',
      'report',
      'attack_pattern',
    ])
    assert.ok(
      page.data.some((r) => r.expires_at !== null),
      'seeded expiries show',
    )
    const malware = page.data.flatMap((r) => r.malware as Row[])[0]
    assert.ok(malware !== undefined)
    assert.ok(
      'object_code' in malware && 'description' in malware,
      'related objects are whole in the full form',
    )
  })
})
