/**
 * `createEdmSim(options)`: a stand-in for NETSCOUT Edge Defense Manager's alerts API
 * (docs/aed-api.md, "EDM alerts API") for the AEDs it manages, as a hono app plus its state,
 * mountable in tests without sockets (`sim.app.request(...)`) and served by `edm-sim`.
 */
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError, z } from 'zod'
import { ConnectionReset, FaultTable, mountFaultRoutes } from '../common/faults.js'
import { RequestCounter, simApp } from '../common/requests.js'
import type { AedFeed } from './feed.js'
import { EdmError, matches, parseThreatQuery, sortRecords } from './query.js'
import {
  isoSeconds,
  recordId,
  recordsOfBlock,
  RecordStore,
  REASONS,
  type ThreatRecord,
} from './records.js'

/** [SIM] SIM-EDM-01: defaults when no flag says otherwise (docs/sim-edm.md). */
export const EDM_DEFAULTS = {
  token: 'edmsimtokenedmsimtokenedmsimtokenedmsim0',
  auth: 'either',
  maxWindow: 10_000,
  defaultSize: 100,
} as const

/** Which header carries the token: either, only `X-Arbux-APIToken`, or only `NSAPITOKENID`. */
export type EdmAuth = 'either' | 'new' | 'old'

export interface EdmSimOptions {
  token?: string
  auth?: EdmAuth
  /** The managed AEDs whose blocked traffic becomes threat records. */
  aeds?: AedFeed[]
  maxWindow?: number
  /** Faults active from the start (the `/_sim/faults` payload). */
  faults?: unknown[]
  /** Clock in epoch milliseconds (tests pin it). */
  now?: () => number
  /** Called after every change (persistence hooks in here). */
  onChange?: () => void
}

export const SNAPSHOT_FORMAT = 1
/** `--data-dir` file. */
export const EDM_SNAPSHOT_FILE = 'edm-sim.json'

/** What edm-sim stores: the records and, per AED, the last journal record read. */
export class EdmState {
  readonly records = new RecordStore()
  readonly cursors = new Map<string, number>()
  /** Records made through `/_sim/threats`, for their ids. */
  made = 0

  clear(): void {
    this.records.clear()
    this.cursors.clear()
    this.made = 0
  }

  snapshot(): unknown {
    return {
      format: SNAPSHOT_FORMAT,
      made: this.made,
      cursors: Object.fromEntries(this.cursors),
      records: this.records.snapshot(),
    }
  }

  restore(data: unknown): boolean {
    const d = data as {
      format?: number
      made?: number
      cursors?: Record<string, number>
      records?: unknown
    } | null
    if (d?.format !== SNAPSHOT_FORMAT) return false
    this.clear()
    this.made = d.made ?? 0
    for (const [key, seq] of Object.entries(d.cursors ?? {})) this.cursors.set(key, seq)
    this.records.restore(d.records)
    return true
  }
}

export interface FeedStatus {
  key: string
  lastSeq: number
  /** Journal records the AED dropped before EDM read them. */
  missed: number
  error: string | null
}

export interface EdmSim {
  app: Hono
  state: EdmState
  faults: FaultTable
  requests: RequestCounter
  /** Reads what is new on every managed AED. */
  sync(): Promise<void>
  reset(): void
}

const FEED_PAGE = 1000

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

