/**
 * threatq-sim as a library: `createThreatqSim(options)` returns the hono app (testable with
 * `app.request()`, no sockets) and its state. The command (bin.ts) serves the same app.
 */
import { Hono } from 'hono'
import { ConnectionReset, FaultTable, faultMiddleware } from '../common/faults.js'
import { RequestCounter } from '../common/requests.js'
import { adminRoutes } from './routes-admin.js'
import {
  bearerAuth,
  tokenParams,
  TokenService,
  type AuthVariables,
  type ClientCredentials,
  type UserCredentials,
} from './auth.js'
import { ApiError, plainError } from './errors.js'
import { ReadAhead } from './readahead.js'
import { ResultSets } from './results.js'
import { connectorRoutes } from './routes-connectors.js'
import { libraryRoutes } from './routes-library.js'
import { metaRoutes } from './routes-meta.js'
import { objectRoutes } from './routes-objects.js'
import { DEFAULT_COLLECTION, seed } from './seed.js'
import { Store } from './store.js'

/** [SIM] Credentials accepted when none are configured. */
export const DEFAULT_USER: UserCredentials = {
  email: 'analyst@threatq.local',
  password: 'threatq-sim',
  clientId: 'threatq-sim-client',
}
export const DEFAULT_CLIENT: ClientCredentials = {
  clientId: 'threatq-sim-oauth',
  clientSecret: 'threatq-sim-secret',
}

export interface ThreatqSimOptions {
  users?: UserCredentials[]
  /** OAuth clients for the client_credentials grant. */
  clients?: ClientCredentials[]
  tokenTtlSeconds?: number
  /** Seed this many indicators (and related objects, sources, a saved search) at start and on reset. */
  seedIndicators?: number
  /** Name of the seeded saved search. */
  collection?: string
  /** Fault rules active from the start (`--faults`). */
  faults?: unknown[]
  /** Epoch milliseconds; injectable so tests never depend on the wall clock. */
  clock?: () => number
  /** Start from this store (restored from `--data-dir`) instead of a fresh, seeded one. */
  store?: Store
  /**
   * Mimic the reported bug: `with=` naming a collection with `_` (e.g. `attack_pattern`) answers
   * 500, which is why clients fetch those through `/api/{type}/{id}/{related}` (threatq-api.md §4.3).
   */
  withUnderscoreBug?: boolean
}

/** Everything the route modules share. `store` is replaced on reset. */
export class SimCore {
  store: Store
  readonly results = new ResultSets()
  readonly readAhead = new ReadAhead()
  readonly tokens: TokenService
  readonly faults = new FaultTable()
  readonly requests = new RequestCounter()
  private readonly listeners: (() => void)[] = []

  constructor(readonly options: ThreatqSimOptions) {
    const clock = options.clock ?? Date.now
    this.tokens = new TokenService(
      options.users ?? [DEFAULT_USER],
      options.clients ?? [DEFAULT_CLIENT],
      clock,
      options.tokenTtlSeconds,
    )
    for (const rule of options.faults ?? []) this.faults.add(rule)
    this.store = options.store ?? this.freshStore()
    this.watch()
  }

  /** A fresh instance's vocabularies plus the seeded data, if any. */
  freshStore(): Store {
    const store = Store.withDefaults(this.options.clock ?? Date.now)
    const n = this.options.seedIndicators ?? 0
    if (n > 0) seed(store, n, this.options.collection ?? DEFAULT_COLLECTION)
    return store
  }

  /** Listeners hear about every change of the current store (persistence). */
  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  private watch(): void {
    this.store.onChange(() => {
      for (const l of this.listeners) l()
    })
  }

  /** Back to the start state: fresh (seeded) data, no faults, request counts cleared. */
  reset(): void {
    this.store = this.freshStore()
    this.watch()
    this.results.clear()
    this.readAhead.clear()
    this.faults.clear()
    this.requests.reset()
    for (const l of this.listeners) l()
  }
}

export type SimApp = Hono<{ Variables: AuthVariables }>

export interface ThreatqSim {
  app: SimApp
  core: SimCore
  /** The current store (a new one after `/_sim/reset`). */
  readonly store: Store
}

export function createThreatqSim(options: ThreatqSimOptions = {}): ThreatqSim {
  const core = new SimCore(options)
  const app: SimApp = new Hono()
  app.use(core.requests.middleware())
  app.use(faultMiddleware(core.faults))
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body as object, error.status)
    if (error instanceof ConnectionReset) throw error
    process.stderr.write(`threatq-sim: internal error: ${String(error.stack ?? error)}\n`)
    return c.json({ errors: ['Internal server error.'] }, 500)
  })
  app.notFound((c) => c.json({ errors: ['Not found.'] }, 404))

  adminRoutes(app, core)
  app.post('/api/token', async (c) => {
    const params = await tokenParams(c)
    return c.json(core.tokens.grant(params, c.req.header('authorization')))
  })
  app.use('/api/*', bearerAuth(core.tokens))
  if (options.withUnderscoreBug === true) {
    app.use('/api/*', async (c, next) => {
      const names = (c.req.query('with') ?? '').split(',').map((w) => w.split('.')[0] ?? '')
      if (names.some((n) => n.includes('_'))) throw plainError(500, 'Internal server error.')
      await next()
    })
  }
  metaRoutes(app, core)
  connectorRoutes(app, core)
  libraryRoutes(app, core)
  objectRoutes(app, core)
  return {
    app,
    core,
    get store() {
      return core.store
    },
  }
}
