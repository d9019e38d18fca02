/**
 * The EDM client against edm-sim on a loopback socket (docs/sim-edm.md): paging past the 10,000
 * result window, both token headers, the time window and filters, and servers that page badly.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import type { EdmAuth, EdmSim } from '../../sim/edm/app.js'
import { edmAdmin, EDM_TOKEN, newEdm, NOW_MS } from '../../sim/edm/test-support.js'
import { ConfigError } from '../errors.js'
import { createHttpClient } from '../http/client.js'
import { RemoteError } from '../http/errors.js'
import { silentLogger } from '../log/logger.js'
import type { EdmCheckpoint } from './checkpoint.js'
import { EdmClient, edmTimeText, type ThreatQuery } from './client.js'
import { edmClientOf } from './connect.js'

const DAY = 24 * 3600 * 1000
const at = (secondsBeforeNow: number) => edmTimeText(NOW_MS - secondsBeforeNow * 1000)

interface Served {
  edm: EdmSim
  url: string
  /** Statuses answered on the threats path, in order. */
  statuses: number[]
  close(): Promise<void>
}

async function serve(edm: EdmSim): Promise<Served> {
  const statuses: number[] = []
  const server: RunningServer = await serveApp(
    async (request) => {
      const response = await edm.app.fetch(request)
      if (new URL(request.url).pathname.startsWith('/api/')) statuses.push(response.status)
      return response
    },
    { host: '127.0.0.1', port: 0, tls: false },
  )
  return { edm, url: server.url, statuses, close: () => server.close() }
}

function client(url: string, token: string = EDM_TOKEN) {
  const http = createHttpClient({ system: 'edm', baseUrl: url, retry: { maxAttempts: 1 } })
  return new EdmClient(http, silentLogger, { token })
}

const window = (extra: Partial<ThreatQuery> = {}): ThreatQuery => ({
  start: NOW_MS - DAY,
  end: NOW_MS,
  size: 1000,
  ...extra,
})

/** Every page: the ids handed out, and the last checkpoint. */
async function readAll(edm: EdmClient, query: ThreatQuery, maxPages = Infinity) {
  const ids: string[] = []
  let checkpoint: EdmCheckpoint | undefined = query.checkpoint
  let invalid = 0
  let pages = 0
  for await (const page of edm.threats(query)) {
    ids.push(...page.records.map((r) => r.record._id))
    invalid += page.invalid.length
    checkpoint = page.checkpoint ?? checkpoint
    if (++pages >= maxPages) break
  }
  return { ids, checkpoint, invalid, pages }
}

const threat = (i: number, time: string, hostname = 'aed-1') => ({
  _id: `r${String(i).padStart(6, '0')}`,
  time,
  hostname,
  pkt: { src: `198.18.${String((i >> 8) & 255)}.${String(i & 255)}`, proto: 'tcp' },
})

describe('EDM threats: paging past the result window', () => {
  let s: Served
  const all: string[] = []
  before(async () => {
    s = await serve(newEdm())
    // 25,000 records; 6,000 of them at one second that straddles the 10,000 boundary, and 500
    // at the very last second.
    const threats = []
    for (let i = 0; i < 25_000; i++) {
      const second = i < 7_000 ? 40_000 - i : i < 13_000 ? 20_000 : i < 24_500 ? 32_000 - i : 1
      threats.push(threat(i, at(second)))
      all.push(threat(i, '')._id)
    }
    await edmAdmin(s.edm, '/_sim/threats', { threats })
  })
  after(() => s.close())

  it('reads every record once, in time order, across several windows', async () => {
    const edm = client(s.url)
    const { ids, checkpoint } = await readAll(edm, window())
    await edm.close()
    assert.equal(ids.length, all.length)
    assert.equal(new Set(ids).size, all.length)
    assert.deepEqual([...ids].sort(), [...all].sort())
    assert.equal(checkpoint?.time, NOW_MS - 1000)
    assert.equal(checkpoint.ids.length, 500)
  })

  it('resumes from a checkpoint taken in the middle of the shared second without loss or repeat', async () => {
    const edm = client(s.url)
    // 8 pages of 1,000: stops inside the 6,000 records of the shared second.
    const first = await readAll(edm, window(), 8)
    assert.ok(first.checkpoint !== undefined && first.checkpoint.ids.length > 0)
    assert.equal(first.checkpoint.time, NOW_MS - 20_000_000)
    const rest = await readAll(edm, window({ checkpoint: first.checkpoint }))
    await edm.close()
    const ids = [...first.ids, ...rest.ids]
    assert.equal(new Set(ids).size, ids.length)
    assert.deepEqual(ids.sort(), [...all].sort())
  })

  it('a rerun from the final checkpoint reads nothing', async () => {
    const edm = client(s.url)
    const { checkpoint } = await readAll(edm, window())
    const again = await readAll(edm, window({ checkpoint }))
    await edm.close()
    assert.deepEqual(again.ids, [])
  })
})

