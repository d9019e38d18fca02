import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { pino } from 'pino'
import { Agent, MockAgent } from 'undici'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import { startProxy, type RecordingProxy } from '../../test/helpers/proxy.js'
import { EXIT, RunStopped } from '../errors.js'
import { createHttpClient, type HttpClientOptions } from './client.js'
import { RemoteError } from './errors.js'
import { realRetryDeps } from './retry.js'

/** A server whose routes script their answers, logging every request it sees. */
function scriptedApp(log: string[]) {
  const app = new Hono()
  const hooks: { onSlow?: () => void } = {}
  const queue = new Map<string, Response[]>()
  app.use(async (c, next) => {
    log.push(`${c.req.method} ${c.req.path}`)
    await next()
  })
  app.all('/echo', async (c) =>
    c.json({
      query: c.req.query(),
      authorization: c.req.header('authorization') ?? null,
      body: await c.req.text(),
    }),
  )
  app.get('/slow', async (c) => {
    hooks.onSlow?.()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    return c.text('late')
  })
  app.all('/scripted', () => {
    const next = queue.get('/scripted')?.shift()
    return (
      next ?? new Response('{"done":true}', { headers: { 'content-type': 'application/json' } })
    )
  })
  return {
    app,
    hooks,
    script: (...responses: Response[]) => {
      queue.set('/scripted', responses)
    },
  }
}

interface PlainServer {
  url: string
  /** Every request seen: method, URL and headers. */
  seen: { method: string; url: string; headers: IncomingHttpHeaders }[]
  connections(): number
  close(): Promise<void>
}

