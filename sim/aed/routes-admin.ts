/**
 * The test-only admin surface under /_sim/ (docs/sim-aed.md, "Admin surface"); never on the
 * appliance's own paths.
 */
import type { Hono } from 'hono'
import { z } from 'zod'
import { mountFaultRoutes, type FaultTable } from '../common/faults.js'
import type { RequestCounter } from '../common/requests.js'
import { aifRuleSchema } from './aif.js'
import { partialAlertSchema } from './alerts.js'
import { aedJsonResponse } from './json.js'
import type { AedState } from './state.js'
import { OTHER_KINDS, type Notifier } from './syslog/notifier.js'
import type { TaxiiBehaviour } from './taxii/store.js'
import { blockFlow, flowSchema } from './traffic.js'

const alertsPayload = z.object({ alerts: z.array(partialAlertSchema) })
const trafficPayload = z.object({ flows: z.array(flowSchema) })
const aifPayload = z.object({ rules: z.array(aifRuleSchema) })
const notificationsPayload = z.object({
  kind: z.enum(OTHER_KINDS),
  count: z.number().int().min(1).max(1_000_000).default(1),
})
const blocksQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
})

/** `POST /_sim/lists`: capacities, all lists at once and/or per list id (null = no limit). */
const capacity = z.number().int().min(0).nullable()
export const listLimitsSchema = z.object({
  capacity: capacity.optional(),
  capacities: z.record(z.string(), capacity).optional(),
})

/** `POST /_sim/taxii`: pending statuses, rejected objects and limits (any subset). */
export const taxiiBehaviourSchema = z.object({
  pendingPolls: z.number().int().min(0).optional(),
  reject: z
    .array(
      z.object({
        id: z.string().optional(),
        type: z.string().optional(),
        pattern: z
          .string()
          .refine((p) => {
            try {
              new RegExp(p)
              return true
            } catch {
              return false
            }
          }, 'not a valid regular expression')
          .optional(),
        message: z.string().optional(),
      }),
    )
    .optional(),
  unsupportedPatterns: z.enum(['accept', 'reject']).optional(),
  duplicates: z.enum(['fail', 'succeed']).optional(),
  maxContentLength: z.number().int().positive().optional(),
  maxPageSize: z.number().int().positive().optional(),
})

export type TaxiiBehaviourInput = z.infer<typeof taxiiBehaviourSchema>

export function applyBehaviour(
  current: TaxiiBehaviour,
  input: TaxiiBehaviourInput,
): TaxiiBehaviour {
  const next = { ...current }
  for (const [key, value] of Object.entries(input)) {
    ;(next as Record<string, unknown>)[key] = value
  }
  return next
}

export interface AdminOptions {
  state: AedState
  faults: FaultTable
  requests: RequestCounter
  reset: () => void
  notifier: Notifier
  /** The appliance's name, as its notifications and `/_sim/blocks` give it. */
  hostname: string
}

export function mountAdminRoutes(app: Hono, options: AdminOptions): void {
  const { state, faults, requests, reset } = options
  mountTrafficAdmin(app, options)
  app.post('/_sim/reset', (c) => {
    reset()
    return c.json({ reset: true })
  })

  app.get('/_sim/state', (c) =>
    c.json({
      objects: state.counts(),
      // What the TAXII collections hold and what of it AED enforces now (on the sim clock).
      taxii: state.taxii.enforcementCounts(state.nowMs()),
      requests: requests.snapshot(),
      faults: faults.size,
      held: faults.held,
      // Memory stays proportional to what is stored; the benchmark reads the peak from here.
      process: {
        rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      },
    }),
  )

  mountFaultRoutes(app, faults)

  app.post('/_sim/alerts', async (c) => {
    const { alerts } = alertsPayload.parse(await c.req.json())
    return aedJsonResponse({ alerts: state.alerts.addAll(alerts, state.now()) })
  })

  app.get('/_sim/lists', (c) => c.json(state.listLimits()))
  app.post('/_sim/lists', async (c) => {
    const input = listLimitsSchema.parse(await c.req.json())
    const current = state.listLimits().capacities
    // `capacity` sets every list; without it each list keeps its own unless `capacities` names it.
    const base = input.capacity
    const perList: Record<string, number | null> =
      base === undefined ? { ...current, ...input.capacities } : { ...input.capacities }
    state.setCapacities(base ?? null, perList)
    return c.json(state.listLimits())
  })

  app.get('/_sim/taxii', (c) => c.json(state.taxii.behaviour))
  app.post('/_sim/taxii', async (c) => {
    const input = taxiiBehaviourSchema.parse(await c.req.json())
    state.taxii.behaviour = applyBehaviour(state.taxii.behaviour, input)
    return c.json(state.taxii.behaviour)
  })
}

/**
 * Traffic and what it sets off: `/_sim/traffic` (blocked flows become alerts, journal records and
 * one notification per blocked connection), `/_sim/aif` (the threat feed), `/_sim/blocks` (the
 * journal an EDM stand-in reads) and `/_sim/notifications`.
 */
function mountTrafficAdmin(app: Hono, { state, notifier, hostname }: AdminOptions): void {
  app.post('/_sim/traffic', async (c) => {
    const { flows } = trafficPayload.parse(await c.req.json())
    const timeMs = state.nowMs()
    const blocked = flows.map((f) => blockFlow(state, f)).filter((b) => b !== undefined)
    const alerts = state.alerts.addAll(
      blocked.map((b) => b.alert),
      state.now(),
    )
    let notifications = 0
    blocked.forEach((b, i) => {
      const alert = alerts[i]
      if (alert === undefined) return
      const { source, elementId, connections } = b
      notifications += notifier.blocked(
        state.blocks.add({ timeMs, connections, source, elementId, alert }),
      )
    })
    return aedJsonResponse({ alerts, notifications })
  })

  app.get('/_sim/aif', (c) => c.json({ rules: state.aif.all() }))
  app.post('/_sim/aif', async (c) => {
    const { rules } = aifPayload.parse(await c.req.json())
    return c.json({ rules: state.aif.addAll(rules) })
  })
  app.delete('/_sim/aif', (c) => {
    state.aif.clear()
    return c.json({ rules: [] })
  })

  app.get('/_sim/blocks', (c) => {
    const { after, limit } = blocksQuery.parse(c.req.query())
    return c.json({
      hostname,
      lastSeq: state.blocks.lastSeq,
      blocks: state.blocks.after(after, limit),
    })
  })

  app.get('/_sim/notifications', (c) => c.json(notifier.snapshot()))
  app.post('/_sim/notifications', async (c) => {
    const { kind, count } = notificationsPayload.parse(await c.req.json())
    return c.json({ made: notifier.other(kind, count) })
  })
  app.post('/_sim/notifications/drain', async (c) => c.json(await notifier.drain()))
}
