import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { describe, it } from 'node:test'
import { parseHost } from '../config/host.js'
import { THREATS_PATH } from '../edm/client.js'
import { probeEdm } from '../edm/probe.js'
import { RemoteError } from '../http/errors.js'
import { parseOptions } from '../config/options.js'
import { stateSchema } from '../config/state-file.js'
import { silentLogger } from '../log/logger.js'
import { Secrets } from '../log/secrets.js'
import { MEDIA_TYPES } from '../taxii/types.js'
import { RunClients } from './clients.js'

/** Answers ThreatQ's token and statuses, AED's summary and TAXII's discovery, keeping sockets open. */
async function startServer(): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const json = (body: unknown, type = 'application/json') => {
      // A server-side keep-alive this long: only the client closing ends the connection.
      res.writeHead(200, { 'content-type': type, 'keep-alive': 'timeout=600' })
      res.end(JSON.stringify(body))
    }
    const path = new URL(req.url ?? '/', 'http://server').pathname
    if (path === '/api/token') json({ access_token: 'token', expires_in: 3600 })
    else if (path === '/api/indicator/statuses') json({ data: [{ id: 1, name: 'Review' }] })
    else if (path === '/api/aed/v3/summary/') json({})
    else if (path === '/taxii2/') json({ title: 'AED' }, MEDIA_TYPES['2.1'].taxii)
    else json({ errors: ['not here'] })
  })
  server.keepAliveTimeout = 600_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${String(port)}`, sockets }
}

async function allClosed(sockets: Set<Socket>): Promise<void> {
  await Promise.all([...sockets].filter((s) => !s.closed).map((s) => once(s, 'close')))
}

describe('RunClients', () => {
  it('closes every client it made, the ThreatQ token client too, when the scope fails', async () => {
    const { server, url, sockets } = await startServer()
    const host = parseHost(url, 'test host')
    const { options } = parseOptions(
      {},
      {
        hostname: url,
        api_token: 't',
        stix_client_username: 'u',
        stix_client_password: 'p',
        aed_api_version: 'auto',
      },
    )
    const failure = new Error('the run failed')
    const scope = async () => {
      await using clients = new RunClients({
        logger: silentLogger,
        timeouts: { httpMs: undefined, taxiiStatusMs: undefined, responseBytes: undefined },
        signal: undefined,
      })
      const threatq = clients.threatq(
        { threatq: host, clientId: 'c', username: 'u', password: 'p', caFile: undefined },
        stateSchema.parse({}),
        new Secrets(),
      )
      assert.equal(await threatq.indicatorStatusId('Review'), 1)
      const aed = clients.aed({ options, aedHost: host, aedTls: { verify: true } })
      assert.equal(await aed.rest().apiVersion(), 'v3')
      assert.equal((await aed.taxii('2.1').discover()).title, 'AED')
      // Token, ThreatQ API, AED REST, TAXII: one keep-alive connection each, all still open.
      assert.equal(sockets.size, 4)
      throw failure
    }
    try {
      await assert.rejects(scope(), failure)
      await allClosed(sockets)
      assert.equal(sockets.size, 0)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

describe('RunClients closing', () => {
  /** RunClients with one client whose close fails, and the warnings its logger received. */
  function withFailingClose(): { clients: RunClients; warnings: unknown[] } {
    const warnings: unknown[] = []
    class WithFailingClient extends RunClients {
      constructor() {
        super({
          logger: { ...silentLogger, warn: (fields: object) => warnings.push(fields) },
          timeouts: { httpMs: undefined, taxiiStatusMs: undefined, responseBytes: undefined },
          signal: undefined,
        })
        this.own({ close: () => Promise.reject(new Error('socket already gone')) })
        this.own({ close: () => Promise.resolve() })
      }
    }
    return { clients: new WithFailingClient(), warnings }
  }

  it("keeps the run's own error when a client's close fails, and logs the close failure", async () => {
    const { clients, warnings } = withFailingClose()
    const failure = new Error('the run failed')
    const scope = async () => {
      await using _ = clients
      throw failure
    }
    await assert.rejects(scope(), (error) => error === failure)
    assert.equal(warnings.length, 1)
    assert.match(String((warnings[0] as { err: unknown }).err), /socket already gone/)
  })

  it('does not fail a run that succeeded because a close failed', async () => {
    const { clients, warnings } = withFailingClose()
    const scope = async () => {
      await using _ = clients
      return 'done'
    }
    assert.equal(await scope(), 'done')
    assert.equal(warnings.length, 1)
  })
})

describe('RunClients: the EDM client', () => {
  /** An EDM that answers every threats query 503, counting the queries. */
  async function unavailableEdm(): Promise<{ server: Server; url: string; queries: () => number }> {
    let queries = 0
    const server = createServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://edm').pathname === THREATS_PATH) queries++
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end('{"error":"busy"}')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    return { server, url: `http://127.0.0.1:${String(port)}`, queries: () => queries }
  }

  async function probeWith(
    url: string,
    retry: { maxAttempts: number } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const { options } = parseOptions({}, { hostname: url, edm_host: url, edm_api_token: 't' })
    await using clients = new RunClients({
      logger: silentLogger,
      timeouts: { httpMs: undefined, taxiiStatusMs: undefined, responseBytes: undefined, retry },
      signal,
    })
    const edm = clients.aed({ options, aedHost: parseHost(url, 'AED'), aedTls: { verify: true } })
    return await probeEdm(edm.edm(), { end: Date.now() }).catch((error: unknown) => error)
  }

  it("takes the run's retry settings: --check's one attempt is one EDM query", async () => {
    const { server, url, queries } = await unavailableEdm()
    try {
      const error = await probeWith(url, { maxAttempts: 1 }, undefined)
      assert.ok(error instanceof RemoteError, String(error))
      assert.equal(queries(), 1)
    } finally {
      server.close()
    }
  })

  it("takes the run's abort signal: a stopped run sends EDM nothing", async () => {
    const { server, url, queries } = await unavailableEdm()
    try {
      const error = await probeWith(url, undefined, AbortSignal.abort(new Error('stopped')))
      assert.ok(error instanceof Error, String(error))
      assert.equal(queries(), 0)
    } finally {
      server.close()
    }
  })
})