/** A node:http server on loopback, for what hono's app cannot show: connections, raw headers. */
async function plainServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<PlainServer> {
  const seen: PlainServer['seen'] = []
  let connections = 0
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handler(req, res)
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

const noSleep: HttpClientOptions['retryDeps'] = { sleep: () => Promise.resolve(), random: () => 0 }

describe('createHttpClient over a real socket', () => {
  const log: string[] = []
  const { app, hooks, script } = scriptedApp(log)
  let server: RunningServer
  before(async () => {
    server = await serveApp(app.fetch, { host: '127.0.0.1', port: 0, tls: false })
  })
  after(() => server.close())

  const client = (extra: Partial<HttpClientOptions> = {}) =>
    createHttpClient({ system: 'aed', baseUrl: `${server.url}/`, retryDeps: noSleep, ...extra })

  it('sends method, query, headers from the auth hook and body; appends paths to the base URL', async () => {
    const http = client({ auth: { headers: () => ({ authorization: 'Bearer t0k' }) } })
    const res = await http.request({
      method: 'POST',
      path: '/echo',
      query: { a: 1, b: undefined },
      body: 'hi',
    })
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), {
      query: { a: '1' },
      authorization: 'Bearer t0k',
      body: 'hi',
    })
    await http.close()
  })

  it('throws RemoteError with the status and server message, and does not retry a 404', async () => {
    log.length = 0
    script(
      new Response('{"title":"Not Found","description":"no such collection"}', {
        status: 404,
        headers: { 'content-type': 'application/taxii+json;version=2.1' },
      }),
    )
    const http = client()
    await assert.rejects(http.request({ path: '/scripted' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'http')
      assert.equal(e.status, 404)
      assert.equal(e.serverMessage, 'Not Found: no such collection')
      assert.equal(e.retryable, false)
      return true
    })
    assert.deepEqual(log, ['GET /scripted'])
    await http.close()
  })

  it('retries 503 and 429 (honouring Retry-After), then returns the success', async () => {
    log.length = 0
    const slept: number[] = []
    script(
      new Response('busy', { status: 503 }),
      new Response('slow down', { status: 429, headers: { 'retry-after': '3' } }),
    )
    const http = client({
      retryDeps: { random: () => 0.5, sleep: (ms) => (slept.push(ms), Promise.resolve()) },
    })
    const res = await http.request({ method: 'POST', path: '/scripted', body: '{}' })
    assert.equal(res.status, 200)
    assert.deepEqual(log, ['POST /scripted', 'POST /scripted', 'POST /scripted'])
    assert.deepEqual(slept, [250, 3000])
    await http.close()
  })

  it('does not retry 400/401/403/404/409/422 even when configured to', async () => {
    const http = client({ retryStatuses: [400, 401, 403, 404, 409, 422, 503] })
    for (const status of [400, 401, 403, 404, 409, 422]) {
      log.length = 0
      script(new Response('no', { status }))
      await assert.rejects(
        http.request({ path: '/scripted' }),
        (e: unknown) => (e as RemoteError).status === status,
      )
      assert.deepEqual(log, ['GET /scripted'], String(status))
    }
    await http.close()
  })

  it('on 401 refreshes credentials once and repeats the request; a second 401 is final', async () => {
    log.length = 0
    let token = 'old'
    let refreshes = 0
    const auth = {
      headers: () => ({ authorization: `Bearer ${token}` }),
      refresh: () => {
        refreshes++
        token = 'new'
        return Promise.resolve()
      },
    }
    const http = client({ auth })
    script(new Response('expired', { status: 401 }))
    assert.equal((await http.request({ path: '/scripted' })).status, 200)
    assert.equal(refreshes, 1)
    script(new Response('expired', { status: 401 }), new Response('still no', { status: 401 }))
    await assert.rejects(
      http.request({ path: '/scripted' }),
      (e: unknown) => (e as RemoteError).status === 401,
    )
    assert.equal(refreshes, 2)
    assert.deepEqual(log, ['GET /scripted', 'GET /scripted', 'GET /scripted', 'GET /scripted'])
    await http.close()
  })

  it('logs each attempt at debug through an injected pino logger', async () => {
    const lines: { msg: string; status: number; url: string }[] = []
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) },
    )
    script(new Response('x', { status: 502 }))
    const http = client({ logger })
    await http.request({ path: '/scripted', query: { token: 'abc' } })
    assert.deepEqual(
      lines.map((l) => [l.msg, l.status]),
      [
        ['http request', 502],
        ['retrying after HTTP 502', 502],
        ['http request', 200],
      ],
    )
    assert.ok(lines.every((l) => !l.url.includes('abc')))
    await http.close()
  })

  it('returns statuses listed in `okStatuses` instead of throwing', async () => {
    script(new Response('', { status: 416, headers: { 'content-range': 'items */3' } }))
    const http = client()
    const res = await http.request({ path: '/scripted', okStatuses: [200, 206, 416] })
    assert.equal(res.status, 416)
    assert.equal(res.headers.get('content-range'), 'items */3')
    await http.close()
  })

  it('times out an attempt as kind "timeout" and retries it', async () => {
    log.length = 0
    const http = client({ timeoutMs: 300, retry: { maxAttempts: 2 } })
    await assert.rejects(http.request({ path: '/slow' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'timeout')
      assert.equal(e.retryable, true)
      return true
    })
    assert.deepEqual(log, ['GET /slow', 'GET /slow'])
    await http.close()
  })

  it('passes a caller abort through untouched, without retrying', async () => {
    log.length = 0
    const http = client()
    const controller = new AbortController()
    const reason = new Error('user stopped')
    hooks.onSlow = () => {
      controller.abort(reason)
    }
    await assert.rejects(
      http.request({ path: '/slow', signal: controller.signal }),
      (e: unknown) => e === reason,
    )
    assert.deepEqual(log, ['GET /slow'])
    delete hooks.onSlow
    await http.close()
  })

  it("aborts a request in flight on the client's run signal: its typed reason, not retried", async () => {
    log.length = 0
    const run = new AbortController()
    const reason = new RunStopped(EXIT.terminated, 'interrupted by SIGTERM')
    const http = client({ signal: run.signal, retry: { maxAttempts: 4 } })
    hooks.onSlow = () => {
      run.abort(reason)
    }
    await assert.rejects(http.request({ path: '/slow' }), (e: unknown) => {
      assert.equal(e, reason)
      assert.ok(!(e instanceof RemoteError), 'not reported as a remote failure')
      return true
    })
    assert.deepEqual(log, ['GET /slow'])
    delete hooks.onSlow
    // Once aborted, nothing more is sent.
    await assert.rejects(http.request({ path: '/echo' }), (e: unknown) => e === reason)
    assert.deepEqual(log, ['GET /slow'])
    await http.close()
  })

  it("ends the back-off sleep on the client's run signal (Retry-After: 3600)", async () => {
    log.length = 0
    const run = new AbortController()
    const reason = new RunStopped(EXIT.failed, 'the run stopped at its deadline')
    script(new Response('busy', { status: 503, headers: { 'retry-after': '3600' } }))
    const http = client({
      signal: run.signal,
      retry: { maxAttempts: 4, maxRetryAfterMs: 3_600_000, maxElapsedMs: 7_200_000 },
      // The real sleep, an hour long: only the abort ends it.
      retryDeps: {
        sleep: (ms, signal) => {
          run.abort(reason)
          return realRetryDeps.sleep(ms, signal)
        },
      },
    })
    await assert.rejects(http.request({ path: '/scripted' }), (e: unknown) => e === reason)
    assert.deepEqual(log, ['GET /scripted'])
    await http.close()
  })

  it('turns user info in the base URL into Basic auth, and never sends it in the URL', async () => {
    const http = createHttpClient({
      system: 'taxii',
      baseUrl: server.url.replace('//', '//u%40x:p%3Aw@'),
    })
    const res = await http.request({ path: '/echo' })
    const expected = `Basic ${Buffer.from('u@x:p:w').toString('base64')}`
    assert.equal((JSON.parse(res.body) as { authorization: string }).authorization, expected)
    await http.close()
  })

  it('keeps credentials out of the error: URL user info, token params, auth headers', async () => {
    script(new Response('{"message":"nope"}', { status: 403 }))
    const base = server.url.replace('http://', 'http://admin:hunter2@')
    const http = createHttpClient({
      system: 'threatq',
      baseUrl: base,
      auth: { headers: () => ({ authorization: 'Basic c2VjcmV0' }) },
    })
    await assert.rejects(
      http.request({ path: '/scripted', query: { access_token: 'tok123' } }),
      (e: unknown) => {
        assert.ok(e instanceof RemoteError)
        const all = `${e.message} ${JSON.stringify(e)} ${e.url}`
        for (const secret of ['hunter2', 'tok123', 'c2VjcmV0'])
          assert.ok(!all.includes(secret), secret)
        assert.match(e.url, /access_token=REDACTED/)
        return true
      },
    )
    await http.close()
  })
})

