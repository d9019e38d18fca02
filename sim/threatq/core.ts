/**
 * What every route module shares: the options, the current store, result caches, tokens, faults
 * and request counts. Route modules take a `SimCore` (as hono sub-apps take their context) and
 * import this module, never app.ts, so imports flow one way: app.ts → routes-*.ts → core.ts.
 * This module imports no route module (imports.test.ts fails on any cycle).
 */
import type { Hono } from 'hono'
import { FaultTable } from '../common/faults.js'
import { RequestCounter } from '../common/requests.js'
import {
  TokenService,
  type AuthVariables,
  type ClientCredentials,
  type UserCredentials,
} from './auth.js'
import { ReadAhead } from './readahead.js'
import { ResultSets } from './results.js'
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
   * [SIM: TQS-25] The reported bug: `with=` naming a collection with `_` (e.g. `attack_pattern`)
   * answers 500, which is why clients fetch those through `/api/{type}/{id}/{related}`
   * (docs/threatq-api.md, "The `with` pitfall"). On unless `false`: the harsher variant is the
   * default.
   */
  withUnderscoreBug?: boolean
  /**
   * [SIM: TQS-26] Honour `{value, type}` refs in the relationship keys of non-indicator items
   * (events consume). Off unless `true`: no source attests them there.
   */
  valueRefs?: boolean
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
