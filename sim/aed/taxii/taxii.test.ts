import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES } from '../../../src/taxii/types.js'
import { DEFAULTS, type AedSim } from '../app.js'
import { arr, call, indexBy, newSim, obj, type Reply } from '../test-support.js'
import { collectionIdFor, MAX_STATUSES } from './store.js'

const T20 = MEDIA_TYPES['2.0'].taxii
const S20 = MEDIA_TYPES['2.0'].stix
const T21 = MEDIA_TYPES['2.1'].taxii
const COLLECTION = collectionIdFor(DEFAULTS.collection)
const ROOT20 = '/taxii/aed/'
const ROOT21 = '/taxii2/aed/'
const OBJECTS20 = `${ROOT20}collections/${COLLECTION}/objects/`
const OBJECTS21 = `${ROOT21}collections/${COLLECTION}/objects/`

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const AUTH = basic(DEFAULTS.taxiiUser, DEFAULTS.taxiiPassword)

interface TaxiiCall {
  accept?: string
  contentType?: string
  body?: unknown
  auth?: string | null
  headers?: Record<string, string>
}

async function taxii(sim: AedSim, method: string, path: string, o: TaxiiCall = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers }
  if (o.accept !== undefined) headers.accept = o.accept
  if (o.contentType !== undefined) headers['content-type'] = o.contentType
  const auth = o.auth === undefined ? AUTH : o.auth
  if (auth !== null) headers.authorization = auth
  return call(sim, method, path, {
    headers,
    token: null,
    ...(o.body === undefined ? {} : { body: o.body }),
  })
}

function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    id: `indicator--${uuidv4()}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    labels: ['malicious-activity'],
    pattern,
    valid_from: '2026-01-01T00:00:00Z',
    ...extra,
  }
}

const bundle = (objects: unknown[]): Record<string, unknown> => ({
  type: 'bundle',
  id: `bundle--${uuidv4()}`,
  spec_version: '2.0',
  objects,
})

const push20 = (sim: AedSim, objects: unknown[], o: TaxiiCall = {}): Promise<Reply> =>
  taxii(sim, 'POST', OBJECTS20, { accept: T20, contentType: S20, body: bundle(objects), ...o })

const push21 = (sim: AedSim, objects: unknown[]): Promise<Reply> =>
  taxii(sim, 'POST', OBJECTS21, { accept: T21, contentType: T21, body: { objects } })

async function behave(sim: AedSim, behaviour: Record<string, unknown>): Promise<void> {
  const res = await sim.app.request('/_sim/taxii', {
    method: 'POST',
    body: JSON.stringify(behaviour),
  })
  assert.equal(res.status, 200)
}

const ips = (n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) =>
    indicator(`[ipv4-addr:value = '198.51.100.${String(i + 1)}']`),
  )

describe('aed-sim TAXII 2.0: discovery, auth and media types', () => {
  it('requires HTTP Basic credentials of a TAXII client (401 with a challenge)', async () => {
    const sim = newSim()
    for (const auth of [null, basic(DEFAULTS.taxiiUser, 'wrong'), 'Bearer x']) {
      const res = await taxii(sim, 'GET', '/taxii/', { accept: T20, auth })
      assert.equal(res.status, 401)
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/)
      assert.equal(obj(res.body).title, 'Unauthorized')
      assert.equal(res.headers.get('content-type'), T20)
    }
  })

  it('answers 406 unless Accept names the TAXII media type with version 2.0', async () => {
    const sim = newSim()
    for (const accept of [
      'application/json',
      '*/*',
      'application/vnd.oasis.taxii+json',
      'application/vnd.oasis.taxii+json; version=2.1',
    ]) {
      assert.equal((await taxii(sim, 'GET', '/taxii/', { accept })).status, 406, accept)
    }
    const ok = await taxii(sim, 'GET', '/taxii/', {
      accept: 'application/json, application/vnd.oasis.taxii+json;version=2.0',
    })
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('content-type'), T20)
    assert.deepEqual(obj(ok.body).api_roots, [`http://localhost${ROOT20}`])
    assert.equal(typeof obj(ok.body).title, 'string')
  })

  it('describes the API root (versions, max_content_length) and 404s an unknown root', async () => {
    const sim = newSim()
    const root = await taxii(sim, 'GET', ROOT20, { accept: T20 })
    assert.deepEqual(obj(root.body).versions, ['taxii-2.0'])
    assert.equal(typeof obj(root.body).max_content_length, 'number')
    const other = await taxii(sim, 'GET', '/taxii/other/', { accept: T20 })
    assert.equal(other.status, 404)
    assert.equal(obj(other.body).title, 'Not Found')
  })

  it('lists collections by UUID with the client’s can_read/can_write, and enforces them (403)', async () => {
    const sim = newSim()
    const other = obj(
      (
        await call(sim, 'POST', '/api/aed/v3/taxii/configuration/collections/', {
          body: { title: 'Other' },
        })
      ).body,
    )
    const reader = obj(
      (
        await call(sim, 'POST', '/api/aed/v3/taxii/configuration/clients/', {
          body: { username: 'reader', password: 'pw', canWrite: false, collections: [COLLECTION] },
        })
      ).body,
    )
    assert.equal(reader.canWrite, false)
    const asReader = { auth: basic('reader', 'pw') }
    const list = arr(
      obj((await taxii(sim, 'GET', `${ROOT20}collections/`, { accept: T20, ...asReader })).body)
        .collections,
    )
    const byTitle = indexBy(list, 'title')
    assert.deepEqual(
      [
        byTitle[DEFAULTS.collection]?.id,
        byTitle[DEFAULTS.collection]?.can_read,
        byTitle[DEFAULTS.collection]?.can_write,
      ],
      [COLLECTION, true, false],
    )
    assert.deepEqual([byTitle.Other?.can_read, byTitle.Other?.can_write], [false, false])
    assert.deepEqual(byTitle.Other?.media_types, [S20])

    assert.equal((await push20(sim, ips(1), asReader)).status, 403, 'no write')
    const read = await taxii(sim, 'GET', `${ROOT20}collections/${String(other.id)}/objects/`, {
      accept: S20,
      ...asReader,
    })
    assert.equal(read.status, 403, 'no read')
    const unknown = await taxii(sim, 'GET', `${ROOT20}collections/${uuidv4()}/objects/`, {
      accept: S20,
    })
    assert.equal(unknown.status, 404)
  })
})

