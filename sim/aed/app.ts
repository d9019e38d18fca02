/**
 * `createAedSim(options)`: the simulated NETSCOUT AED appliance as a hono app plus its state,
 * mountable in tests without sockets (`sim.app.request(...)`) and served by `aed-sim`.
 */
import { Hono } from 'hono'
import { ZodError } from 'zod'
import type { TaxiiVersion } from '../../src/taxii/types.js'
import { ConnectionReset, FaultTable } from '../common/faults.js'
import { RequestCounter, simApp } from '../common/requests.js'
import { applyBehaviour, mountAdminRoutes, type TaxiiBehaviourInput } from './routes-admin.js'
import { AedError, aedErrorResponse } from './json.js'
import { DEFAULT_LIST_CAPACITY, type ListRules, STRICT_LIST_RULES } from './lists.js'
import { mountRestRoutes, type ApiVersion } from './routes-rest.js'
import { seedState, DEFAULT_SEED_ALERTS } from './seed.js'
import { AedState } from './state.js'
import { configChangeOf } from './syslog/config-changes.js'
import { Notifier, NOTIFIER_DEFAULTS, type NotifierOptions } from './syslog/notifier.js'
import { TaxiiError, taxiiErrorResponse } from './taxii/http.js'
import { mountTaxiiRoutes } from './taxii/routes-server.js'

/** [SIM] Defaults when no flag says otherwise (docs/sim-aed.md). */
export const DEFAULTS = {
  token: 'aedsimtokenaedsimtokenaedsimtokenaedsim0',
  taxiiUser: 'stix-client',
  taxiiPassword: 'stix-password',
  collection: 'ThreatQ',
} as const

export interface AedSimOptions {
  /** `X-Arbux-APIToken` the REST API accepts. */
  token?: string
  taxiiUser?: string
  taxiiPassword?: string
  /** Title of the TAXII collection created at start. */
  collection?: string
  /** REST versions served; `both` (default) serves v2 and v3 names side by side. */
  api?: ApiVersion | 'both'
  /** TAXII versions served: 2.0 at /taxii/ (default), 2.1 at /taxii2/. */
  taxii?: TaxiiVersion | 'both'
  /** [SIM] Whether v3 also accepts the v2 list names (default false). */
  v3AcceptsV2Names?: boolean
  /** Deterministic sample data from this PRNG seed. */
  seed?: number
  seedAlerts?: number
  /** Fault rules active from the start (the `/_sim/faults` payload). */
  faults?: unknown[]
  taxiiBehaviour?: TaxiiBehaviourInput
  /** [SIM] Values every deny/allow list holds at most (`--list-capacity`); none by default. */
  listCapacity?: number | null
  /** Per-list capacities by list id (`outbound-denied-hosts`, …), over `listCapacity`. */
  listCapacities?: Record<string, number | null>
  /** How strict the lists are; each rule not given is the strict one (STRICT_LIST_RULES). */
  listRules?: Partial<ListRules>
  /** The appliance's name: `/summary/`, the syslog prefix, `/_sim/blocks` (default "aed-sim"). */
  hostname?: string
  /** How notifications are sent (`--syslog-*`); each not given is NOTIFIER_DEFAULTS'. */
  syslog?: Partial<Omit<NotifierOptions, 'hostname'>>
  /** Clock in epoch milliseconds (tests pin it). */
  now?: () => number
  /** Called after every successful change (persistence hooks in here). */
  onChange?: () => void
}

export interface AedSim {
  app: Hono
  state: AedState
  faults: FaultTable
  requests: RequestCounter
  /** Sends the syslog notifications; `drain()` waits for what is queued. */
  notifier: Notifier
  /** Back to the start state: defaults, seed data, no faults, no counted requests. */
  reset(): void
  /** Stops sending notifications and closes their sockets. */
  close(): void
}

