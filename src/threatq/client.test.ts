import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { HttpClient, HttpRequest } from '../http/client.js'
import { ThreatqClient } from './client.js'

const record = (id: number) => ({
  id,
  value: `h${String(id)}.example`,
  type: { name: 'FQDN' },
  created_at: '2024-01-01 00:00:00',
  updated_at: '2024-01-01 00:00:00',
})

/** Answers every query page with `page(cursor)`; records the cursors asked for. */
function fakeHttp(page: (cursor: string) => unknown): { http: HttpClient; cursors: string[] } {
  const cursors: string[] = []
  const http: HttpClient = {
    system: 'threatq',
    baseUrl: 'https://tq.example',
    request: (request: HttpRequest) => {
      const cursor = String(request.query?.cursorMark)
      cursors.push(cursor)
      return Promise.resolve({
        status: 200,
        headers: new Headers(),
        url: 'https://tq.example/api/indicators/query',
        method: 'POST',
        body: JSON.stringify(page(cursor)),
      })
    },
    close: () => Promise.resolve(),
  }
  return { http, cursors }
}

async function pages(http: HttpClient) {
  const client = new ThreatqClient(http, pino({ level: 'silent' }))
  const seen = []
  for await (const page of client.query('indicators', {}, { pageSize: 2 })) seen.push(page)
  return seen
}

describe('ThreatQ query paging against a misbehaving server', () => {
  it('stops when a new cursor brings back the same page, without yielding it twice', async () => {
    const { http, cursors } = fakeHttp((cursor) => ({
      data: [record(1), record(2)],
      nextCursorMark: `${cursor}+`,
    }))
    const got = await pages(http)
    assert.equal(got.length, 1)
    assert.deepEqual(cursors, ['*', '*+'])
  })

  it('stops when the cursor does not advance', async () => {
    const { http } = fakeHttp(() => ({ data: [record(1), record(2)], nextCursorMark: 'same' }))
    assert.equal((await pages(http)).length, 1)
  })

  it('takes a record listed twice in a page once, reporting the second', async () => {
    const { http } = fakeHttp(() => ({ data: [record(7), record(7)] }))
    const page = (await pages(http))[0]
    assert.ok(page !== undefined)
    assert.deepEqual(
      page.records.map((r) => r.id),
      [7],
    )
    assert.deepEqual(page.invalid, [{ id: 7, reason: 'duplicate id: listed twice in the page' }])
  })
})