describe('network errors', () => {
  it('reports a refused connection as kind "network", retried up to maxAttempts', async () => {
    const closed = await serveApp(() => new Response(''), {
      host: '127.0.0.1',
      port: 0,
      tls: false,
    })
    await closed.close()
    let sleeps = 0
    const http = createHttpClient({
      system: 'threatq',
      baseUrl: closed.url,
      retry: { maxAttempts: 3 },
      retryDeps: { sleep: () => (sleeps++, Promise.resolve()) },
    })
    await assert.rejects(http.request({ path: '/x' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'network')
      assert.equal(e.status, undefined)
      assert.match(e.message, /ECONNREFUSED/)
      return true
    })
    assert.equal(sleeps, 2)
    await http.close()
  })
})

describe('TLS per client', () => {
  let server: RunningServer
  before(async () => {
    server = await serveApp(() => new Response('secure'), { host: '127.0.0.1', port: 0, tls: true })
  })
  after(() => server.close())

  it('verifies certificates by default: a self-signed server fails, and is not retried', async () => {
    const http = createHttpClient({ system: 'aed', baseUrl: server.url, retry: { maxAttempts: 4 } })
    await assert.rejects(http.request({ path: '/' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'network')
      assert.equal(e.retryable, false)
      assert.match(e.message, /failed: DEPTH_ZERO_SELF_SIGNED_CERT self-signed certificate$/)
      return true
    })
    await http.close()
  })
  it('trusts a pinned CA given as text', async () => {
    const http = createHttpClient({
      system: 'aed',
      baseUrl: server.url,
      tls: { verify: true, ca: SIM_TLS_CERT },
    })
    assert.equal((await http.request({ path: '/' })).body, 'secure')
    await http.close()
  })
  it('trusts a CA read from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-'))
    const caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, SIM_TLS_CERT)
    const http = createHttpClient({
      system: 'aed',
      baseUrl: server.url,
      tls: { verify: true, caFile },
    })
    assert.equal((await http.request({ path: '/' })).body, 'secure')
    await http.close()
    rmSync(dir, { recursive: true })
  })
  it('skips verification only when asked', async () => {
    const http = createHttpClient({ system: 'aed', baseUrl: server.url, tls: { verify: false } })
    assert.equal((await http.request({ path: '/' })).body, 'secure')
    await http.close()
  })
  it('names the CA file it cannot read', () => {
    assert.throws(
      () =>
        createHttpClient({
          system: 'aed',
          baseUrl: server.url,
          tls: { verify: true, caFile: '/nonexistent/ca.pem' },
        }),
      /cannot read the CA file \/nonexistent\/ca\.pem/,
    )
  })
})

