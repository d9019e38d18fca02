/**
 * Servers whose paging never ends: each loop must stop with an error, not read for
 * ever. Every server here gives up on its own after CAP requests, so old code fails, not hangs.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serveApp } from '../../sim/common/serve.js'
import { RemoteError } from '../http/errors.js'
import type { StixObject } from '../stix/types.js'
import { createTaxiiClient } from './client.js'
import { TEST_COLLECTIONS, TEST_ROOT } from '../../sim/taxii/app.js'
import type { TaxiiVersion } from './types.js'

const CAP = 60
const WRITABLE = TEST_COLLECTIONS[0]?.title ?? ''

function indicator(n: number): StixObject {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    pattern: `[ipv4-addr:value = '10.0.0.${String(n)}']`,
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00.000Z',
  }
}

/** A server answering discovery-side resources, and `objects(n)` for the n-th objects request. */
async function hostile(
  version: TaxiiVersion,
  objects: (n: number) => { body: unknown; headers?: Record<string, string>; status?: number },
) {
  const media = `application/${version === '2.0' ? 'vnd.oasis.taxii+json' : 'taxii+json'};version=${version}`
  let reads = 0
  const server = await serveApp(
    (request) => {
      if (!new URL(request.url).pathname.endsWith('/objects/')) {
        const body = {
          title: 'root',
          versions: [`taxii-${version}`],
          max_content_length: 100000,
          collections: TEST_COLLECTIONS,
        }
        return new Response(JSON.stringify(body), { headers: { 'content-type': media } })
      }
      reads++
      const answer = objects(reads)
      return new Response(JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'content-type': media, ...answer.headers },
      })
    },
    { host: '127.0.0.1', port: 0, tls: false },
  )
  const client = createTaxiiClient({ version, url: server.url, retry: { maxAttempts: 1 } })
  return {
    client,
    reads: () => reads,
    close: async () => {
      await client.close()
      await server.close()
    },
  }
}

async function drain<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

const stopped = (pattern: RegExp) => (error: unknown) =>
  error instanceof RemoteError && !error.retryable && pattern.test(error.message)

describe('TAXII paging that never ends', () => {
  it('2.1: more:true with the same next every time is an error after one repeat', async () => {
    const s = await hostile('2.1', (n) => ({
      body: { more: n < CAP, next: 'same', objects: [indicator(n)] },
    }))
    const collection = await s.client.collection(TEST_ROOT, WRITABLE)
    await assert.rejects(drain(s.client.objects(collection)), stopped(/next cursor repeats/))
    assert.equal(s.reads(), 2)
    await s.close()
  })

  it('2.1: fresh next tokens over the same objects are an error (nothing new)', async () => {
    const s = await hostile('2.1', (n) => ({
      body: { more: n < CAP, next: `t${String(n)}`, objects: [indicator(1), indicator(2)] },
    }))
    const collection = await s.client.collection(TEST_ROOT, WRITABLE)
    await assert.rejects(drain(s.client.objects(collection)), stopped(/nothing new/))
    assert.equal(s.reads(), 2)
    await s.close()
  })

  it('2.1: without next, an X-TAXII-Date-Added-Last that does not advance is an error', async () => {
    const s = await hostile('2.1', (n) => ({
      body: { more: n < CAP, objects: [indicator(n)] },
      headers: { 'x-taxii-date-added-last': '2026-01-01T00:00:00.000Z' },
    }))
    const collection = await s.client.collection(TEST_ROOT, WRITABLE)
    await assert.rejects(drain(s.client.objects(collection)), stopped(/next cursor repeats/))
    assert.equal(s.reads(), 2)
    await s.close()
  })

  it('2.0: Content-Range with an unknown total over the same objects is an error', async () => {
    const s = await hostile('2.0', (n) => ({
      // Past CAP, 416: the end of the range, so old code stops too (with a wrong answer).
      status: n < CAP ? 206 : 416,
      body: { type: 'bundle', id: 'bundle--1', spec_version: '2.0', objects: [indicator(1)] },
      headers: { 'content-range': `items ${String(n - 1)}-${String(n - 1)}/*` },
    }))
    const collection = await s.client.collection(TEST_ROOT, WRITABLE)
    await assert.rejects(
      drain(s.client.objects(collection, {}, { pageSize: 1 })),
      stopped(/nothing new/),
    )
    assert.equal(s.reads(), 2)
    await s.close()
  })
})
