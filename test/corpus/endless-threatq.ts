/**
 * A purpose-built ThreatQ for the one shape the simulator cannot produce: query pages that never
 * end (a fresh cursor every time). Everything else is passed through to the simulator.
 */
import { Hono } from 'hono'
import { fetch } from 'undici'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'

export interface EndlessOptions {
  /** Announced total; undefined leaves it out. */
  total: number | undefined
  /** A new record id on every page (true), or the same records every time (false). */
  fresh: boolean
}

export async function startEndlessThreatq(
  upstream: string,
  options: EndlessOptions,
): Promise<RunningServer> {
  const app = new Hono()
  app.post('/api/indicators/query', (c) => {
    const cursor = Number(c.req.query('cursorMark') === '*' ? 0 : c.req.query('cursorMark'))
    const base = options.fresh ? cursor * 100 : 0
    const data = Array.from({ length: 100 }, (_, i) => ({
      id: 1 + base + i,
      value: `endless-${String(base + i)}.example`,
      type: { name: 'FQDN' },
      created_at: '2024-01-01 00:00:00',
      updated_at: '2024-01-01 00:00:00',
    }))
    return c.json({
      ...(options.total === undefined ? {} : { total: options.total }),
      data,
      nextCursorMark: String(cursor + 1),
    })
  })
  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const headers = new Headers(c.req.raw.headers)
    headers.delete('host')
    const answer = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: c.req.method,
      headers: Object.fromEntries(headers),
      ...(c.req.method === 'GET' || c.req.method === 'HEAD' ? {} : { body: await c.req.text() }),
    })
    return new Response(await answer.text(), {
      status: answer.status,
      headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' },
    })
  })
  return serveApp(app.fetch, { host: '127.0.0.1', port: 0, tls: false })
}
