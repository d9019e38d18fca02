/** The test-only admin surface under /_sim/ (docs/sim-edm.md): reset, state, faults, threats. */
import type { Hono } from 'hono'
import { z } from 'zod'
import { mountFaultRoutes, type FaultTable } from '../common/faults.js'
import type { RequestCounter } from '../common/requests.js'
import type { AedFeed } from './feed.js'
import { isoSeconds, recordId, REASONS, type ThreatRecord } from './records.js'
import type { EdmState, FeedStatus } from './state.js'

const partialThreat = z
  .object({
    _id: z.string().min(1).optional(),
    hostIp: z.string().optional(),
    hostname: z.string().optional(),
    pgName: z.string().nullable().optional(),
    pgServerName: z.string().optional(),
    pgid: z.number().int().nullable().optional(),
    pkt: z
      .object({
        src: z.string().nullable().optional(),
        dst: z.string().nullable().optional(),
        srcPort: z.number().int().nullable().optional(),
        dstPort: z.number().int().nullable().optional(),
        proto: z.string().nullable().optional(),
        appStr: z.string().optional(),
        direction: z.enum(['inbound', 'outbound']).optional(),
      })
      .optional(),
    reason: z.string().optional(),
    threatIntel: z.record(z.string(), z.unknown()).optional(),
    time: z.string().optional(),
  })
  .strict()
const threatsPayload = z.object({
  threats: z.array(partialThreat).default([]),
  /** Generates this many records spread over the 24 hours before the clock. */
  generate: z.number().int().min(0).max(1_000_000).default(0),
})

export interface AdminRoutesDeps {
  state: EdmState
  feeds: readonly AedFeed[]
  status: ReadonlyMap<string, FeedStatus>
  faults: FaultTable
  requests: RequestCounter
  reset: () => void
  sync: () => Promise<void>
  now: () => number
}

export function mountAdminRoutes(
  app: Hono,
  { state, feeds, status, faults, requests, reset, sync, now }: AdminRoutesDeps,
): void {
  app.post('/_sim/reset', (c) => {
    reset()
    return c.json({ reset: true })
  })
  app.get('/_sim/state', async (c) => {
    await sync()
    return c.json({
      records: state.records.size,
      aeds: feeds.map(
        (f) => status.get(f.key) ?? { key: f.key, lastSeq: 0, missed: 0, error: null },
      ),
      requests: requests.snapshot(),
      faults: faults.size,
    })
  })
  mountFaultRoutes(app, faults)
  app.post('/_sim/threats', async (c) => {
    const { threats, generate } = threatsPayload.parse(await c.req.json())
    const made = [
      ...threats.map((t) => completeThreat(t, state, now())),
      ...generated(generate, state, now()),
    ]
    const added = state.records.add(made)
    return c.json({ added, records: state.records.size })
  })
}

type PartialThreat = z.infer<typeof partialThreat>

function completeThreat(p: PartialThreat, state: EdmState, nowMs: number): ThreatRecord {
  const n = state.made++
  return {
    _id: p._id ?? recordId(`edm-sim|${String(n)}`),
    hostIp: p.hostIp ?? '127.0.0.1',
    hostname: p.hostname ?? 'aed-sim',
    pgName: p.pgName ?? null,
    pgServerName: p.pgServerName ?? 'Generic Server',
    pgid: p.pgid ?? null,
    pkt: {
      src: p.pkt?.src ?? null,
      dst: p.pkt?.dst ?? null,
      srcPort: p.pkt?.srcPort ?? null,
      dstPort: p.pkt?.dstPort ?? null,
      proto: p.pkt?.proto ?? null,
      appStr: p.pkt?.appStr ?? 'unknown',
      direction: p.pkt?.direction ?? 'inbound',
    },
    reason: p.reason ?? REASONS['deny-list'],
    ...(p.threatIntel === undefined ? {} : { threatIntel: p.threatIntel as never }),
    time: p.time === undefined ? isoSeconds(nowMs) : isoSeconds(Date.parse(p.time)),
  }
}

/**
 * [SIM] SIM-EDM-07: `count` deterministic records, evenly over the 24 hours before the clock;
 * every third an ATLAS match with `threatIntel`.
 */
function generated(count: number, state: EdmState, nowMs: number): ThreatRecord[] {
  const out: ThreatRecord[] = []
  const span = 24 * 3600 * 1000 - 1000
  for (let i = 0; i < count; i++) {
    const atlas = i % 3 === 2
    const dstPort = [80, 443, 53][i % 3] ?? 80
    out.push(
      completeThreat(
        {
          hostname: `aed-${String((i % 2) + 1)}`,
          hostIp: `10.0.0.${String((i % 2) + 1)}`,
          pgid: 1,
          pgName: 'Default Protection Group',
          pkt: {
            src: `198.18.${String((i >> 8) & 255)}.${String(i & 255)}`,
            dst: `192.0.2.${String((i % 250) + 1)}`,
            srcPort: 1024 + (i % 60000),
            dstPort,
            proto: dstPort === 53 ? 'udp' : 'tcp',
            appStr: dstPort === 53 ? 'dns' : dstPort === 443 ? 'https' : 'http',
            direction: 'inbound',
          },
          reason: atlas ? REASONS.aif : REASONS['deny-list'],
          ...(atlas
            ? {
                threatIntel: {
                  indicatorUid: 1000 + (i % 97),
                  threatTypes: ['FormBook'],
                  threatDstPorts: [dstPort],
                  confidence: 81,
                  direction: 'inbound',
                  indicator: `198.18.${String((i >> 8) & 255)}.${String(i & 255)}`,
                  threatCategories: ['Credential Theft'],
                  threatClassifications: ['Malware'],
                  severity: 1 + (i % 9),
                  indicatorType: 'ip.addr',
                },
              }
            : {}),
          time: new Date(nowMs - span + Math.floor((i * span) / Math.max(1, count))).toISOString(),
        },
        state,
        nowMs,
      ),
    )
  }
  return out
}
