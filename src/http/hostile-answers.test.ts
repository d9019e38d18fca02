/**
 * Hostile servers (docs/reliability.md, "Hostile input"): answers that must not be read as data.
 * Each system's real client against a loopback server: bytes that are not UTF-8, an HTML login page
 * answered with 200, and JSON whose keys are `__proto__`, `constructor` or `prototype`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { AedLists, LISTS } from '../aed/lists.js'
import { parseOptions } from '../config/options.js'
import { createTaxiiClient } from '../taxii/client.js'
import { TEST_COLLECTIONS, TEST_ROOT } from '../../sim/taxii/app.js'
import { ThreatqClient } from '../threatq/client.js'
import { createHttpClient, type HttpClientOptions } from './client.js'
import { RemoteError, type RemoteSystem } from './errors.js'
import { silentLogger } from '../log/logger.js'

const noSleep: HttpClientOptions['retryDeps'] = { sleep: () => Promise.resolve(), random: () => 0 }
const TAXII_21 = 'application/taxii+json;version=2.1'

interface Answer {
  body: string | Buffer
  type: string
  status?: number
}

/** One loopback server whose answer each test sets; it counts the requests it gets. */
let server: RunningServer
let answer: (path: string) => Answer = () => ({ body: '{}', type: 'application/json' })
let requests = 0

before(async () => {
  server = await serveApp(
    (request) => {
      requests++
      const a = answer(new URL(request.url).pathname)
      return new Response(a.body, { status: a.status ?? 200, headers: { 'content-type': a.type } })
    },
    { host: '127.0.0.1', port: 0, tls: false },
  )
})
after(() => server.close())

function serve(next: (path: string) => Answer): void {
  answer = next
  requests = 0
}

const http = (system: RemoteSystem) =>
  createHttpClient({ system, baseUrl: `${server.url}/`, retryDeps: noSleep })
const threatq = () => new ThreatqClient(http('threatq'), silentLogger)
const aed = () => new AedLists(http('aed'), () => Promise.resolve('v3'))
const taxii = () => createTaxiiClient({ version: '2.1', url: server.url, retryDeps: noSleep })

async function drain<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Each system's client asked for something, the server answering `body` as `type`. */
const CALLS: { system: RemoteSystem; type: string; call: () => Promise<unknown> }[] = [
  { system: 'threatq', type: 'application/json', call: () => threatq().findConnector('c') },
  {
    system: 'aed',
    type: 'application/json',
    call: () => drain(aed().readAll(LISTS.inboundDenyDomains)),
  },
  { system: 'taxii', type: TAXII_21, call: () => taxii().discover() },
]

/** A non-retried error naming the system, matching `pattern`, on one request, on one line. */
function refused(system: RemoteSystem, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof RemoteError, String(error))
    assert.equal(error.system, system)
    assert.equal(error.retryable, false)
    assert.match(error.message, new RegExp(`^${system} GET `))
    assert.match(error.message, pattern)
    assert.doesNotMatch(error.message, /\n/)
    assert.equal(requests, 1, 'not retried')
    return true
  }
}

describe('answers that are not UTF-8', () => {
  // Two AED values differing only in a bad byte: read leniently, both became "a\uFFFD.example".
  const bad = (type: string) => ({
    body: Buffer.concat([
      Buffer.from('{"data":[],"title":"t","api_roots":[],"denied-domains":[{"domain":"a'),
      Buffer.from([0xff]),
      Buffer.from('.example","annotation":"x"},{"domain":"a'),
      Buffer.from([0xfe]),
      Buffer.from('.example","annotation":"x"}]}'),
    ]),
    type,
  })

  for (const { system, type, call } of CALLS)
    it(`${system}: refused, not read with replacement characters, and not retried`, async () => {
      serve(() => bad(type))
      await assert.rejects(call(), refused(system, /not valid UTF-8/))
    })

  it('an error body that is not UTF-8 is still quoted, and its status still retried', async () => {
    serve(() => ({ body: Buffer.from([0x62, 0x61, 0x64, 0xff]), type: 'text/plain', status: 503 }))
    await assert.rejects(
      http('aed').request({ path: '/x' }),
      (e: unknown) => e instanceof RemoteError && e.status === 503 && /bad\uFFFD/.test(e.message),
    )
    assert.ok(requests > 1, 'retried')
  })
})

