/**
 * Fault injection shared by both simulators (`POST /_sim/faults`, `--faults`): by method and a
 * regex on the path, for a number of requests or until cleared. Payload shape (docs/sim-aed.md,
 * "Admin surface"):
 * `{"match": {"method": "POST", "path": "<regex>"}, "fault": {"status": 503, "retryAfter": "2",
 * "delayMs": 0, "reset": false, "body": "<raw text>"}, "times": 2}`.
 *
 * A delay holds the request before the handler (`delayMs`: nothing is applied yet) or holds the
 * answer after it (`delayAfterMs`: the write is applied, the client does not know). A held request
 * is counted in `held` (shown in `/_sim/state`), so a test can act while it waits, e.g. kill the
 * client; a client that goes away ends the hold, and a request it held before the handler is then
 * dropped unhandled. A rule with an empty fault lets its requests through: `times: k - 1` of it
 * before a delay rule holds the k-th request.
 */
import type { Hono, MiddlewareHandler } from 'hono'
import { z } from 'zod'

export const faultRuleSchema = z.object({
  match: z
    .object({
      method: z.string().optional(),
      path: z.string().optional(),
    })
    .default({}),
  fault: z.object({
    status: z.number().int().min(100).max(599).optional(),
    retryAfter: z.string().optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    delayAfterMs: z.number().int().min(0).max(600_000).optional(),
    reset: z.boolean().optional(),
    body: z.string().optional(),
    contentType: z.string().optional(),
  }),
  times: z.number().int().positive().optional(),
})

export type FaultRule = z.infer<typeof faultRuleSchema>
export type Fault = FaultRule['fault']

interface ActiveRule {
  method: string | undefined
  path: RegExp | undefined
  fault: Fault
  remaining: number
}

export class FaultTable {
  private rules: ActiveRule[] = []
  private holding = 0

  /** Exactly these rules from now on (a reset back to the `--faults` ones). */
  replaceWith(rules: readonly unknown[]): void {
    this.clear()
    for (const rule of rules) this.add(rule)
  }

  /** Throws a ZodError or SyntaxError (bad regex) on a malformed rule. */
  add(input: unknown): void {
    const rule = faultRuleSchema.parse(input)
    this.rules.push({
      method: rule.match.method?.toUpperCase(),
      path: rule.match.path === undefined ? undefined : new RegExp(rule.match.path),
      fault: rule.fault,
      remaining: rule.times ?? Infinity,
    })
  }

  clear(): void {
    this.rules = []
  }

  get size(): number {
    return this.rules.length
  }

  /** Requests being held by a delay right now. */
  get held(): number {
    return this.holding
  }

  /** Waits `ms`, or less if `signal` aborts (the client went away); true when it waited it all. */
  async hold(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false
    this.holding += 1
    try {
      return await new Promise<boolean>((resolve) => {
        const done = (completed: boolean): void => {
          clearTimeout(timer)
          signal.removeEventListener('abort', onAbort)
          resolve(completed)
        }
        const onAbort = (): void => {
          done(false)
        }
        const timer = setTimeout(() => {
          done(true)
        }, ms)
        signal.addEventListener('abort', onAbort)
      })
    } finally {
      this.holding -= 1
    }
  }

  /** The first matching rule's fault, consuming one of its uses. */
  take(method: string, path: string): Fault | undefined {
    const index = this.rules.findIndex(
      (r) =>
        (r.method === undefined || r.method === method.toUpperCase()) &&
        (r.path === undefined || r.path.test(path)),
    )
    const rule = this.rules[index]
    if (rule === undefined) return undefined
    rule.remaining -= 1
    if (rule.remaining <= 0) this.rules.splice(index, 1)
    return rule.fault
  }
}

/** Thrown (and turned into a dropped connection) when a fault asks for a reset. */
export class ConnectionReset extends Error {
  constructor() {
    super('simulated connection reset')
  }
}

/**
 * Applies the first matching fault. Admin routes under /_sim/ are never faulted. A reset destroys
 * the socket when there is one (a real server); without one (handler tests) it throws
 * `ConnectionReset`.
 */
export function faultMiddleware(table: FaultTable): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path.startsWith('/_sim/') || table.size === 0) {
      await next()
      return
    }
    const fault = table.take(c.req.method, c.req.path)
    if (fault === undefined) {
      await next()
      return
    }
    const signal = c.req.raw.signal
    if (fault.delayMs !== undefined && fault.delayMs > 0) {
      // Read (and cache for the handler) the body first: an unread body pauses the socket, and a
      // paused socket never notices that the client went away.
      const received = await c.req.arrayBuffer().then(
        () => true,
        () => false,
      )
      // The client gave up (or died) while held: the request never reaches the handler.
      if (!received || !(await table.hold(fault.delayMs, signal)))
        return new Response(null, { status: 499 })
    }
    if (fault.reset === true) {
      const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined
      const socket = env?.incoming?.socket
      if (socket === undefined) throw new ConnectionReset()
      socket.destroy()
      return new Response(null, { status: 500 })
    }
    if (fault.status === undefined && fault.body === undefined) {
      await next()
      if (fault.delayAfterMs !== undefined && fault.delayAfterMs > 0)
        await table.hold(fault.delayAfterMs, signal)
      return
    }
    const headers = new Headers({ 'content-type': fault.contentType ?? 'application/json' })
    if (fault.retryAfter !== undefined) headers.set('retry-after', fault.retryAfter)
    const status = fault.status ?? 200
    const body =
      fault.body ??
      JSON.stringify({ errors: [{ status, title: 'Simulated fault', detail: 'injected' }] })
    return new Response(body, { status, headers })
  }
}

/** `POST /_sim/faults` (one rule or an array) and `DELETE /_sim/faults` (clears them all). */
export function mountFaultRoutes(app: Hono, faults: FaultTable): void {
  app.post('/_sim/faults', async (c) => {
    const body: unknown = await c.req.json()
    for (const rule of Array.isArray(body) ? body : [body]) faults.add(rule)
    return c.json({ faults: faults.size })
  })
  app.delete('/_sim/faults', (c) => {
    faults.clear()
    return c.json({ faults: 0 })
  })
}