export function createEdmSim(options: EdmSimOptions = {}): EdmSim {
  const token = options.token ?? EDM_DEFAULTS.token
  const auth = options.auth ?? EDM_DEFAULTS.auth
  const now = options.now ?? Date.now
  const limits = {
    maxWindow: options.maxWindow ?? EDM_DEFAULTS.maxWindow,
    defaultSize: EDM_DEFAULTS.defaultSize,
  }
  const state = new EdmState()
  const faults = new FaultTable()
  const requests = new RequestCounter()
  const feeds = options.aeds ?? []
  const status = new Map<string, FeedStatus>()

  // [SIM] SIM-EDM-09: EDM reads each AED's journal before it answers.
  const readFeed = async (feed: AedFeed): Promise<void> => {
    const s = status.get(feed.key) ?? { key: feed.key, lastSeq: 0, missed: 0, error: null }
    status.set(feed.key, s)
    try {
      for (;;) {
        const after = state.cursors.get(feed.key) ?? 0
        const page = await feed.read(after, FEED_PAGE)
        const first = page.blocks[0]
        if (first !== undefined && first.seq > after + 1) s.missed += first.seq - after - 1
        for (const block of page.blocks) {
          state.records.add(
            recordsOfBlock(block, {
              hostname: page.hostname,
              hostIp: feed.hostIp,
              feedKey: feed.key,
            }),
          )
          state.cursors.set(feed.key, block.seq)
        }
        s.lastSeq = page.lastSeq
        s.error = null
        if (page.blocks.length > 0) options.onChange?.()
        if (page.blocks.length < FEED_PAGE) return
      }
    } catch (error) {
      // An AED that does not answer leaves EDM serving what it has, as a manager does.
      s.error = error instanceof Error ? error.message : String(error)
    }
  }
  let chain: Promise<void> = Promise.resolve()
  const sync = (): Promise<void> => {
    // One read at a time, each starting after the last: a query sees every block posted before it.
    chain = chain.then(async () => {
      for (const feed of feeds) await readFeed(feed)
    })
    return chain
  }

  const reset = (): void => {
    state.clear()
    status.clear()
    faults.replaceWith(options.faults ?? [])
    requests.reset()
  }
  reset()

  const app = simApp({ requests, faults, onChange: options.onChange })
  // [SIM] SIM-EDM-10: which header carries the token is a flag; a refusal is a 401.
  app.use('/api/*', async (c, next) => {
    const arbux = c.req.header('x-arbux-apitoken')
    const old = /^NSAPITOKENID\s+(\S+)$/.exec(c.req.header('authorization') ?? '')?.[1]
    const ok = (auth !== 'old' && arbux === token) || (auth !== 'new' && old === token)
    if (!ok) throw new EdmError(401, 'auth', 'Missing or invalid API token.')
    await next()
  })

  app.get('/api/v1/alerts/threats', async (c) => {
    const query = parseThreatQuery(c.req.queries(), now(), limits)
    await sync()
    let records = state.records.window(query.start, query.end)
    if (query.clauses.length > 0) records = records.filter((r) => matches(r, query.clauses))
    const byTime = query.sort.length === 1 && query.sort[0]?.path === 'time'
    // The window is in (time, _id) order: `time` is that order, the default `-time` its reverse
    // (ties by _id desc); sorting 100k records for every page would make paging quadratic.
    const ordered = !byTime
      ? sortRecords(records, query.sort)
      : query.sort[0]?.direction === -1
        ? records.reverse()
        : records
    const hits = ordered.slice(query.skip, query.skip + query.size)
    const threatDescriptions: Record<string, string> = {}
    if (query.descriptions) {
      for (const hit of hits) {
        for (const t of hit.threatIntel?.threatTypes ?? [])
          threatDescriptions[t] = `${t}: ${(hit.threatIntel?.threatCategories ?? []).join(', ')}`
      }
    }
    return c.json({
      message: '',
      data: { hits, totalSize: records.length, currSize: hits.length, threatDescriptions },
    })
  })

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

  app.notFound((c) =>
    c.json({ message: 'Not Found', errors: { path: `No resource at ${c.req.path}.` } }, 404),
  )
  // [I] SIM-EDM-08: errors as `{message, errors: {<argument>: <text>}}`, EDM's own shape.
  app.onError((error, c) => {
    if (error instanceof ConnectionReset) throw error
    if (error instanceof EdmError)
      return c.json(
        { message: error.message, errors: { [error.field]: error.message } },
        error.status as ContentfulStatusCode,
      )
    if (error instanceof ZodError) return c.json({ error: error.issues }, 400)
    if (c.req.path.startsWith('/_sim/')) return c.json({ error: error.message }, 400)
    return c.json({ message: 'Internal Server Error', errors: { server: error.message } }, 500)
  })

  return { app, state, faults, requests, sync, reset }
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
