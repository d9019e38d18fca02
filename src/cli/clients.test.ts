import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { describe, it } from 'node:test'
import { parseHost } from '../config/host.js'
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
