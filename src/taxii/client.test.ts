import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { RemoteError } from '../http/errors.js'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import type { StixObject } from '../stix/types.js'
import {
  createTaxiiClient,
  TaxiiClient,
  TaxiiUsageError,
  type TaxiiClientOptions,
} from './client.js'
import {
  createTaxiiSim,
  TEST_COLLECTIONS,
  TEST_ROOT,
  type TaxiiSimOptions,
} from '../../sim/taxii/app.js'
import type { TaxiiVersion } from './types.js'

const WRITABLE = TEST_COLLECTIONS[0]?.title ?? ''
const READ_ONLY = TEST_COLLECTIONS[1]?.title ?? ''

/** Indicators of varied sizes, with multi-byte text so byte and character counts differ. */
function indicator(n: number, version: TaxiiVersion): StixObject {
  return {
    type: 'indicator',
    ...(version === '2.1'
      ? { spec_version: '2.1', pattern_type: 'stix' }
      : { labels: ['malicious-activity'] }),
    id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: `bad host ${String(n)} — naïve 🚫 ${'é'.repeat(n % 40)}`,
    pattern: `[ipv4-addr:value = '10.${String((n >> 16) & 255)}.${String((n >> 8) & 255)}.${String(n & 255)}']`,
    valid_from: '2026-01-01T00:00:00.000Z',
  }
}

async function* indicators(count: number, version: TaxiiVersion, pulled?: { n: number }) {
  for (let i = 0; i < count; i++) {
    if (pulled !== undefined) pulled.n++
    yield await Promise.resolve(indicator(i, version))
  }
}

async function drain<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

interface Harness {
  client: TaxiiClient
  state: ReturnType<typeof createTaxiiSim>['state']
  server: RunningServer
  /** Most POSTs the server was handling at once. */
  peakPosts: () => number
  slept: number[]
  close(): Promise<void>
}

/** The test server on a real loopback socket, and a client for it with a fake poll clock. */
async function start(
  server: TaxiiSimOptions,
  client: Partial<TaxiiClientOptions> = {},
  hooks: { onPost?: () => void; postDelayMs?: number } = {},
): Promise<Harness> {
  const { app, state } = createTaxiiSim(server)
  let posts = 0
  let peak = 0
  const running = await serveApp(
    async (request) => {
      if (request.method !== 'POST') return app.fetch(request)
      hooks.onPost?.()
      posts++
      peak = Math.max(peak, posts)
      try {
        if (hooks.postDelayMs !== undefined)
          await new Promise((r) => setTimeout(r, hooks.postDelayMs))
        return await app.fetch(request)
      } finally {
        posts--
      }
    },
    { host: '127.0.0.1', port: 0, tls: false },
  )
  let now = 0
  const slept: number[] = []
  const taxii = createTaxiiClient({
    version: server.version,
    url: running.url,
    username: 'user',
    password: 'pass',
    pollDeps: { now: () => now, sleep: (ms) => (slept.push(ms), (now += ms), Promise.resolve()) },
    retry: { maxAttempts: 1 },
    ...client,
  })
  return {
    client: taxii,
    state,
    server: running,
    peakPosts: () => peak,
    slept,
    close: async () => {
      await taxii.close()
      await running.close()
    },
  }
}

const posts = (log: string[]) => log.filter((l) => l.startsWith('POST '))