describe('EDM threats: more records at one time than the result window', () => {
  it('stops with an error naming the time, never loops or skips', async () => {
    const s = await serve(newEdm({ maxWindow: 100 }))
    await edmAdmin(s.edm, '/_sim/threats', {
      threats: Array.from({ length: 150 }, (_, i) => threat(i, at(60))),
    })
    const http = createHttpClient({ system: 'edm', baseUrl: s.url, retry: { maxAttempts: 1 } })
    const edm = new EdmClient(http, silentLogger, { token: EDM_TOKEN, resultWindow: 100 })
    await assert.rejects(
      readAll(edm, window({ size: 50 })),
      (e: unknown) =>
        e instanceof RemoteError && /more than 100 records at 2026-01-15T11:59:00Z/.test(e.message),
    )
    await edm.close()
    await s.close()
  })
})

describe('EDM threats: the token header', () => {
  for (const auth of ['new', 'old', 'either'] as EdmAuth[]) {
    it(`reads from an EDM that takes ${auth}, asking once more only when refused`, async () => {
      const s = await serve(newEdm({ auth }))
      await edmAdmin(s.edm, '/_sim/threats', {
        threats: Array.from({ length: 30 }, (_, i) => threat(i, at(100 - i))),
      })
      const edm = client(s.url)
      const { ids } = await readAll(edm, window({ size: 10 }))
      await edm.close()
      await s.close()
      assert.equal(ids.length, 30)
      assert.equal(edm.authScheme, auth === 'old' ? 'old' : 'new')
      // One refusal at most, on the first request: the header that worked is kept.
      assert.deepEqual(s.statuses, auth === 'old' ? [401, 200, 200, 200] : [200, 200, 200])
    })
  }

  it('a token refused in both headers is one error naming edm_api_token, not retried', async () => {
    const s = await serve(newEdm())
    const edm = client(s.url, 'wrong-token-wrong-token')
    await assert.rejects(readAll(edm, window()), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.status, 401)
      assert.equal(e.retryable, false)
      assert.match(e.message, /X-Arbux-APIToken and as Authorization: NSAPITOKENID/)
      assert.match(e.message, /edm_api_token/)
      assert.doesNotMatch(e.message, /wrong-token/)
      return true
    })
    await edm.close()
    await s.close()
    assert.deepEqual(s.statuses, [401, 401])
  })
})

describe('EDM threats: window and filters', () => {
  let s: Served
  before(async () => {
    s = await serve(newEdm())
    await edmAdmin(s.edm, '/_sim/threats', {
      threats: [
        threat(1, at(3600 * 30)),
        threat(2, at(7200)),
        threat(3, at(3600), 'aed-2'),
        { ...threat(4, at(1800), 'aed-2'), pkt: { proto: 'udp', src: '198.18.0.4' } },
        threat(5, at(0)),
      ],
    })
  })
  after(() => s.close())

  it('reads start..end inclusive', async () => {
    const edm = client(s.url)
    const { ids } = await readAll(
      edm,
      window({ start: NOW_MS - 7_200_000, end: NOW_MS - 1_800_000 }),
    )
    await edm.close()
    assert.deepEqual(ids, ['r000002', 'r000003', 'r000004'])
  })

  it('edm_aed_name filters by hostname, alone and with q', async () => {
    const edm = client(s.url)
    assert.deepEqual((await readAll(edm, window({ aedName: 'aed-2' }))).ids, ['r000003', 'r000004'])
    assert.deepEqual((await readAll(edm, window({ aedName: 'aed-2', q: 'pkt.proto:udp' }))).ids, [
      'r000004',
    ])
    assert.deepEqual((await readAll(edm, window({ aedName: 'aed-1', q: 'pkt.proto:udp' }))).ids, [])
    await edm.close()
  })
})