describe('aed-sim TAXII 2.0: adding objects', () => {
  it('checks the Content-Type (415), the body size (413) and the body shape (400)', async () => {
    const sim = newSim()
    assert.equal((await push20(sim, ips(1), { contentType: 'application/json' })).status, 415)
    assert.equal((await push20(sim, ips(1), { contentType: T21 })).status, 415)
    assert.equal(
      (await push20(sim, ips(1), { contentType: 'application/vnd.oasis.stix+json' })).status,
      202,
      'version may be left out',
    )
    assert.equal(
      (await push20(sim, ips(1), { accept: S20 })).status,
      406,
      'the response is a TAXII status',
    )
    await behave(sim, { maxContentLength: 300 })
    const big = await push20(sim, ips(5))
    assert.equal(big.status, 413)
    assert.equal(obj(big.body).title, 'Request Entity Too Large')
    await behave(sim, { maxContentLength: 10_000 })
    assert.equal(
      (await taxii(sim, 'POST', OBJECTS20, { accept: T20, contentType: S20, body: '' })).status,
      413,
    )
    assert.equal(
      (await taxii(sim, 'POST', OBJECTS20, { accept: T20, contentType: S20, body: '{nope' }))
        .status,
      400,
    )
    assert.equal(
      (
        await taxii(sim, 'POST', OBJECTS20, {
          accept: T20,
          contentType: S20,
          body: { objects: [] },
        })
      ).status,
      400,
    )
  })

  it('answers 202 with a status resource: successes as ids, failures as {id, message}', async () => {
    const sim = newSim()
    const good = ips(2)
    const bad = {
      type: 'indicator',
      id: 'indicator--not-a-uuid',
      modified: '2026-01-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '1.1.1.1']",
    }
    const res = await push20(sim, [...good, bad])
    assert.equal(res.status, 202)
    assert.equal(res.headers.get('content-type'), T20)
    const status = obj(res.body)
    assert.equal(status.status, 'complete')
    assert.deepEqual(
      [status.total_count, status.success_count, status.failure_count, status.pending_count],
      [3, 2, 1, 0],
    )
    assert.deepEqual(
      status.successes,
      good.map((o) => o.id),
    )
    assert.equal(arr(status.failures)[0]?.id, 'indicator--not-a-uuid')
    assert.equal(typeof arr(status.failures)[0]?.message, 'string')
    assert.deepEqual(status.pendings, [])
  })

  it('serves the status at status/<id>/ and at the slashless status/<id> taxii2-client builds', async () => {
    const sim = newSim()
    const id = String(obj((await push20(sim, ips(1))).body).id)
    for (const path of [`${ROOT20}status/${id}/`, `${ROOT20}status/${id}`]) {
      const res = await taxii(sim, 'GET', path, { accept: T20 })
      assert.equal(res.status, 200, path)
      assert.equal(obj(res.body).id, id)
    }
    assert.equal(
      (await taxii(sim, 'GET', `${ROOT20}status/${uuidv4()}/`, { accept: T20 })).status,
      404,
    )
  })

  it('keeps versions by modified: a duplicate is a failure, a newer one a new version', async () => {
    const sim = newSim()
    const v1 = indicator("[ipv4-addr:value = '203.0.113.1']")
    const v2 = {
      ...v1,
      modified: '2026-02-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '203.0.113.2']",
    }
    await push20(sim, [v1])
    const dup = obj((await push20(sim, [v1])).body)
    assert.deepEqual([dup.success_count, dup.failure_count], [0, 1])
    assert.equal(obj((await push20(sim, [v2])).body).success_count, 1)
    const latest = arr(obj((await taxii(sim, 'GET', OBJECTS20, { accept: S20 })).body).objects)
    assert.deepEqual(
      latest.map((o) => o.modified),
      ['2026-02-01T00:00:00.000Z'],
      'match[version] defaults to last',
    )
    const all = arr(
      obj((await taxii(sim, 'GET', `${OBJECTS20}?match[version]=all`, { accept: S20 })).body)
        .objects,
    )
    assert.equal(all.length, 2)
    const first = arr(
      obj((await taxii(sim, 'GET', `${OBJECTS20}?match[version]=first`, { accept: S20 })).body)
        .objects,
    )
    assert.deepEqual(
      first.map((o) => o.modified),
      ['2026-01-01T00:00:00.000Z'],
    )
    const manifest = arr(
      obj(
        (
          await taxii(
            sim,
            'GET',
            `${ROOT20}collections/${COLLECTION}/manifest/?match[version]=all`,
            { accept: T20 },
          )
        ).body,
      ).objects,
    )
    assert.deepEqual(manifest[0]?.versions, [
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ])
    assert.deepEqual(manifest[0].media_types, [S20])
    assert.equal(
      sim.state.taxii.enforcementIndex().matchAddress('203.0.113.2', '2026-03-01T00:00:00Z')
        ?.indicatorId,
      v1.id,
      'latest wins',
    )
    assert.equal(
      sim.state.taxii.enforcementIndex().matchAddress('203.0.113.1', '2026-03-01T00:00:00Z'),
      undefined,
    )
  })

  it('keeps the latest statuses only, answering 404 for older ones', async () => {
    const sim = newSim()
    const first = String(obj((await push20(sim, ips(1))).body).id)
    const collection = sim.state.taxii.collections.get(COLLECTION)
    assert.ok(collection)
    for (let i = 0; i < MAX_STATUSES; i++) sim.state.taxii.addObjects(collection, [], '2.0')
    assert.equal(sim.state.taxii.statuses.size, MAX_STATUSES)
    assert.equal(
      (await taxii(sim, 'GET', `${ROOT20}status/${first}/`, { accept: T20 })).status,
      404,
    )
  })

  it('keeps a status pending for the configured number of polls', async () => {
    const sim = newSim()
    await behave(sim, { pendingPolls: 2 })
    const posted = obj((await push20(sim, ips(2))).body)
    assert.equal(posted.status, 'pending')
    assert.deepEqual(
      [posted.pending_count, posted.success_count, arr(posted.pendings).length],
      [2, 0, 2],
    )
    const poll = async (): Promise<Record<string, unknown>> =>
      obj((await taxii(sim, 'GET', `${ROOT20}status/${String(posted.id)}`, { accept: T20 })).body)
    assert.equal((await poll()).status, 'pending')
    assert.equal((await poll()).status, 'pending')
    const done = await poll()
    assert.deepEqual([done.status, done.success_count, done.pending_count], ['complete', 2, 0])
  })

  it('rejects chosen objects (partial failure) by id, type or pattern', async () => {
    const sim = newSim()
    const objects = ips(3)
    await behave(sim, {
      reject: [
        { id: String(objects[0]?.id), message: 'quota' },
        { pattern: "198\\.51\\.100\\.3'" },
      ],
    })
    const status = obj((await push20(sim, objects)).body)
    assert.deepEqual([status.success_count, status.failure_count], [1, 2])
    assert.deepEqual(arr(status.failures)[0], { id: objects[0]?.id, message: 'quota' })
  })
})

