/**
 * A TAXII discovery document naming API roots on another origin. The connector used to
 * follow it, sending the TAXII Basic credentials (and then the export) wherever it pointed.
 */
import assert from 'node:assert/strict'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, it } from 'node:test'
import { ConfigError } from '../../errors.js'
import { createTaxiiClient, type TaxiiClient } from '../../taxii/client.js'
import { findTaxiiCollection } from './find-collection.js'

const MEDIA = 'application/taxii+json;version=2.1'
const COLLECTION = { id: 'c1', title: 'AED Blocklist', can_read: true, can_write: true }

interface Server {
  url: string
  seen: { url: string; headers: IncomingHttpHeaders }[]
  close(): Promise<void>
}

async function server(
  answer: (req: IncomingMessage, res: ServerResponse, self: string) => void,
): Promise<Server> {
  const seen: Server['seen'] = []
  let self = ''
  const s = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    answer(req, res, self)
  })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  self = `http://127.0.0.1:${String((s.address() as AddressInfo).port)}`
  return {
    url: self,
    seen,
    close: () =>
      new Promise((resolve) => {
        s.closeAllConnections()
        s.close(() => {
          resolve()
        })
      }),
  }
}

/** A TAXII 2.1 server with one API root, api1, whose discovery says what `roots` returns. */
function taxiiServer(roots: (self: string) => { default?: string; api_roots: string[] }) {
  return server((req, res, self) => {
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': MEDIA })
      res.end(JSON.stringify(body))
    }
    if (req.url === '/taxii2/') json({ title: 'AED', ...roots(self) })
    else if (req.url === '/api1/')
      json({ title: 'root', versions: [MEDIA], max_content_length: 1_000_000 })
    else if (req.url === '/api1/collections/') json({ collections: [COLLECTION] })
    else {
      res.writeHead(404)
      res.end()
    }
  })
}

describe('findTaxiiCollection: API roots on another origin', () => {
  const open: Server[] = []
  const clients: TaxiiClient[] = []
  afterEach(async () => {
    await Promise.all([...clients.map((c) => c.close()), ...open.map((s) => s.close())])
    open.length = 0
    clients.length = 0
  })
  const taxii = (url: string) => {
    const client = createTaxiiClient({ version: '2.1', url, username: 'user', password: 's3cret' })
    clients.push(client)
    return client
  }

  it('refuses a discovery whose roots are all elsewhere (another port): exit 2 naming hostname, nothing sent there', async () => {
    const evil = await taxiiServer(() => ({ api_roots: [] }))
    const aed = await taxiiServer(() => ({
      default: `${evil.url}/api1/`,
      api_roots: [`${evil.url}/api1/`],
    }))
    open.push(evil, aed)
    const error = await findTaxiiCollection(taxii(aed.url), COLLECTION.title).then(
      () => assert.fail('the collection was found on another origin'),
      (e: unknown) => e,
    )
    assert.deepEqual(
      evil.seen.map((s) => s.headers.authorization),
      [],
      'the other origin got requests (and the credentials)',
    )
    assert.ok(error instanceof ConfigError, String(error))
    assert.equal(error.code, 2)
    assert.equal(error.option, 'hostname')
    assert.match(error.message, new RegExp(`${evil.url}/api1/`))
    assert.doesNotMatch(error.message, /s3cret|dXNlcjpzM2NyZXQ/)
  })

  it('refuses plain http named by an https discovery, and another host', async () => {
    const aed = await taxiiServer(() => ({
      default: 'https://127.0.0.2/api1/',
      api_roots: ['http://aed.example.org/api1/', '//evil.example.org/api1/'],
    }))
    open.push(aed)
    const error = await findTaxiiCollection(taxii(aed.url), COLLECTION.title).then(
      () => assert.fail('followed'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof ConfigError, String(error))
    assert.deepEqual(
      aed.seen.map((s) => s.url),
      ['/taxii2/'],
    )
  })

  it('uses a root on the configured origin, however it is spelled, and skips the others', async () => {
    const evil = await taxiiServer(() => ({ api_roots: [] }))
    const aed = await taxiiServer((self) => ({
      default: `${evil.url}/api1/`,
      // Scheme and host case and an explicit port are the same origin.
      api_roots: [`${self.replace('http://', 'HTTP://')}/api1/`],
    }))
    open.push(evil, aed)
    const found = await findTaxiiCollection(taxii(aed.url), COLLECTION.title)
    assert.equal(found.info.id, COLLECTION.id)
    assert.equal(evil.seen.length, 0)
  })

  it('still reports the real failure of a root on the configured origin', async () => {
    const aed = await taxiiServer(() => ({
      default: '/api1/',
      api_roots: ['https://127.0.0.2/x/'],
    }))
    open.push(aed)
    await assert.rejects(findTaxiiCollection(taxii(aed.url), 'Other'), /"Other" not found/)
  })
})
