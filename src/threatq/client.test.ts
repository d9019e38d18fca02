import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js'
import { RemoteError } from '../http/errors.js'
import { silentLogger } from '../log/logger.js'
import { embeddable, ThreatqClient, withParam } from './client.js'

const record = (id: number) => ({
  id,
  value: `10.0.0.${String(id)}`,
  type: { name: 'IP Address' },
  created_at: '2024-01-01 00:00:00',
  updated_at: '2024-01-02 00:00:00',
})

const ok = (request: HttpRequest, body: unknown): HttpResponse => ({
  status: 200,
  headers: new Headers({ 'content-type': 'application/json' }),
  url: request.path,
  method: request.method ?? 'GET',
  body: JSON.stringify(body),
})

/** An HttpClient whose answers the test releases one at a time, keeping every request. */
function heldHttp() {
  const requests: HttpRequest[] = []
  const waiting: ((answer: (request: HttpRequest) => HttpResponse) => void)[] = []
  const http: HttpClient = {
    system: 'threatq',
    baseUrl: 'https://tq.example',
    request(request) {
      requests.push(request)
      return new Promise((resolve, reject) => {
        waiting.push((answer) => {
          try {
            resolve(answer(request))
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)))
          }
        })
      })
    },
    close: () => Promise.resolve(),
  }
  /** Answers the oldest request still waiting. */
  const answer = async (reply: (request: HttpRequest) => HttpResponse) => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r))
    waiting.shift()?.(reply)
  }
  return { http, requests, answer }
}

const page =
  (ids: number[], next: string | undefined, total = 4) =>
  (request: HttpRequest) =>
    ok(request, { total, data: ids.map(record), nextCursorMark: next, limit: 2 })