describe('proxies', () => {
  let target: RunningServer
  let proxy: RecordingProxy
  before(async () => {
    target = await serveApp(() => new Response('via'), { host: '127.0.0.1', port: 0, tls: false })
    proxy = await startProxy()
  })
  after(async () => {
    await target.close()
    await proxy.close()
  })
  const targetHost = () => target.url.replace('http://', '')

  it('goes through an explicit proxy', async () => {
    proxy.seen.length = 0
    const http = createHttpClient({ system: 'aed', baseUrl: target.url, proxy: proxy.url })
    assert.equal((await http.request({ path: '/p' })).body, 'via')
    assert.equal(proxy.seen.length, 1)
    assert.ok(proxy.seen[0]?.includes(targetHost()))
    await http.close()
  })
  it('honours HTTP_PROXY from the environment, and NO_PROXY', async () => {
    proxy.seen.length = 0
    const viaEnv = createHttpClient({
      system: 'aed',
      baseUrl: target.url,
      env: { HTTP_PROXY: proxy.url },
    })
    assert.equal((await viaEnv.request({ path: '/p' })).body, 'via')
    assert.equal(proxy.seen.length, 1)
    await viaEnv.close()
    const bypass = createHttpClient({
      system: 'aed',
      baseUrl: target.url,
      env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
    })
    assert.equal((await bypass.request({ path: '/p' })).body, 'via')
    assert.equal(proxy.seen.length, 1)
    await bypass.close()
  })
})

