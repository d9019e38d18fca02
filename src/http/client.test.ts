import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Hono } from 'hono'
import { pino } from 'pino'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import { startProxy, type RecordingProxy } from '../../test/helpers/proxy.js'
import { createHttpClient, type HttpClientOptions } from './client.js'
import { RemoteError } from './errors.js'

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
    const http = client({ timeoutMs: 50, retry: { maxAttempts: 2 } })
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
    await assert.rejects(
      http.request({ path: '/' }),
      (e: unknown) => (e as RemoteError).kind === 'network' && !(e as RemoteError).retryable,
    )
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
