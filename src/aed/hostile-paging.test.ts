/**
 * AED servers whose pages cycle for ever. Every server here ends on its own after CAP
 * requests (an empty page), so old code fails the request counts instead of hanging.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serveApp } from '../../sim/common/serve.js'
import { createHttpClient } from '../http/client.js'
import { RemoteError } from '../http/errors.js'
import { silentLogger } from '../log/logger.js'
import { AedClient } from './client.js'
import { LISTS } from './lists.js'

const CAP = 60

/** A loopback AED answering `body(page)` for the n-th request of a paged resource. */
async function hostile(body: (page: number, perPage: number) => unknown) {
  let reads = 0
  const server = await serveApp(
    (request) => {
      reads++
      const query = new URL(request.url).searchParams
      const page = Number(query.get('page') ?? '1')
      const answer = reads > CAP ? {} : body(page, Number(query.get('perPage') ?? '0'))
      return new Response(JSON.stringify(answer), {
        headers: { 'content-type': 'application/json' },
      })
    },
    { host: '127.0.0.1', port: 0, tls: false },
  )
  const http = createHttpClient({ system: 'aed', baseUrl: server.url, retry: { maxAttempts: 1 } })
  const aed = new AedClient(http, silentLogger, 'v3')
  return {
    aed,
    reads: () => reads,
    close: async () => {
      await aed.close()
      await server.close()
    },
  }
}

/** Page p of a two-page cycle: pages 1, 3, 5… hold the same items, 2, 4, 6… the others. */
const cycle = (page: number, perPage: number) =>
  Array.from({ length: perPage }, (_, i) => ((page - 1) % 2) * perPage + i + 1)

describe('AED paging that never ends', () => {
  it('a list whose pages cycle is read once, stopping at the first page with nothing new', async () => {
    const s = await hostile((page, perPage) => ({
      'denied-hosts': cycle(page, perPage).map((n) => ({
        annotation: 'a',
        hostAddress: `192.0.2.${String(n)}`,
        updateTime: 1,
      })),
    }))
    const values: string[] = []
    for await (const page of s.aed.lists().readAll(LISTS.outboundDenyHosts, 2))
      values.push(...page.map((e) => e.value))
    assert.deepEqual(values, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
    assert.equal(s.reads(), 3)
    await s.close()
  })

  it('protection groups whose later pages cycle are read once', async () => {
    // Page 1, then pages 2 and 3 for ever: page 4 repeats page 2, not page 1.
    const s = await hostile((page, perPage) => ({
      'protection-groups': cycle(page === 1 ? 1 : page + 1, perPage)
        .map((n) => (page === 1 ? n + 10_000 : n))
        .map((pgid) => ({ pgid, name: `g${String(pgid)}` })),
    }))
    const groups = await s.aed.lists().protectionGroups()
    assert.equal(groups.length, 300)
    assert.equal(s.reads(), 4)
    await s.close()
  })

  it('alert pages that cycle are an error, not an endless import', async () => {
    const s = await hostile((page, perPage) => ({
      alerts: cycle(page, perPage).map((alertId) => ({
        alertId,
        alertType: 'ddos',
        severity: 5,
        startTime: 1_767_225_600,
      })),
    }))
    const query = { startTime: 0, endTime: 1, minSeverity: 1, keywords: [], perPage: 2 }
    await assert.rejects(
      async () => {
        for await (const page of s.aed.alerts(query)) assert.ok(page)
      },
      (error: unknown) =>
        error instanceof RemoteError && !error.retryable && /nothing new/.test(error.message),
    )
    assert.ok(s.reads() <= 3, `${String(s.reads())} requests`)
    await s.close()
  })
})