describe('redirects', () => {
  const credentials = {
    headers: () => ({ authorization: 'Bearer t0k', 'x-arbux-apitoken': 'aed-t0k' }),
  }
  let other: PlainServer
  let server: PlainServer
  before(async () => {
    other = await plainServer((_req, res) => res.end('stolen'))
    server = await plainServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const n = Number(url.searchParams.get('n') ?? 0)
      const to = (status: number, location: string) =>
        res.writeHead(status, { location }).end('moved')
      if (url.pathname === '/old') to(301, '/new?x=1')
      else if (url.pathname === '/post') to(303, '/done')
      else if (url.pathname === '/away') to(302, `${other.url}/steal`)
      else if (url.pathname === '/loop') to(307, `/loop?n=${String(n + 1)}`)
      else {
        let body = ''
        req.on('data', (chunk: Buffer) => (body += chunk.toString()))
        req.on('end', () => res.end(JSON.stringify({ method: req.method, body })))
      }
    })
  })
  after(async () => {
    await server.close()
    await other.close()
  })

  it('follows a same-origin redirect with the credentials; 303 turns a POST into a bodiless GET', async () => {
    const http = createHttpClient({ system: 'aed', baseUrl: server.url, auth: credentials })
    server.seen.length = 0
    const moved = await http.request({ path: '/old' })
    assert.deepEqual(JSON.parse(moved.body), { method: 'GET', body: '' })
    assert.deepEqual(
      server.seen.map((r) => [r.url, r.headers['x-arbux-apitoken']]),
      [
        ['/old', 'aed-t0k'],
        ['/new?x=1', 'aed-t0k'],
      ],
    )
    server.seen.length = 0
    const posted = await http.request({
      method: 'POST',
      path: '/post',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    })
    assert.deepEqual(JSON.parse(posted.body), { method: 'GET', body: '' })
    assert.deepEqual(
      server.seen.map((r) => `${r.method} ${r.url} ${String(r.headers['content-type'])}`),
      ['POST /post application/json', 'GET /done undefined'],
    )
    await http.close()
  })

  it('refuses a redirect to another origin: the other port never sees the request or credentials', async () => {
    const http = createHttpClient({
      system: 'aed',
      baseUrl: server.url,
      auth: credentials,
      retry: { maxAttempts: 3 },
    })
    await assert.rejects(http.request({ path: '/away' }), (e: unknown) => {
      assert.ok(e instanceof RemoteError)
      assert.equal(e.kind, 'http')
      assert.equal(e.status, 302)
      assert.equal(e.retryable, false)
      assert.match(
        e.message,
        /failed with HTTP 302 \(redirected to http:\/\/127\.0\.0\.1:\d+, another origin: not followed/,
      )
      assert.ok(e.message.includes(other.url))
      return true
    })
    assert.deepEqual(other.seen, [])
    await http.close()
  })

  it('refuses an absolute URL on another origin (a link a server handed us) before sending anything, not retried', async () => {
    const http = createHttpClient({
      system: 'taxii',
      baseUrl: `${server.url}/taxii2/`,
      auth: credentials,
      retry: { maxAttempts: 3 },
    })
    server.seen.length = 0
    for (const url of [`${other.url}/api1/`, `${other.url.replace('http:', 'https:')}/`]) {
      await assert.rejects(http.request({ path: url }), (e: unknown) => {
        assert.ok(e instanceof RemoteError)
        assert.equal(e.kind, 'origin')
        assert.equal(e.retryable, false)
        assert.match(e.message, /^taxii GET http/)
        assert.match(
          e.message,
          /another origin than the configured http:\/\/127\.0\.0\.1:\d+ \(the hostname option\)/,
        )
        return true
      })
    }
    // User info in the URL is not echoed.
    await assert.rejects(
      http.request({ path: `http://user:pw@127.0.0.1:1/x` }),
      (e: unknown) => e instanceof RemoteError && !e.message.includes('pw@'),
    )
    assert.deepEqual(other.seen, [])
    // The configured origin, however spelled, is accepted; another only when the caller says so.
    const same = await http.request({ path: `${server.url.toUpperCase()}/same` })
    assert.equal(same.status, 200)
    const allowed = await http.request({ path: `${other.url}/ok`, allowOtherOrigin: true })
    assert.equal(allowed.body, 'stolen')
    await http.close()
  })

  it('stops after 20 redirects', async () => {
    server.seen.length = 0
    const http = createHttpClient({ system: 'threatq', baseUrl: server.url })
    await assert.rejects(
      http.request({ path: '/loop' }),
      /failed with HTTP 307 \(more than 20 redirects\)/,
    )
    assert.equal(server.seen.length, 21)
    await http.close()
  })
})

describe('compressed answers', () => {
  const payload = JSON.stringify({ data: [{ value: 'bücher.example', note: '✓'.repeat(2000) }] })
  const encoders: Record<string, (data: Buffer) => Buffer> = {
    gzip: gzipSync,
    deflate: deflateSync,
    br: brotliCompressSync,
  }
  let server: PlainServer
  before(async () => {
    server = await plainServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const coding = url.searchParams.get('coding') ?? ''
      const status = Number(url.searchParams.get('status') ?? 200)
      const raw = Buffer.from(status === 200 ? payload : '{"message":"no such collection"}')
      // Some servers send raw deflate under "deflate"; fetch read it, so must we.
      const encoded = coding === 'raw-deflate' ? deflateRawSync(raw) : encoders[coding]?.(raw)
      const headers =
        encoded === undefined ? {} : { 'content-encoding': coding.replace('raw-', '') }
      res.writeHead(status, headers).end(encoded ?? raw)
    })
  })
  after(() => server.close())

  it('asks for gzip, deflate and br, decodes each, and reads an uncompressed answer as it is', async () => {
    const http = createHttpClient({ system: 'threatq', baseUrl: server.url })
    for (const coding of ['gzip', 'deflate', 'raw-deflate', 'br', 'none']) {
      const res = await http.request({ path: '/data', query: { coding } })
      assert.equal(res.body, payload, coding)
      assert.equal(
        res.headers.get('content-encoding'),
        coding === 'none' ? null : coding.replace('raw-', ''),
      )
    }
    assert.ok(server.seen.every((r) => r.headers['accept-encoding'] === 'gzip, deflate, br'))
    await http.close()
  })

  it('decodes a compressed error body for the server message', async () => {
    const http = createHttpClient({ system: 'taxii', baseUrl: server.url })
    await assert.rejects(
      http.request({ path: '/data', query: { coding: 'gzip', status: 404 } }),
      (e: unknown) => (e as RemoteError).serverMessage === 'no such collection',
    )
    await http.close()
  })
})