for (const version of ['2.0', '2.1'] as const satisfies TaxiiVersion[]) {
  describe(`TAXII ${version} client end to end`, () => {
    const open: Harness[] = []
    const harness = async (...args: Parameters<typeof start>) => {
      const h = await start(...args)
      open.push(h)
      return h
    }
    after(() => Promise.all(open.map((h) => h.close())))

    it('discovers, finds the collection, adds 3000 objects in split requests, reads them back paged, and lists the manifest', async () => {
      const maxContentLength = 64 * 1024
      const h = await harness({ version, maxContentLength, maxPageSize: 400 })
      const discovery = await h.client.discover()
      assert.equal(discovery.title, 'Test TAXII server')
      const rootUrl = discovery.default ?? ''
      assert.equal(rootUrl, `${h.server.url}/${TEST_ROOT}/`)
      const root = await h.client.apiRoot(rootUrl)
      assert.equal(root.max_content_length, maxContentLength)
      const collection = await h.client.collection(rootUrl, WRITABLE)
      assert.equal(collection.maxContentLength, maxContentLength)

      const pulled = { n: 0 }
      let pulledAtFirstPost = -1
      h.state.log.length = 0
      const perRequest: number[] = []
      const result = await h.client.addObjects(collection, indicators(3000, version, pulled), {
        onRequest: (r) => {
          perRequest.push(r.success)
          if (pulledAtFirstPost < 0) pulledAtFirstPost = pulled.n
        },
      })
      assert.deepEqual(result, {
        total: 3000,
        success: 3000,
        failure: 0,
        pending: 0,
        failures: [],
        pendings: [],
      })
      const sent = posts(h.state.log)
      assert.ok(sent.length >= 6, `expected several requests, got ${String(sent.length)}`)
      assert.equal(perRequest.length, sent.length)
      assert.equal(
        perRequest.reduce((a, b) => a + b, 0),
        3000,
      )
      assert.ok(
        pulledAtFirstPost < 3000,
        'the source was drained before the first request completed',
      )

      h.state.log.length = 0
      const back = await drain(h.client.objects(collection, {}, { pageSize: 250 }))
      assert.equal(back.length, 3000)
      assert.deepEqual(
        back.map((o) => o.id),
        Array.from({ length: 3000 }, (_, i) => indicator(i, version).id),
      )
      assert.deepEqual(back[7], indicator(7, version))
      const gets = h.state.log.filter((l) => l.startsWith('GET '))
      assert.equal(gets.length, 12)
      if (version === '2.1') assert.match(gets[1] ?? '', /limit=250&next=250$/)

      const manifest = await drain(h.client.manifest(collection, {}, { pageSize: 1000 }))
      assert.equal(manifest.length, 3000)
      assert.equal(manifest[0]?.id, indicator(0, version).id)
      assert.equal(new Set(manifest.map((m) => m.date_added)).size, 3000)
    })

    it('filters by type, id and added_after', async () => {
      const h = await harness({ version })
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const objects = [
        indicator(1, version),
        indicator(2, version),
        {
          ...indicator(3, version),
          type: 'malware',
          id: 'malware--00000000-0000-4000-8000-000000000003',
        },
      ]
      await h.client.addObjects(collection, objects)
      const ids = async (filters: Parameters<TaxiiClient['objects']>[1]) =>
        (await drain(h.client.objects(collection, filters))).map((o) => o.id)
      assert.deepEqual(await ids({ type: 'malware' }), [objects[2]?.id])
      assert.deepEqual(await ids({ id: [objects[0]?.id ?? '', objects[2]?.id ?? ''] }), [
        objects[0]?.id,
        objects[2]?.id,
      ])
      const manifest = await drain(h.client.manifest(collection))
      assert.deepEqual(await ids({ addedAfter: manifest[0]?.date_added ?? '' }), [
        objects[1]?.id,
        objects[2]?.id,
      ])
      const newer = { ...indicator(1, version), modified: '2026-02-01T00:00:00.000Z' }
      await h.client.addObjects(collection, [newer])
      const versions = async (version: string) =>
        (await drain(h.client.objects(collection, { id: newer.id, version }))).map(
          (o) => o.modified,
        )
      assert.deepEqual(await versions('last'), [newer.modified])
      assert.deepEqual(await versions('all'), [indicator(1, version).modified, newer.modified])
    })

    it('finds a collection by id; names the available titles when it is absent', async () => {
      const h = await harness({ version })
      const id = TEST_COLLECTIONS[0]?.id ?? ''
      assert.equal((await h.client.collection(TEST_ROOT, id)).info.title, WRITABLE)
      await assert.rejects(
        h.client.collection(TEST_ROOT, 'Nope'),
        (e: unknown) =>
          e instanceof TaxiiUsageError &&
          e.message.includes('"Nope" not found') &&
          e.message.includes(`"${WRITABLE}" (${id})`) &&
          e.message.includes(`"${READ_ONLY}"`),
      )
    })

    it('refuses to add to a collection with can_write false, before sending anything', async () => {
      const h = await harness({ version })
      const collection = await h.client.collection(TEST_ROOT, READ_ONLY)
      await assert.rejects(
        h.client.addObjects(collection, [indicator(1, version)]),
        /is not writable \(can_write is false\)/,
      )
      assert.deepEqual(posts(h.state.log), [])
    })

    it('reports per-object failures with the server messages, and an oversized object as not sent', async () => {
      const h = await harness({
        version,
        maxContentLength: 4096,
        reject: (o) => (String(o.name).startsWith('bad host 3 ') ? 'pattern refused' : undefined),
      })
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const huge = { ...indicator(9, version), description: 'x'.repeat(5000) }
      const result = await h.client.addObjects(collection, [
        indicator(1, version),
        indicator(3, version),
        huge,
        indicator(4, version),
      ])
      assert.equal(result.total, 4)
      assert.equal(result.success, 2)
      assert.equal(result.failure, 2)
      const refused = {
        id: indicator(3, version).id,
        message: 'pattern refused',
        ...(version === '2.1' ? { version: '2026-01-01T00:00:00.000Z' } : {}),
      }
      assert.deepEqual(
        result.failures.find((f) => f.message === 'pattern refused'),
        refused,
      )
      const notSent = result.failures.find((f) => f.id === huge.id)
      assert.match(
        notSent?.message ?? '',
        /not sent: .* over the API root's max_content_length of 4096/,
      )
      assert.ok(!h.state.log.some((l) => l.includes(huge.id)))
      assert.equal(h.state.objects.get(collection.info.id)?.length, 2)
    })

    it('polls a pending status until complete, with a growing interval', async () => {
      const h = await harness(
        { version, pendingPolls: 3 },
        { poll: { intervalMs: 1000, maxIntervalMs: 2000 } },
      )
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const result = await h.client.addObjects(collection, [
        indicator(1, version),
        indicator(2, version),
      ])
      assert.equal(result.success, 2)
      assert.equal(result.pending, 0)
      assert.equal(h.state.log.filter((l) => l.includes('/status/')).length, 4)
      assert.deepEqual(h.slept, [1000, 1500, 2000, 2000])
    })

    it('reports what is still pending when polling times out', async () => {
      const h = await harness(
        { version, pendingPolls: 1000 },
        { poll: { intervalMs: 1000, maxIntervalMs: 1000, timeoutMs: 3000 } },
      )
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const result = await h.client.addObjects(collection, [
        indicator(1, version),
        indicator(2, version),
      ])
      assert.deepEqual([result.success, result.failure, result.pending], [0, 0, 2])
      assert.deepEqual(
        result.pendings.map((p) => p.id),
        [indicator(1, version).id, indicator(2, version).id],
      )
    })

    it('keeps at most `concurrency` requests in flight', async () => {
      for (const concurrency of [1, 2, 3]) {
        const h = await harness({ version }, {}, { postDelayMs: 50 })
        const collection = await h.client.collection(TEST_ROOT, WRITABLE)
        await h.client.addObjects(collection, indicators(40, version), {
          maxObjects: 5,
          concurrency,
        })
        assert.equal(h.peakPosts(), concurrency, `concurrency ${String(concurrency)}`)
      }
    })

    it('stops at the first request that fails, without reading the rest of the source', async () => {
      let posted = 0
      const h = await harness(
        { version, users: { user: 'pass' } },
        {},
        { onPost: () => (posted++, undefined) },
      )
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const pulled = { n: 0 }
      const failing = createTaxiiClient({
        version,
        url: h.server.url,
        username: 'user',
        password: 'wrong',
        retry: { maxAttempts: 1 },
      })
      open.push({ ...h, close: () => failing.close() })
      await assert.rejects(
        failing.addObjects(collection, indicators(1000, version, pulled), { maxObjects: 10 }),
        (e: unknown) =>
          e instanceof RemoteError &&
          e.status === 401 &&
          e.message.includes('Unauthorized: missing or bad Basic credentials'),
      )
      assert.ok(posted <= 3, `posted ${String(posted)}`)
      assert.ok(pulled.n < 100, `pulled ${String(pulled.n)}`)
    })

    it('lets requests in flight finish when the source fails, then rethrows its error', async () => {
      const h = await harness({ version })
      const collection = await h.client.collection(TEST_ROOT, WRITABLE)
      const broken = new Error('ThreatQ went away')
      async function* source() {
        yield* indicators(25, version)
        throw broken
      }
      const done: number[] = []
      await assert.rejects(
        h.client.addObjects(collection, source(), {
          maxObjects: 10,
          onRequest: (r) => {
            done.push(r.success)
          },
        }),
        (e: unknown) => e === broken,
      )
      assert.deepEqual(done, [10, 10])
      assert.equal(h.state.objects.get(collection.info.id)?.length, 20)
    })

    it('turns server errors into RemoteError with the TAXII title and description', async () => {
      const h = await harness({ version })
      await assert.rejects(h.client.apiRoot('/nope/'), (e: unknown) => {
        assert.ok(e instanceof RemoteError)
        assert.equal(e.status, 404)
        assert.equal(e.serverMessage, 'Not Found: unknown API root')
        return true
      })
      const other: TaxiiVersion = version === '2.0' ? '2.1' : '2.0'
      const wrong = createTaxiiClient({
        version: other,
        url: h.server.url,
        username: 'user',
        password: 'pass',
      })
      await assert.rejects(wrong.apiRoot(TEST_ROOT), (e: unknown) => {
        assert.ok(e instanceof RemoteError)
        assert.equal(e.status, 406)
        assert.match(
          e.message,
          /refuses TAXII 2\.\d media types: is the configured TAXII version right\?/,
        )
        return true
      })
      await wrong.close()
    })
  })
}