describe('ThreatqClient.query', () => {
  it('pages by cursor in id order and asks for the next page while this one is being used', async () => {
    const { http, requests, answer } = heldHttp()
    const client = new ThreatqClient(http, silentLogger)
    const pages = client.query('indicators', {}, { pageSize: 2, with: ['malware'] })

    const first = pages.next()
    await answer(page([1, 2], 'c1'))
    const got = await first
    assert.deepEqual(got.done ? [] : got.value.records.map((r) => r.id), [1, 2])
    // The consumer has not asked for page 2 yet, and it is already on its way.
    assert.equal(requests.length, 2)
    const [asked, readAhead] = requests.map((r) => r.query ?? {})
    assert.deepEqual(asked, { limit: 2, sort: 'id', cursorMark: '*', with: 'sources,malware' })
    assert.equal(readAhead?.cursorMark, 'c1')

    const second = pages.next()
    await answer(page([3, 4], 'c2'))
    assert.equal((await second).done, false)
    const third = pages.next()
    await answer(page([], 'c2'))
    assert.equal((await third).done, true)
    assert.equal(requests.length, 3, 'an empty page ends the query')
  })

  it('a failure of the page read ahead surfaces when that page is reached, not as an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const { http, answer } = heldHttp()
      const client = new ThreatqClient(http, silentLogger)
      const pages = client.query('indicators', {}, { pageSize: 2 })
      const first = pages.next()
      await answer(page([1, 2], 'c1'))
      await first
      await answer(() => {
        throw new RemoteError({
          system: 'threatq',
          kind: 'http',
          method: 'POST',
          url: 'https://tq.example/api/indicators/query',
          status: 500,
          retryable: false,
        })
      })
      // Give an unhandled rejection time to be reported while the consumer is busy.
      await new Promise((r) => setTimeout(r, 20))
      await assert.rejects(pages.next(), RemoteError)
      assert.deepEqual(unhandled, [])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('a consumer that stops early cancels the page read ahead', async () => {
    const { http, requests, answer } = heldHttp()
    const client = new ThreatqClient(http, silentLogger)
    const pages = client.query('indicators', {}, { pageSize: 2 })
    const first = pages.next()
    await answer(page([1, 2], 'c1'))
    await first
    await pages.return(undefined)
    assert.equal(requests[1]?.signal?.aborted, true)
  })

  it('stops, with a warning, when pages go on far past the total', async () => {
    const { http, requests, answer } = heldHttp()
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (_: object, message: string) => warnings.push(message) }
    const client = new ThreatqClient(http, logger)
    const seen: number[] = []
    const consume = (async () => {
      for await (const p of client.query('indicators', {}, { pageSize: 2 }))
        seen.push(...p.records.map((r) => r.id))
    })()
    // The server claims 2 records and never stops handing out new cursors.
    for (let k = 1; k <= 4; k++) await answer(page([2 * k - 1, 2 * k], `c${String(k)}`, 2))
    await consume
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8])
    assert.equal(requests.length, 4)
    assert.match(warnings.join('\n'), /past its total/)
  })
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
  const client = new ThreatqClient(http, silentLogger)
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

  it('stops when cursors cycle through pages already read (A, B, A, …)', async () => {
    // Ends on its own after 60 requests, so old code fails the count instead of hanging.
    const { http, cursors } = fakeHttp((cursor) =>
      cursors.length > 60
        ? { data: [] }
        : cursor === 'b'
          ? { data: [record(3), record(4)], nextCursorMark: 'a' }
          : { data: [record(1), record(2)], nextCursorMark: 'b' },
    )
    assert.equal((await pages(http)).length, 2)
    assert.deepEqual(cursors, ['*', 'b', 'a'])
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

const FEED = { name: 'Feed', hash: undefined, query: {} }

describe('ThreatqClient.members: a scan that cannot finish is an error, never a short membership', () => {
  /** Cursor pages from `route`: the cursor asked for → [ids, next cursor, total]. */
  const cursorHttp = (route: (cursor: string) => [number[], string, number?]) =>
    routedHttp((request) => {
      const [ids, next, total] = route(String(request.query?.cursorMark))
      return { total, data: ids.map(record), nextCursorMark: next }
    })
  const drain = async (pages: AsyncGenerator<{ records: { id: number }[] }>) => {
    const ids: number[] = []
    for await (const p of pages) ids.push(...p.records.map((r) => r.id))
    return ids
  }
  const refused = (reason: RegExp) => (error: unknown) =>
    error instanceof RemoteError &&
    error.system === 'threatq' &&
    !error.retryable &&
    /paging of the data collection "Feed" stopped/.test(error.message) &&
    reason.test(error.message)

  it('a cursor that cycles back to a page already read (page 3 is page 1 again)', async () => {
    const pages: Record<string, [number[], string]> = {
      '*': [[1, 2], 'c1'],
      c1: [[3, 4], 'c2'],
      c2: [[1, 2], 'c3'],
    }
    const { http } = cursorHttp((c) => pages[c] ?? [[], 'end'])
    const client = new ThreatqClient(http, silentLogger)
    await assert.rejects(drain(client.members(FEED, { pageSize: 2 })), refused(/paging cycles/))
    // The same pages read for sending (a short read only delays objects): a warning, a clean stop.
    const warnings: string[] = []
    const logger = { ...silentLogger, warn: (_: object, message: string) => warnings.push(message) }
    const query = new ThreatqClient(cursorHttp((c) => pages[c] ?? [[], 'end']).http, logger)
    assert.deepEqual(await drain(query.query('indicators', {}, { pageSize: 2 })), [1, 2, 3, 4])
    assert.match(warnings.join('\n'), /paging cycles/)
  })

  it('a server that hands back the same page under every cursor', async () => {
    const { http } = cursorHttp((c) => [[1, 2], `${c}x`])
    const client = new ThreatqClient(http, silentLogger)
    await assert.rejects(drain(client.members(FEED, { pageSize: 2 })), refused(/same page again/))
  })

  it('pages far past the stated total', async () => {
    const { http } = cursorHttp((c) => {
      const k = c === '*' ? 0 : Number(c)
      return [[2 * k + 1, 2 * k + 2], String(k + 1), 2]
    })
    const client = new ThreatqClient(http, silentLogger)
    await assert.rejects(drain(client.members(FEED, { pageSize: 2 })), refused(/past its total/))
  })

  it('an unchanged cursor is the documented end, not an error', async () => {
    const { http } = cursorHttp((c) => (c === '*' ? [[1, 2], 'c1'] : [[3], 'c1']))
    const client = new ThreatqClient(http, silentLogger)
    assert.deepEqual(await drain(client.members(FEED, { pageSize: 2 })), [1, 2, 3])
  })
})

/** An HttpClient answering at once from `route`, keeping every request. */
function routedHttp(route: (request: HttpRequest) => unknown) {
  const requests: HttpRequest[] = []
  const http: HttpClient = {
    system: 'threatq',
    baseUrl: 'https://tq.example',
    request(request) {
      requests.push(request)
      return Promise.resolve(ok(request, route(request)))
    },
    close: () => Promise.resolve(),
  }
  return { http, requests }
}

describe('ThreatQ relations named with "_" (real servers answer 500 to them in with=)', () => {
  it('withParam refuses attack_pattern, also in dot form, and passes the others', () => {
    assert.equal(withParam(['type', 'sources', 'indicators.type']), 'type,sources,indicators.type')
    assert.throws(() => withParam(['malware', 'attack_pattern']), /attack_pattern/)
    assert.throws(() => withParam(['course_of_action.type']), /course_of_action/)
    assert.equal(embeddable('attack_pattern'), false)
    assert.equal(embeddable('adversaries'), true)
  })

  it('the membership scan refuses to embed attack_pattern before asking anything', async () => {
    const { http, requests } = routedHttp(() => ({ data: [] }))
    const client = new ThreatqClient(http, silentLogger)
    const pages = client.members(FEED, { pageSize: 2, with: ['malware', 'attack_pattern'] })
    await assert.rejects(pages.next(), TypeError)
    assert.equal(requests.length, 0)
  })

  it('getObject embeds the others and reads attack_pattern from /api/{type}/{id}/attack_pattern, page by page', async () => {
    const { http, requests } = routedHttp((request) => {
      if (request.path === '/api/adversaries/7')
        return { data: { ...record(7), malware: [{ id: 3 }] } }
      const offset = Number(request.query?.offset ?? 0)
      // 501 related objects: a full page of 500, then one.
      const ids = Array.from({ length: offset === 0 ? 500 : 1 }, (_, i) => offset + i + 1)
      return { total: 501, data: ids.map((id) => ({ id, value: `T${String(id)}`, pivot: {} })) }
    })
    const client = new ThreatqClient(http, silentLogger)
    const got = await client.getObject('adversaries', 7, ['malware', 'attack_pattern'])
    assert.equal(requests[0]?.query?.with, 'attributes,sources,type,status,malware')
    assert.deepEqual(
      requests.slice(1).map((r) => [r.path, r.query?.offset]),
      [
        ['/api/adversaries/7/attack_pattern', 0],
        ['/api/adversaries/7/attack_pattern', 500],
      ],
    )
    assert.ok(got !== undefined)
    assert.deepEqual(got.malware, [{ id: 3 }])
    assert.equal(got.attack_pattern?.length, 501)
    for (const r of requests) assert.ok(!String(r.query?.with ?? '').includes('_'), r.path)
  })

  for (const total of [undefined, 900]) {
    it(`relatedIds fails, not stops short, on a server that ignores offset (total ${String(total)})`, async () => {
      const { http, requests } = routedHttp(() => ({
        ...(total === undefined ? {} : { total }),
        data: Array.from({ length: 500 }, (_, i) => ({ id: i + 1 })),
      }))
      const client = new ThreatqClient(http, silentLogger)
      await assert.rejects(client.relatedIds('adversaries', 7, 'attack_pattern', 500), (error) => {
        assert.ok(error instanceof RemoteError)
        assert.equal(error.retryable, false)
        assert.match(error.message, /paging stopped after 500 .*nothing was changed in AED/)
        return true
      })
      assert.equal(requests.length, 2)
    })
  }

  it('asks sources without sources.tlp: each source carries its tlp_id', async () => {
    const { http, requests } = routedHttp(() => ({
      data: { ...record(7), sources: [{ name: 'Feed', tlp_id: 2 }] },
    }))
    const client = new ThreatqClient(http, silentLogger)
    await client.getObject('malware', 7, [])
    assert.equal(requests[0]?.query?.with, 'attributes,sources,type,status')
  })
})