describe('response size limit', () => {
  const MiB = 1024 * 1024
  // 64 MiB of zeros: ~64 KB gzip, ~50 bytes brotli; a bomb against a 1 MiB limit.
  const zeros = Buffer.alloc(64 * MiB)
  const bombs: Record<string, Buffer> = {
    gzip: gzipSync(zeros),
    deflate: deflateSync(zeros),
    br: brotliCompressSync(zeros),
    // Two codings: each stage is bounded, not only the last.
    'gzip, gzip': gzipSync(gzipSync(zeros)),
  }
  let server: PlainServer
  let closedEarly = () => {}
  before(async () => {
    server = await plainServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const coding = url.searchParams.get('coding') ?? ''
      if (url.pathname === '/bomb') {
        res.writeHead(200, { 'content-encoding': coding }).end(bombs[coding])
      } else if (url.pathname === '/endless') {
        // "Endless" to the client: no length, no end; capped at 16 MiB so that a client
        // without a limit does not take the test machine down, it only times out.
        res.writeHead(200, { 'content-type': 'application/json' })
        res.on('close', () => {
          if (!res.writableEnded) closedEarly()
        })
        let sent = 0
        const chunk = Buffer.alloc(64 * 1024, 0x20)
        const more = () => {
          while (sent < 16 * MiB && !res.destroyed) {
            sent += chunk.length
            if (!res.write(chunk)) {
              res.once('drain', more)
              return
            }
          }
        }
        more()
      } else if (url.pathname === '/declared') {
        res.writeHead(200, { 'content-length': String(8 * 1024 * MiB) })
        res.write('{')
      } else {
        res.end(Buffer.alloc(MiB, 0x20))
      }
    })
  })
  after(() => server.close())

  const client = () =>
    createHttpClient({
      system: 'aed',
      baseUrl: server.url,
      maxResponseBytes: MiB,
      timeoutMs: 5000,
      retry: { maxAttempts: 3 },
      retryDeps: noSleep,
    })

  const tooLarge = (which: string) => (e: unknown) => {
    assert.ok(e instanceof RemoteError, String(e))
    assert.equal(e.kind, 'too-large', e.message)
    assert.equal(e.retryable, false)
    assert.match(
      e.message,
      new RegExp(
        `^aed GET \\S+ refused: the answer is larger than 1 MiB ${which}, the response size limit: not read further \\(raise limits\\.response_mib`,
      ),
    )
    assert.ok(!e.message.includes('\n'))
    return true
  }

  it('stops decoding a compression bomb at the limit (gzip, deflate, br, stacked), at once and not retried', async () => {
    const http = client()
    for (const coding of Object.keys(bombs)) {
      server.seen.length = 0
      await assert.rejects(
        http.request({ path: '/bomb', query: { coding } }),
        tooLarge('decoded'),
        coding,
      )
      assert.equal(server.seen.length, 1, `${coding}: retried`)
    }
    await http.close()
  })

  it('stops reading an endless body at the limit on the wire and closes the connection', async () => {
    const http = client()
    server.seen.length = 0
    const closed = new Promise<void>((resolve) => {
      closedEarly = resolve
    })
    await assert.rejects(http.request({ path: '/endless' }), tooLarge('on the wire'))
    assert.equal(server.seen.length, 1)
    // The server sees its answer cut off (the test would time out otherwise).
    await closed
    await http.close()
  })

  it('refuses a Content-Length past the limit before reading the body', async () => {
    const http = client()
    await assert.rejects(http.request({ path: '/declared' }), tooLarge('on the wire'))
    await http.close()
  })

  it('reads an answer of exactly the limit', async () => {
    const http = client()
    const res = await http.request({ path: '/exact' })
    assert.equal(res.body.length, MiB)
    await http.close()
  })
})

