import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HttpClient, HttpRequest } from '../http/client.js'
import { AedLists, LISTS } from './lists.js'

/** An HttpClient answering every request with this status and body, keeping the requests. */
function http(status: number, body: unknown) {
  const sent: HttpRequest[] = []
  const client = {
    request(request: HttpRequest) {
      sent.push(request)
      return Promise.resolve({
        status,
        headers: new Headers({ 'content-type': 'application/json' }),
        url: `https://aed${request.path}`,
        method: request.method ?? 'GET',
        body: JSON.stringify(body),
      })
    },
  } as unknown as HttpClient
  return { client, sent }
}

describe('AedLists', () => {
  it('sends domains and URLs as a comma string (FortiSOAR), hosts as an array (XSOAR)', async () => {
    for (const [l, field, values, expected] of [
      [LISTS.inboundDenyDomains, 'domain', ['a.example', 'b.example'], 'a.example,b.example'],
      [LISTS.inboundDenyUrls, 'url', ['a.example/x', 'b.example/y'], 'a.example/x,b.example/y'],
      [
        LISTS.outboundDenyHosts,
        'hostAddress',
        ['192.0.2.1', '192.0.2.2'],
        ['192.0.2.1', '192.0.2.2'],
      ],
    ] as const) {
      const { client, sent } = http(201, {})
      await new AedLists(client, () => Promise.resolve('v3')).add(l, values, ['n1', 'n2'], '-1')
      const body = JSON.parse(sent[0]?.body ?? '{}') as Record<string, unknown>
      assert.deepEqual(body[field], expected, field)
      assert.equal(body.annotation, 'n1,n2')
    }
  })

  it("reads a list answer's one array under another key than the v3 name (as XSOAR does)", async () => {
    const { client } = http(200, {
      'blacklisted-hosts': [{ annotation: 'a', hostAddress: '192.0.2.1', updateTime: 1 }],
    })
    const lists = new AedLists(client, () => Promise.resolve('v3'))
    const pages = []
    for await (const page of lists.readAll(LISTS.outboundDenyHosts)) pages.push(page)
    assert.deepEqual(
      pages.flat().map((e) => e.value),
      ['192.0.2.1'],
    )
  })

  it('refuses an answer with no array, or with two (which one is the list?)', async () => {
    for (const body of [{ hosts: 'x' }, { a: [], b: [] }]) {
      const lists = new AedLists(http(200, body).client, () => Promise.resolve('v3'))
      await assert.rejects(async () => {
        for await (const page of lists.readAll(LISTS.outboundDenyHosts)) assert.ok(page)
      }, /no "denied-hosts" array/)
    }
  })
})