describe('EDM threats: servers that page badly', () => {
  const hits = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => threat(from + i, at(100 - from - i)))

  async function hostile(answer: (skip: number, size: number) => unknown) {
    let reads = 0
    const server = await serveApp(
      (request) => {
        reads++
        const q = new URL(request.url).searchParams
        const body =
          reads > 50 ? { data: { hits: [] } } : answer(Number(q.get('skip')), Number(q.get('size')))
        return new Response(JSON.stringify(body), {
          headers: { 'content-type': 'application/json' },
        })
      },
      { host: '127.0.0.1', port: 0, tls: false },
    )
    return { server, reads: () => reads }
  }

  it('a server that ignores skip (the same page again) is an error from the paging guard', async () => {
    const h = await hostile((_skip, size) => ({ data: { hits: hits(0, size), totalSize: 1000 } }))
    const edm = client(h.server.url)
    await assert.rejects(
      readAll(edm, window({ size: 10 })),
      (e: unknown) =>
        e instanceof RemoteError && /paging stopped: page 2 brings nothing new/.test(e.message),
    )
    await edm.close()
    await h.server.close()
    assert.ok(h.reads() <= 3)
  })

  it('a server that ignores sort=time is an error, not a checkpoint past unread records', async () => {
    const h = await hostile(() => ({ data: { hits: [...hits(0, 5)].reverse() } }))
    const edm = client(h.server.url)
    await assert.rejects(
      readAll(edm, window({ size: 10 })),
      (e: unknown) => e instanceof RemoteError && /out of order/.test(e.message),
    )
    await edm.close()
    await h.server.close()
  })

  it('bad records are counted, not fatal', async () => {
    const h = await hostile(() => ({
      data: { hits: [threat(1, at(10)), { _id: 7, time: 'yesterday' }, threat(2, at(5))] },
    }))
    const edm = client(h.server.url)
    const { ids, invalid } = await readAll(edm, window({ size: 10 }))
    await edm.close()
    await h.server.close()
    assert.deepEqual(ids, ['r000001', 'r000002'])
    assert.equal(invalid, 1)
  })
})

describe('edmClientOf (the options)', () => {
  it('a missing edm_host or edm_api_token is a setting mistake naming it', () => {
    const connection = { verifyTls: true, logger: silentLogger }
    assert.throws(
      () =>
        edmClientOf(
          { edm_host: undefined, edm_api_token: 't', edm_ca_file: undefined },
          connection,
        ),
      (e: unknown) => e instanceof ConfigError && /edm_host/.test(e.message),
    )
    assert.throws(
      () =>
        edmClientOf(
          { edm_host: 'edm.example', edm_api_token: undefined, edm_ca_file: undefined },
          connection,
        ),
      (e: unknown) => e instanceof ConfigError && /edm_api_token/.test(e.message),
    )
    assert.throws(
      () =>
        edmClientOf(
          { edm_host: 'ftp://edm.example', edm_api_token: 't', edm_ca_file: undefined },
          connection,
        ),
      (e: unknown) =>
        e instanceof ConfigError && /EDM Host \(edm_host\) must use https/.test(e.message),
    )
  })

  it('reads from edm_host with edm_api_token', async () => {
    const s = await serve(newEdm({ auth: 'old' }))
    await edmAdmin(s.edm, '/_sim/threats', { threats: [threat(1, at(10))] })
    const edm = edmClientOf(
      { edm_host: s.url, edm_api_token: EDM_TOKEN, edm_ca_file: undefined },
      { verifyTls: true, logger: silentLogger },
    )
    const { ids } = await readAll(edm, window())
    await edm.close()
    await s.close()
    assert.deepEqual(ids, ['r000001'])
  })
})