describe('responses and sockets', () => {
  let server: PlainServer
  const stalled: ServerResponse[] = []
  before(async () => {
    server = await plainServer((req, res) => {
      if (req.url === '/multi') {
        res.setHeader('x-multi', ['a', 'b'])
        res.end('ok')
      } else if (req.url === '/stall') {
        // Headers and half a body, then nothing: the rest never comes.
        res.writeHead(200, { 'content-length': '10' }).write('12345')
        stalled.push(res)
      } else if (req.url === '/redirect')
        res.writeHead(302, { location: '/missing' }).end('x'.repeat(50_000))
      else res.writeHead(404).end('{"message":"' + 'gone '.repeat(10_000) + '"}')
    })
  })
  after(() => server.close())

  it('reads headers case-insensitively, repeated fields joined as fetch did', async () => {
    const http = createHttpClient({ system: 'aed', baseUrl: server.url })
    const res = await http.request({ path: '/multi' })
    assert.equal(res.headers.get('X-Multi'), 'a, b')
    assert.equal(res.headers.get('x-absent'), null)
    await http.close()
  })

  it('reads every error and redirect body, so one keep-alive connection serves them all', async () => {
    const before = server.connections()
    const http = createHttpClient({ system: 'aed', baseUrl: server.url })
    for (const path of ['/a', '/redirect', '/b', '/redirect', '/c', '/redirect', '/d']) {
      await assert.rejects(
        http.request({ path }),
        (e: unknown) => (e as RemoteError).status === 404,
      )
    }
    // undici may open a second connection while the first is being handed back to the pool; a
    // body left unread would keep its socket busy for good, and each request would need a new one.
    assert.ok(server.connections() - before <= 2, String(server.connections() - before))
    await http.close()
  })

  it('times out a body that stalls after the headers, and lets go of its socket', async () => {
    const http = createHttpClient({
      system: 'threatq',
      baseUrl: server.url,
      timeoutMs: 100,
      retry: { maxAttempts: 1 },
    })
    await assert.rejects(http.request({ path: '/stall' }), (e: unknown) => {
      assert.equal((e as RemoteError).kind, 'timeout')
      assert.match((e as RemoteError).message, /timed out \(no complete answer within 0\.1 s/)
      return true
    })
    // A body left half-read would keep the request open and close() waiting for it.
    await http.close()
    assert.ok(stalled.every((res) => res.destroyed))
  })

  it("throws the caller's abort reason mid-body, and lets go of the socket", async () => {
    const http = createHttpClient({ system: 'threatq', baseUrl: server.url })
    const controller = new AbortController()
    const reason = new Error('stop')
    const pending = http.request({ path: '/stall', signal: controller.signal })
    setTimeout(() => {
      controller.abort(reason)
    }, 50)
    await assert.rejects(pending, (e: unknown) => e === reason)
    await http.close()
    assert.ok(stalled.every((res) => res.destroyed))
  })

  it("reports a DNS failure in getaddrinfo's words", async () => {
    const dispatcher = new Agent({
      connect: {
        lookup: (host, _options, callback) => {
          callback(
            Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
            '',
            4,
          )
        },
      },
    })
    const http = createHttpClient({
      system: 'threatq',
      baseUrl: 'https://tq.example',
      dispatcher,
      retry: { maxAttempts: 1 },
    })
    await assert.rejects(
      http.request({ path: '/api/token' }),
      /^RemoteError: threatq GET https:\/\/tq\.example\/api\/token failed: getaddrinfo ENOTFOUND tq\.example$/,
    )
    await dispatcher.close()
  })

  it('works on an injected dispatcher such as MockAgent, and leaves it open', async () => {
    const agent = new MockAgent()
    agent.disableNetConnect()
    agent
      .get('https://tq.example')
      .intercept({ path: '/api/x?limit=2', method: 'GET' })
      .reply(200, '{"ok":true}', { headers: { 'content-type': 'application/json' } })
      .times(2)
    const http = createHttpClient({
      system: 'threatq',
      baseUrl: 'https://tq.example',
      dispatcher: agent,
    })
    const res = await http.request({ path: '/api/x', query: { limit: 2 } })
    assert.equal(res.body, '{"ok":true}')
    assert.equal(res.headers.get('Content-Type'), 'application/json')
    await http.close()
    assert.equal((await http.request({ path: '/api/x', query: { limit: 2 } })).status, 200)
    await agent.close()
  })
})
