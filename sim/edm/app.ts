/**
 * `createEdmSim(options)`: a stand-in for NETSCOUT Edge Defense Manager's alerts API
 * (docs/aed-api.md, "EDM alerts API") for the AEDs it manages, as a hono app plus its state,
 * mountable in tests without sockets (`sim.app.request(...)`) and served by `edm-sim`.
 */
import type { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import { ConnectionReset, FaultTable } from '../common/faults.js'
import { RequestCounter, simApp } from '../common/requests.js'
import type { AedFeed } from './feed.js'
import { EdmError } from './query.js'
import { recordsOfBlock } from './records.js'
import { mountAdminRoutes } from './routes-admin.js'
import { mountThreatsRoutes, type EdmAuth } from './routes-threats.js'
import { EdmState, type FeedStatus } from './state.js'

/** [SIM] SIM-EDM-01: defaults when no flag says otherwise (docs/sim-edm.md). */
export const EDM_DEFAULTS = {
  token: 'edmsimtokenedmsimtokenedmsimtokenedmsim0',
  auth: 'either',
  maxWindow: 10_000,
  defaultSize: 100,
} as const

export type { EdmAuth } from './routes-threats.js'

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
  mountThreatsRoutes(app, { state, token, auth, limits, now, sync })
  mountAdminRoutes(app, { state, feeds, status, faults, requests, reset, sync, now })
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