describe('aed-sim TAXII 2.0: getting objects', () => {
  it('pages with Range: 206 + Content-Range, 416 past the end, and the taxii2-client retry form', async () => {
    const sim = newSim()
    await push20(sim, ips(5))
    const page = await taxii(sim, 'GET', OBJECTS20, {
      accept: S20,
      headers: { range: 'items=0-1' },
    })
    assert.equal(page.status, 206)
    assert.equal(page.headers.get('content-range'), 'items 0-1/5')
    assert.equal(page.headers.get('content-type'), S20)
    assert.equal(page.headers.get('accept-ranges'), 'items')
    assert.match(page.headers.get('x-taxii-date-added-first') ?? '', /^\d{4}-\d\d-\d\dT.*Z$/)
    assert.equal(
      page.headers.get('x-taxii-date-added-last'),
      page.headers.get('x-taxii-date-added-first'),
    )
    assert.equal(arr(obj(page.body).objects).length, 2)
    const tail = await taxii(sim, 'GET', OBJECTS20, {
      accept: S20,
      headers: { range: 'items 4-10' },
    })
    assert.equal(tail.headers.get('content-range'), 'items 4-4/5')
    const past = await taxii(sim, 'GET', OBJECTS20, {
      accept: S20,
      headers: { range: 'items=5-6' },
    })
    assert.equal(past.status, 416)
    assert.equal(past.headers.get('content-range'), 'items */5')
    assert.equal(
      (await taxii(sim, 'GET', OBJECTS20, { accept: S20, headers: { range: 'bytes=0-1' } })).status,
      400,
    )
    await behave(sim, { maxPageSize: 2 })
    const unasked = await taxii(sim, 'GET', OBJECTS20, { accept: S20 })
    assert.equal(unasked.status, 206, 'more than a page without a Range')
    assert.equal(unasked.headers.get('content-range'), 'items 0-1/5')
  })

  it('filters on added_after, match[id] and match[type], and wants the STIX media type', async () => {
    const sim = newSim()
    const first = ips(2)
    const firstStatus = obj((await push20(sim, first)).body)
    const later = [
      {
        type: 'malware',
        id: `malware--${uuidv4()}`,
        created: '2026-01-01T00:00:00.000Z',
        modified: '2026-01-01T00:00:00.000Z',
        name: 'x',
        labels: ['trojan'],
      },
    ]
    await push20(sim, later)
    const manifest = arr(
      obj(
        (await taxii(sim, 'GET', `${ROOT20}collections/${COLLECTION}/manifest/`, { accept: T20 }))
          .body,
      ).objects,
    )
    const firstAdded = String(manifest[0]?.date_added)
    assert.equal(firstStatus.success_count, 2)
    const after = arr(
      obj((await taxii(sim, 'GET', `${OBJECTS20}?added_after=${firstAdded}`, { accept: S20 })).body)
        .objects,
    )
    assert.deepEqual(
      after.map((o) => o.type),
      ['malware'],
    )
    const byId = arr(
      obj(
        (await taxii(sim, 'GET', `${OBJECTS20}?match[id]=${String(first[1]?.id)}`, { accept: S20 }))
          .body,
      ).objects,
    )
    assert.deepEqual(
      byId.map((o) => o.id),
      [first[1]?.id],
    )
    const byType = arr(
      obj((await taxii(sim, 'GET', `${OBJECTS20}?match[type]=malware,tool`, { accept: S20 })).body)
        .objects,
    )
    assert.equal(byType.length, 1)
    const one = await taxii(sim, 'GET', `${OBJECTS20}${String(first[0]?.id)}/`, { accept: S20 })
    assert.equal(arr(obj(one.body).objects)[0]?.id, first[0]?.id)
    assert.equal(
      (await taxii(sim, 'GET', `${OBJECTS20}indicator--${uuidv4()}/`, { accept: S20 })).status,
      404,
    )
    assert.equal((await taxii(sim, 'GET', OBJECTS20, { accept: T20 })).status, 406)
    assert.equal(
      (await taxii(sim, 'GET', `${OBJECTS20}?added_after=yesterday`, { accept: S20 })).status,
      400,
    )
  })

  it('returns an empty bundle (no objects key) for an empty collection', async () => {
    const res = await taxii(newSim(), 'GET', OBJECTS20, { accept: S20 })
    assert.equal(res.status, 200)
    assert.equal(obj(res.body).type, 'bundle')
    assert.ok(!('objects' in obj(res.body)))
  })
})