export function createAedSim(options: AedSimOptions = {}): AedSim {
  const token = options.token ?? DEFAULTS.token
  const state = new AedState(options.now ?? Date.now)
  const faults = new FaultTable()
  const requests = new RequestCounter()
  const api = options.api ?? 'both'
  const taxii = options.taxii ?? '2.0'
  const hostname = options.hostname ?? NOTIFIER_DEFAULTS.hostname
  const notifier = new Notifier(state, { ...NOTIFIER_DEFAULTS, ...options.syslog, hostname })

  const initialize = (): void => {
    state.clear()
    state.setCapacities(options.listCapacity ?? DEFAULT_LIST_CAPACITY, options.listCapacities)
    state.protectionGroups.addDefault(state.now())
    ensureTaxiiDefaults(state, options)
    if (options.taxiiBehaviour !== undefined) {
      state.taxii.behaviour = applyBehaviour(state.taxii.behaviour, options.taxiiBehaviour)
    }
    if (options.seed !== undefined)
      seedState(state, options.seed, options.seedAlerts ?? DEFAULT_SEED_ALERTS)
  }
  const reset = (): void => {
    initialize()
    faults.replaceWith(options.faults ?? [])
    requests.reset()
    notifier.reset()
  }
  reset()

  const app = simApp({ requests, faults, onChange: options.onChange })
  app.use('/api/*', async (c, next) => {
    if (c.req.header('x-arbux-apitoken') !== token) {
      throw new AedError(401, 'invalidAuthToken', 'Invalid API token.')
    }
    await next()
  })

  app.use('/api/*', async (c, next) => {
    await next()
    const what = configChangeOf(c.req.method, c.req.path, c.res.status)
    if (what !== undefined) notifier.configChanged(what)
  })

  const versions: ApiVersion[] = api === 'both' ? ['v2', 'v3'] : [api]
  for (const version of versions) {
    for (const family of ['aed', 'aps']) {
      mountRestRoutes(app, `/api/${family}/${version}`, {
        state,
        version,
        v3AcceptsV2Names: options.v3AcceptsV2Names ?? false,
        lists: { ...STRICT_LIST_RULES, ...options.listRules },
        hostname,
      })
    }
  }
  const taxiiVersions: TaxiiVersion[] = taxii === 'both' ? ['2.0', '2.1'] : [taxii]
  for (const version of taxiiVersions) {
    mountTaxiiRoutes(app, { version, store: state.taxii, title: 'NETSCOUT AED' })
  }
  mountAdminRoutes(app, { state, faults, requests, reset, notifier, hostname })

  app.notFound((c) => {
    const path = c.req.path
    if (path.startsWith('/api/')) {
      // Werkzeug redirects a route asked for without its trailing slash.
      if (!path.endsWith('/')) {
        const url = new URL(c.req.url)
        return c.redirect(`${path}/${url.search}`, 308)
      }
      return aedErrorResponse(
        new AedError(404, 'notFound', `The resource "${path}" could not be found.`),
      )
    }
    if (path.startsWith('/taxii')) {
      return taxiiErrorResponse(
        new TaxiiError(404, 'Not Found', `No resource at ${path}.`),
        taxiiVersionOf(path),
      )
    }
    return c.json({ error: 'not found' }, 404)
  })

  app.onError((error, c) => {
    if (error instanceof ConnectionReset) throw error
    if (error instanceof AedError) return aedErrorResponse(error)
    if (error instanceof TaxiiError) return taxiiErrorResponse(error, taxiiVersionOf(c.req.path))
    if (c.req.path.startsWith('/_sim/')) {
      const message = error instanceof ZodError ? error.issues : error.message
      return c.json({ error: message }, 400)
    }
    if (c.req.path.startsWith('/taxii')) {
      return taxiiErrorResponse(
        new TaxiiError(500, 'Internal Server Error', error.message),
        taxiiVersionOf(c.req.path),
      )
    }
    return aedErrorResponse(new AedError(500, 'exceptionField', error.message, error.name))
  })

  return {
    app,
    state,
    faults,
    requests,
    notifier,
    reset,
    close: () => {
      notifier.close()
    },
  }
}

const taxiiVersionOf = (path: string): TaxiiVersion => (path.startsWith('/taxii2/') ? '2.1' : '2.0')

/** The flag-given TAXII collection and client exist (also after restoring a snapshot). */
export function ensureTaxiiDefaults(state: AedState, options: AedSimOptions): void {
  const collection = state.taxii.addCollection(options.collection ?? DEFAULTS.collection)
  const username = options.taxiiUser ?? DEFAULTS.taxiiUser
  const existing = state.taxii.clients.get(username)
  state.taxii.addClient({
    username,
    password: options.taxiiPassword ?? DEFAULTS.taxiiPassword,
    collections: [...new Set([...(existing?.collections ?? []), collection.id])],
    canWrite: existing?.canWrite ?? true,
  })
}
