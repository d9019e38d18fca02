/** Counts requests per route (`GET /api/x/:id`) for `GET /_sim/state`. */
import { Hono, type MiddlewareHandler } from 'hono'
import { faultMiddleware, type FaultTable } from './faults.js'
import { routePath } from 'hono/route'

export class RequestCounter {
  private counts = new Map<string, number>()

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      await next()
      if (c.req.path.startsWith('/_sim/')) return
      const key = `${c.req.method} ${routePath(c)}`
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    }
  }

  reset(): void {
    this.counts.clear()
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }

  get total(): number {
    let sum = 0
    for (const n of this.counts.values()) sum += n
    return sum
  }
}

/**
 * A simulator's app with what every route shares: requests counted, `onChange` called after each
 * successful request that is not a GET (persistence hooks in here), then the faults.
 */
export function simApp(parts: {
  requests: RequestCounter
  faults: FaultTable
  onChange: (() => void) | undefined
}): Hono {
  const app = new Hono()
  app.use(parts.requests.middleware())
  app.use(async (c, next) => {
    await next()
    if (c.req.method !== 'GET' && c.res.status < 400) parts.onChange?.()
  })
  app.use(faultMiddleware(parts.faults))
  return app
}
