import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { Hono } from 'hono'
import { ConnectionReset, FaultTable, faultMiddleware } from './faults.js'
import { RequestCounter } from './requests.js'
import { serveApp } from './serve.js'

/** Polls `condition` (server-side state changes as the sockets move). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 2000) throw new Error('condition not reached within 20 s')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function app(table: FaultTable, counter = new RequestCounter()): Hono {
  const a = new Hono()
  a.use(counter.middleware())
  a.use(faultMiddleware(table))
  a.get('/api/items/:id', (c) => c.json({ id: c.req.param('id') }))
  a.post('/api/items', (c) => c.json({ created: true }, 201))
  a.get('/_sim/state', (c) => c.json({ requests: counter.snapshot() }))
  return a
}

describe('fault injection', () => {
  it('answers the injected status and Retry-After for `times` matching requests, then clears', async () => {
    const table = new FaultTable()
    table.add({
      match: { method: 'post', path: '^/api/items$' },
      fault: { status: 503, retryAfter: '2' },
      times: 2,
    })
    const a = app(table)
    const get = await a.request('/api/items/1')
    assert.equal(get.status, 200, 'other methods are not faulted')
    for (let i = 0; i < 2; i++) {
      const res = await a.request('/api/items', { method: 'POST' })
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '2')
    }
    assert.equal((await a.request('/api/items', { method: 'POST' })).status, 201)
  })

  it('serves a raw (malformed) body with a 200 when only a body is given', async () => {
    const table = new FaultTable()
    table.add({ match: { path: '/api/items/' }, fault: { body: '{"id": "1"' } })
    const res = await app(table).request('/api/items/1')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '{"id": "1"')
  })

  it('never faults the /_sim/ admin surface', async () => {
    const table = new FaultTable()
    table.add({ fault: { status: 500 } })
    assert.equal((await app(table).request('/_sim/state')).status, 200)
  })

  it('resets the connection: ConnectionReset without a socket, a dropped socket with one', async () => {
    const table = new FaultTable()
    table.add({ match: { path: '/api/items/1' }, fault: { reset: true }, times: 2 })
    const a = app(table)
    a.onError((error) => {
      throw error
    })
    await assert.rejects(Promise.resolve(a.request('/api/items/1')), ConnectionReset)
    const server = await serveApp(a.fetch, { host: '127.0.0.1', port: 0, tls: false })
    try {
      await assert.rejects(fetch(`${server.url}/api/items/1`), TypeError)
      const ok = await fetch(`${server.url}/api/items/1`)
      assert.deepEqual(await ok.json(), { id: '1' })
    } finally {
      await server.close()
    }
  })

  it('holds the k-th request (empty rules let k - 1 through); a client that leaves drops it unhandled', async () => {
    const table = new FaultTable()
    let handled = 0
    const a = new Hono()
    a.use(faultMiddleware(table))
    a.post('/api/items', async (c) => {
      handled += 1
      return c.json({ created: handled, bytes: (await c.req.text()).length }, 201)
    })
    table.add({ match: { path: '^/api/items$' }, fault: {}, times: 2 })
    table.add({ match: { path: '^/api/items$' }, fault: { delayMs: 60_000 }, times: 1 })
    const server = await serveApp(a.fetch, { host: '127.0.0.1', port: 0, tls: false })
    try {
      // The client is a process killed with SIGKILL while its third request (with a body, on a
      // kept-alive connection, as the connector's are) is held, as the crash tests do.
      const client = spawn(process.execPath, [
        '-e',
        `(async () => {
          for (let i = 0; i < 2; i++) await (await fetch(process.argv[1], { method: 'POST', body: 'y' })).text()
          await fetch(process.argv[1], { method: 'POST', body: 'x'.repeat(100000) })
        })()`,
        `${server.url}/api/items`,
      ])
      await until(() => table.held === 1)
      assert.equal(handled, 2, 'the held request has not reached the handler')
      client.kill('SIGKILL')
      await until(() => table.held === 0)
      const after = await fetch(`${server.url}/api/items`, { method: 'POST', body: 'abc' })
      assert.deepEqual(
        await after.json(),
        { created: 3, bytes: 3 },
        'the dropped request was never handled',
      )
    } finally {
      await server.close()
    }
  })

  it('delayAfterMs applies the request, then holds its answer until the client leaves', async () => {
    const table = new FaultTable()
    let handled = 0
    const a = new Hono()
    a.use(faultMiddleware(table))
    a.post('/api/items', (c) => {
      handled += 1
      return c.json({ created: handled }, 201)
    })
    table.add({ match: { path: '^/api/items$' }, fault: { delayAfterMs: 60_000 }, times: 1 })
    const server = await serveApp(a.fetch, { host: '127.0.0.1', port: 0, tls: false })
    try {
      const client = new AbortController()
      const held = fetch(`${server.url}/api/items`, { method: 'POST', signal: client.signal })
      await until(() => table.held === 1)
      assert.equal(handled, 1, 'the write is applied before the answer is held')
      client.abort()
      await assert.rejects(held)
      await until(() => table.held === 0)
    } finally {
      await server.close()
    }
  })

  it('a short delay answers normally once it is over, the body intact', async () => {
    const table = new FaultTable()
    const a = new Hono()
    a.use(faultMiddleware(table))
    a.post('/api/items', async (c) => c.json(await c.req.json()))
    table.add({ match: { path: '^/api/items$' }, fault: { delayMs: 20, delayAfterMs: 20 } })
    const res = await a.request('/api/items', { method: 'POST', body: '{"value": "v"}' })
    assert.deepEqual(await res.json(), { value: 'v' })
    assert.equal(table.held, 0)
  })

  it('rejects a malformed rule', () => {
    assert.throws(() => {
      new FaultTable().add({ fault: { status: 42 } })
    })
    assert.throws(() => {
      new FaultTable().add({ match: { path: '(' }, fault: { status: 500 } })
    }, SyntaxError)
  })

  it('counts requests per route, not per URL', async () => {
    const counter = new RequestCounter()
    const a = app(new FaultTable(), counter)
    await a.request('/api/items/1')
    await a.request('/api/items/2')
    assert.deepEqual(counter.snapshot(), { 'GET /api/items/:id': 2 })
  })
})

describe('serveApp over TLS', () => {
  it('serves HTTPS with the simulator certificate', async () => {
    const { SIM_TLS_CERT } = await import('./tls.js')
    const { Agent, fetch: undiciFetch } = await import('undici')
    const a = app(new FaultTable())
    const server = await serveApp(a.fetch, { host: '127.0.0.1', port: 0, tls: true })
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      const dispatcher = new Agent({ connect: { ca: SIM_TLS_CERT } })
      const res = await undiciFetch(`${server.url}/api/items/7`, { dispatcher })
      assert.deepEqual(await res.json(), { id: '7' })
      await assert.rejects(undiciFetch(`${server.url}/api/items/7`), 'unknown CA is refused')
      await dispatcher.close()
    } finally {
      await server.close()
    }
  })
})