describe('aed-sim TAXII: enforcement of pushed indicators', () => {
  it('turns ip, domain and url indicators into entries; others are stored with a reason', async () => {
    const sim = newSim()
    const objects = [
      indicator("[ipv4-addr:value = '198.51.100.0/24']"),
      indicator("[domain-name:value = 'evil.example' OR url:value = 'http://evil.example/it\\'s']"),
      indicator("[file:hashes.'SHA-256' = 'aa']"),
    ]
    const status = obj((await push20(sim, objects)).body)
    assert.equal(status.success_count, 3, '[SIM] not-enforceable objects are accepted')
    const view = await call(
      sim,
      'GET',
      `/api/aed/v3/taxii/configuration/collections/${COLLECTION}/objects/?perPage=0`,
    )
    const items = indexBy(arr(obj(view.body).objects), 'id')
    assert.deepEqual(items[String(objects[0]?.id)]?.enforcement, [
      { matchType: 'ip', value: '198.51.100.0/24' },
    ])
    assert.deepEqual(items[String(objects[1]?.id)]?.enforcement, [
      { matchType: 'dns', value: 'evil.example' },
      { matchType: 'url', value: "evil.example/it's" },
    ])
    assert.equal(items[String(objects[2]?.id)]?.enforced, false)
    assert.match(
      String(items[String(objects[2]?.id)]?.notEnforcedReason),
      /not an enforceable match type/,
    )
    const collections = arr(
      obj((await call(sim, 'GET', '/api/aed/v3/taxii/configuration/collections/')).body)
        .collections,
    )
    assert.deepEqual(
      [
        collections[0]?.id,
        collections[0]?.title,
        collections[0]?.objectCount,
        collections[0]?.enforcedCount,
      ],
      [COLLECTION, DEFAULTS.collection, 3, 2],
    )
  })

  it('stops enforcing an indicator once a revoked version arrives', async () => {
    const sim = newSim()
    const v1 = indicator("[ipv4-addr:value = '192.0.2.99']")
    await push20(sim, [v1])
    assert.equal(sim.state.counts().stixEnforcementEntries, 1)
    await push20(sim, [{ ...v1, modified: '2026-01-02T00:00:00.000Z', revoked: true }])
    assert.equal(sim.state.counts().stixEnforcementEntries, 0)
  })

  it('can reject what it cannot enforce instead ([SIM] switch)', async () => {
    const sim = newSim({ taxiiBehaviour: { unsupportedPatterns: 'reject' } })
    const status = obj(
      (await push20(sim, [indicator("[email-addr:value = 'a@b.example']"), ...ips(1)])).body,
    )
    assert.deepEqual([status.success_count, status.failure_count], [1, 1])
    assert.match(String(arr(status.failures)[0]?.message), /not enforceable/)
  })
})

