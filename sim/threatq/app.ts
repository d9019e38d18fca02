/**
 * threatq-sim as a library: `createThreatqSim(options)` returns the hono app (testable with
 * `app.request()`, no sockets) and its state. The command (bin.ts) serves the same app.
 */
import { Hono } from 'hono'
import { ConnectionReset, faultMiddleware } from '../common/faults.js'
import { bearerAuth, tokenParams } from './auth.js'
import { SimCore, type SimApp, type ThreatqSimOptions } from './core.js'
import { ApiError, plainError } from './errors.js'
import { mountAdminRoutes } from './routes-admin.js'
import { mountConnectorRoutes } from './routes-connectors.js'
import { mountLibraryRoutes } from './routes-library.js'
import { mountMetaRoutes } from './routes-meta.js'
import { mountObjectRoutes } from './routes-objects.js'
import type { Store } from './store.js'

// The library's public names, wherever they live.
export {
  DEFAULT_CLIENT,
  DEFAULT_USER,
  SimCore,
  type SimApp,
  type ThreatqSimOptions,
} from './core.js'

export interface ThreatqSim {
  app: SimApp
  core: SimCore
  /** The current store (a new one after `/_sim/reset`). */
  readonly store: Store
}

export function createThreatqSim(options: ThreatqSimOptions = {}): ThreatqSim {
  const core = new SimCore(options)
  // Trailing slashes are tolerated (XSOAR v1 asks `indicators/?value=…`; docs/threatq-api.md,
  // "Conventions").
  const app: SimApp = new Hono({ strict: false })
  app.use(core.requests.middleware())
  app.use(faultMiddleware(core.faults))
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body as object, error.status)
    if (error instanceof ConnectionReset) throw error
    process.stderr.write(`threatq-sim: internal error: ${String(error.stack ?? error)}\n`)
    return c.json({ errors: ['Internal server error.'] }, 500)
  })
  app.notFound((c) => c.json({ errors: ['Not found.'] }, 404))

  mountAdminRoutes(app, core)
  app.post('/api/token', async (c) => {
    const params = await tokenParams(c)
    return c.json(core.tokens.grant(params, c.req.header('authorization')))
  })
  app.use('/api/*', bearerAuth(core.tokens))
  if (options.withUnderscoreBug !== false) {
    app.use('/api/*', async (c, next) => {
      const names = (c.req.query('with') ?? '').split(',').map((w) => w.split('.')[0] ?? '')
      if (names.some((n) => n.includes('_'))) throw plainError(500, 'Internal server error.')
      await next()
    })
  }
  mountMetaRoutes(app, core)
  mountConnectorRoutes(app, core)
  mountLibraryRoutes(app, core)
  mountObjectRoutes(app, core)
  return {
    app,
    core,
    get store() {
      return core.store
    },
  }
}
