/**
 * Fault injection shared by both simulators (`POST /_sim/faults`, `--faults`): by method and a
 * regex on the path, for a number of requests or until cleared. Payload shape (DESIGN §2.4):
 * `{"match": {"method": "POST", "path": "<regex>"}, "fault": {"status": 503, "retryAfter": "2",
 * "delayMs": 0, "reset": false, "body": "<raw text>"}, "times": 2}`.
 */
import type { MiddlewareHandler } from 'hono'
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

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
    if (fault.delayMs !== undefined && fault.delayMs > 0) await sleep(fault.delayMs)
    if (fault.reset === true) {
      const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined
      const socket = env?.incoming?.socket
      if (socket === undefined) throw new ConnectionReset()
      socket.destroy()
      return new Response(null, { status: 500 })
    }
    if (fault.status === undefined && fault.body === undefined) {
      await next()
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