describe('TAXII 2.0 paging quirks', () => {
  const open: Harness[] = []
  after(() => Promise.all(open.map((h) => h.close())))
  const seeded = async (count: number, options: Partial<TaxiiSimOptions>) => {
    const h = await start({ version: '2.0', ...options })
    open.push(h)
    const collection = await h.client.collection(TEST_ROOT, WRITABLE)
    await h.client.addObjects(collection, indicators(count, '2.0'))
    h.state.log.length = 0
    return { h, collection }
  }

  it("pages by the server's Content-Range, so medallion's off-by-one loses and repeats nothing", async () => {
    const { h, collection } = await seeded(25, { rangeOffByOne: true })
    const back = await drain(h.client.objects(collection, {}, { pageSize: 10 }))
    assert.deepEqual(
      back.map((o) => o.id),
      Array.from({ length: 25 }, (_, i) => indicator(i, '2.0').id),
    )
    assert.deepEqual(
      h.state.log.map((l) => l.replace(/^.*\(/, '(')),
      ['(items=0-9)', '(items=9-18)', '(items=18-27)'],
    )
  })

  it('ends on 416, and reads an empty collection (even a medallion 404) as empty', async () => {
    const plain = await seeded(0, {})
    assert.deepEqual(await drain(plain.h.client.objects(plain.collection)), [])
    const medallion = await seeded(0, { emptyIs404: true })
    assert.deepEqual(await drain(medallion.h.client.objects(medallion.collection)), [])
  })
})

describe('TAXII servers that ignore Range, and TLS', () => {
  it('2.0: a 200 without Content-Range is the whole set, fetched once', async () => {
    const log: string[] = []
    const objects = [indicator(1, '2.0'), indicator(2, '2.0')]
    const server = await serveApp(
      (request) => {
        log.push(new URL(request.url).pathname)
        const body = new URL(request.url).pathname.endsWith('/objects/')
          ? { type: 'bundle', id: 'bundle--1', spec_version: '2.0', objects }
          : {
              title: 'root',
              versions: ['taxii-2.0'],
              max_content_length: 1000,
              collections: TEST_COLLECTIONS,
            }
        return new Response(JSON.stringify(body), {
          headers: { 'content-type': 'application/vnd.oasis.taxii+json; version=2.0' },
        })
      },
      { host: '127.0.0.1', port: 0, tls: false },
    )
    const client = createTaxiiClient({ version: '2.0', url: server.url })
    const collection = await client.collection(TEST_ROOT, WRITABLE)
    assert.deepEqual(await drain(client.objects(collection, {}, { pageSize: 1 })), objects)
    assert.equal(log.filter((p) => p.endsWith('/objects/')).length, 1)
    await client.close()
    await server.close()
  })

  it('talks to an HTTPS server whose CA is pinned, and refuses it by default', async () => {
    const { app } = createTaxiiSim({ version: '2.1' })
    const server = await serveApp(app.fetch, { host: '127.0.0.1', port: 0, tls: true })
    const auth = { username: 'user', password: 'pass' }
    const pinned = createTaxiiClient({
      version: '2.1',
      url: server.url,
      ...auth,
      tls: { verify: true, ca: SIM_TLS_CERT },
    })
    assert.equal((await pinned.discover()).title, 'Test TAXII server')
    const strict = createTaxiiClient({
      version: '2.1',
      url: server.url,
      ...auth,
      retry: { maxAttempts: 1 },
    })
    await assert.rejects(
      strict.discover(),
      (e: unknown) => e instanceof RemoteError && e.kind === 'network',
    )
    await pinned.close()
    await strict.close()
    await server.close()
  })
})

describe('TAXII responses the client refuses', () => {
  it('a GET answered with a non-TAXII media type is a clear parse error', async () => {
    const server = await serveApp(() => Response.json({ title: 'x' }), {
      host: '127.0.0.1',
      port: 0,
      tls: false,
    })
    const client = createTaxiiClient({ version: '2.1', url: server.url })
    await assert.rejects(client.discover(), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'parse')
      assert.match(
        e.message,
        /Content-Type is application\/json, not the TAXII 2\.1 media type application\/taxii\+json;version=2\.1/,
      )
      return true
    })
    await client.close()
    await server.close()
  })

  it('a status whose counts do not add up is a parse error naming the field', async () => {
    const server = await serveApp(
      () =>
        new Response(
          JSON.stringify({
            id: 's',
            status: 'complete',
            total_count: 5,
            success_count: 1,
            failure_count: 0,
            pending_count: 0,
          }),
          {
            headers: { 'content-type': 'application/taxii+json;version=2.1' },
          },
        ),
      { host: '127.0.0.1', port: 0, tls: false },
    )
    const client = createTaxiiClient({ version: '2.1', url: server.url })
    await assert.rejects(
      client.status('api1', 's'),
      /the status resource does not match the expected shape: total_count: .* is not total_count \(5\)/,
    )
    await client.close()
    await server.close()
  })
})