describe('aed-sim TAXII 2.1', () => {
  it('serves discovery at /taxii2/ with the 2.1 media type only', async () => {
    const sim = newSim({ taxii: 'both' })
    const ok = await taxii(sim, 'GET', '/taxii2/', {
      accept: 'application/taxii+json; version=2.1',
    })
    assert.equal(ok.status, 200)
    assert.deepEqual(obj(ok.body).api_roots, [`http://localhost${ROOT21}`])
    assert.equal((await taxii(sim, 'GET', '/taxii2/', { accept: T20 })).status, 406)
    assert.equal(
      (await taxii(sim, 'GET', '/taxii2/', { accept: 'application/taxii+json' })).status,
      406,
    )
    const root = await taxii(sim, 'GET', ROOT21, { accept: T21 })
    assert.deepEqual(obj(root.body).versions, ['application/taxii+json;version=2.1'])
    assert.equal(
      (await taxii(newSim(), 'GET', '/taxii2/', { accept: T21 })).status,
      404,
      'not served by default',
    )
  })

  it('adds an envelope; the status lists {id, version} and {id, version, message}', async () => {
    const sim = newSim({ taxii: '2.1' })
    const good = indicator("[ipv4-addr:value = '10.0.0.1']", {
      spec_version: '2.1',
      pattern_type: 'stix',
    })
    const res = await push21(sim, [good, { type: 'indicator', id: 'bad' }])
    assert.equal(res.status, 202)
    const status = obj(res.body)
    assert.deepEqual(status.successes, [{ id: good.id, version: good.modified }])
    assert.equal(arr(status.failures)[0]?.id, 'bad')
    assert.equal(typeof arr(status.failures)[0]?.message, 'string')
    const wrongType = await taxii(sim, 'POST', OBJECTS21, {
      accept: T21,
      contentType: S20,
      body: { objects: [] },
    })
    assert.equal(wrongType.status, 415)
  })

  it('pages with limit / next / more', async () => {
    const sim = newSim({ taxii: '2.1' })
    await push21(sim, ips(5))
    const seen: unknown[] = []
    let query = '?limit=2'
    for (let i = 0; i < 5; i++) {
      const page = obj((await taxii(sim, 'GET', `${OBJECTS21}${query}`, { accept: T21 })).body)
      seen.push(...arr(page.objects).map((o) => o.id))
      if (page.more !== true) break
      query = `?limit=2&next=${String(page.next)}`
    }
    assert.equal(new Set(seen).size, 5)
    assert.equal((await taxii(sim, 'GET', `${OBJECTS21}?limit=0`, { accept: T21 })).status, 400)
    assert.equal((await taxii(sim, 'GET', `${OBJECTS21}?next=zzz`, { accept: T21 })).status, 400)
    const manifest = obj(
      (await taxii(sim, 'GET', `${ROOT21}collections/${COLLECTION}/manifest/`, { accept: T21 }))
        .body,
    )
    assert.equal(arr(manifest.objects)[0]?.version, '2026-01-01T00:00:00.000Z')
  })

  it('filters on match[spec_version]', async () => {
    const sim = newSim({ taxii: '2.1' })
    const v21 = indicator("[ipv4-addr:value = '10.0.0.1']", { spec_version: '2.1' })
    await push21(sim, [v21, indicator("[ipv4-addr:value = '10.0.0.2']")])
    const only21 = obj(
      (await taxii(sim, 'GET', `${OBJECTS21}?match[spec_version]=2.1`, { accept: T21 })).body,
    )
    assert.deepEqual(
      arr(only21.objects).map((o) => o.id),
      [v21.id],
    )
  })

  it('lists the versions of an object and deletes it', async () => {
    const sim = newSim({ taxii: '2.1' })
    const v1 = indicator("[ipv4-addr:value = '10.0.0.1']", { spec_version: '2.1' })
    await push21(sim, [v1, { ...v1, modified: '2026-03-01T00:00:00.000Z' }])
    const versions = await taxii(sim, 'GET', `${OBJECTS21}${String(v1.id)}/versions/`, {
      accept: T21,
    })
    assert.deepEqual(obj(versions.body).versions, [
      '2026-01-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ])
    assert.equal(
      (await taxii(sim, 'DELETE', `${OBJECTS21}${String(v1.id)}/`, { accept: T21 })).status,
      200,
    )
    assert.equal(
      (await taxii(sim, 'GET', `${OBJECTS21}${String(v1.id)}/`, { accept: T21 })).status,
      404,
    )
    assert.equal(sim.state.counts().stixEnforcementEntries, 0)
  })
})
