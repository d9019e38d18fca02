/**
 * EDM's threats API (docs/aed-api.md, "EDM alerts API"): `GET /api/v1/alerts/threats` behind the
 * token check, answered after EDM has read what is new on its AEDs.
 */
import type { Hono } from 'hono'
import { EdmError, matches, parseThreatQuery, sortRecords, type QueryLimits } from './query.js'
import type { EdmState } from './state.js'

/** Which header carries the token: either, only `X-Arbux-APIToken`, or only `NSAPITOKENID`. */
export type EdmAuth = 'either' | 'new' | 'old'

export interface ThreatsRoutesDeps {
  state: EdmState
  token: string
  auth: EdmAuth
  limits: QueryLimits
  now: () => number
  /** Reads what is new on every managed AED. */
  sync: () => Promise<void>
}

export function mountThreatsRoutes(
  app: Hono,
  { state, token, auth, limits, now, sync }: ThreatsRoutesDeps,
): void {
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
}