describe('a 200 HTML login page (a proxy or SSO portal, or the wrong host)', () => {
  const page = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Log in</body></html>'

  for (const { system, call } of CALLS)
    it(`${system}: one line naming the system, the address setting and the likely cause`, async () => {
      serve(() => ({ body: page, type: 'text/html; charset=utf-8' }))
      await assert.rejects(
        call(),
        refused(
          system,
          /HTML page \(Content-Type text\/html\).*login page.*(ThreatQ Host|hostname)/,
        ),
      )
    })

  it('aed: a list add refused with an HTML error page (400) is still a refusal, quoted', async () => {
    serve(() => ({ body: page, type: 'text/html', status: 400 }))
    const answer = await aed().add(LISTS.inboundDenyDomains, ['a.example'], ['n'], undefined)
    assert.ok(!answer.ok)
    assert.match(answer.refusal.message, /Sign in/)
  })

  it('aed: a DELETE answered with the page is not taken for a removal', async () => {
    serve(() => ({ body: page, type: 'text/html' }))
    await assert.rejects(
      aed().remove(LISTS.inboundDenyDomains, ['a.example'], undefined),
      (e: unknown) => e instanceof RemoteError && /HTML page/.test(e.message),
    )
  })
})

describe('__proto__, constructor and prototype keys in JSON answers', () => {
  const HOSTILE =
    '"__proto__":{"polluted":"yes","never_block":"0.0.0.0/0","more":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}'

  const clean = () => {
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted')
  }

  it('threatq: the connector record and its custom fields inject no option', async () => {
    const fields = `{${HOSTILE},"hostname":"aed.example"}`
    serve(() => ({
      body: `{${HOSTILE},"data":[{${HOSTILE},"id":7,"name":"c","is_active":true,"custom_fields":${JSON.stringify(fields)}}]}`,
      type: 'application/json',
    }))
    const record = await threatq().findConnector('c')
    assert.ok(record !== undefined)
    const { options } = parseOptions(record.custom_fields, {})
    assert.deepEqual(options.never_block, [])
    assert.equal(options.hostname, 'aed.example')
    assert.equal((options as Record<string, unknown>).polluted, undefined)
    clean()
  })

  it('aed: a list answer reads its own array only', async () => {
    serve(() => ({
      body: `{${HOSTILE},"denied-domains":[{${HOSTILE},"domain":"a.example","annotation":"x"}]}`,
      type: 'application/json',
    }))
    const pages = await drain(aed().readAll(LISTS.inboundDenyDomains))
    assert.deepEqual(
      pages.flat().map((e) => [e.value, e.annotations]),
      [['a.example', ['x']]],
    )
    clean()
  })

  it('taxii: an envelope whose __proto__ says more:true ends; discovery names no root through it', async () => {
    const object = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--00000000-0000-4000-8000-000000000001',
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '10.0.0.1']",
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00.000Z',
    }
    serve((path) =>
      path.endsWith('/objects/')
        ? {
            body: `{${HOSTILE},"objects":[${JSON.stringify(object).slice(0, -1)},${HOSTILE}}]}`,
            type: TAXII_21,
          }
        : path === '/taxii2/'
          ? { body: `{${HOSTILE},"title":"t"}`, type: TAXII_21 }
          : {
              body: JSON.stringify({
                title: 'r',
                versions: ['taxii-2.1'],
                max_content_length: 1000,
                collections: TEST_COLLECTIONS,
              }),
              type: TAXII_21,
            },
    )
    const client = taxii()
    const discovery = await client.discover()
    assert.equal(discovery.api_roots, undefined)
    assert.equal(discovery.default, undefined)
    const collection = await client.collection(TEST_ROOT, TEST_COLLECTIONS[0]?.title ?? '')
    const objects = await drain(client.objects(collection))
    assert.deepEqual(
      objects.map((o) => o.id),
      [object.id],
    )
    clean()
  })
})
