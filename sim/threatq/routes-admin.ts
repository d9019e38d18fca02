/**
 * The test-only admin surface under `/_sim/` (docs/sim-threatq.md, "Admin surface"): faults, reset,
 * state, bulk fixture load, the connector "UI", and token expiry. Never authenticated, never
 * faulted.
 */
import { z } from 'zod'
import { validationError } from './errors.js'
import { readJson } from './http.js'
import { Ingest, readTlp, requireDef, type Json } from './ingest.js'
import { createConnector, presentConnector, updateConnector } from './connectors.js'
import { createSearch, presentSearch, replaceSearch } from './searches.js'
import type { SimApp, SimCore } from './core.js'

/** Source name fixture objects are attributed to when they name none. */
export const FIXTURE_SOURCE = 'threatq-sim fixtures'

const json = z.record(z.string(), z.unknown())

/** `POST /_sim/load` payload (docs/sim-threatq.md). Item shapes are those of `/consume`. */
export const fixtureSchema = z.object({
  sources: z
    .array(
      z.object({
        name: z.string().min(1),
        source_type: z.string().optional(),
        /** The source's default TLP (name or id). */
        tlp: z.union([z.string(), z.number()]).optional(),
      }),
    )
    .default([]),
  eventTypes: z.array(z.string().min(1)).default([]),
  objects: z.record(z.string(), z.array(json)).default({}),
  searches: z.array(z.object({ name: z.string().min(1), json: z.unknown() })).default([]),
  connectors: z.array(json.and(z.object({ name: z.string().min(1) }))).default([]),
})

export const connectorUiSchema = z.object({
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  active: z.boolean().optional(),
})

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw validationError(issue?.path.join('.') ?? 'body', issue?.message ?? 'invalid payload')
  }
  return result.data
}

export function mountAdminRoutes(app: SimApp, sim: SimCore): void {
  app.post('/_sim/faults', async (c) => {
    const body = await readJson(c)
    try {
      for (const rule of Array.isArray(body) ? (body as unknown[]) : [body]) sim.faults.add(rule)
    } catch (cause) {
      throw validationError('fault', cause instanceof Error ? cause.message : String(cause))
    }
    return c.json({ faults: sim.faults.size }, 201)
  })
  app.delete('/_sim/faults', (c) => {
    sim.faults.clear()
    return c.body(null, 204)
  })

  app.post('/_sim/reset', (c) => {
    sim.reset()
    return c.json({ reset: true, objects: sim.store.counts() })
  })

  app.get('/_sim/state', (c) => {
    const usage = process.memoryUsage()
    const cpu = process.cpuUsage()
    return c.json({
      objects: sim.store.counts(),
      requests: sim.requests.snapshot(),
      tokens: sim.tokens.activeCount,
      faults: sim.faults.size,
      held: sim.faults.held,
      process: {
        rssMb: Math.round(usage.rss / 1048576),
        heapUsedMb: Math.round(usage.heapUsed / 1048576),
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      },
    })
  })

  app.post('/_sim/load', async (c) => {
    const fixture = parse(fixtureSchema, await readJson(c))
    const store = sim.store
    for (const s of fixture.sources) {
      const source = store.sourceByNameOrCreate(s.name, s.source_type ?? 'other')
      if (s.tlp !== undefined) source.defaultTlpId = readTlp(s.tlp, 'sources.tlp') ?? null
    }
    for (const name of fixture.eventTypes) {
      if (store.typeByName('events', name) === undefined) store.addEventType(name)
    }
    const ingest = new Ingest(store, { name: FIXTURE_SOURCE, sourceType: 'other' })
    const loaded: Record<string, number> = {}
    for (const [collection, items] of Object.entries(fixture.objects)) {
      const def = requireDef(collection)
      for (const item of items) ingest.upsert(def, item, 'consume')
      loaded[collection] = items.length
    }
    const searches = fixture.searches.map((s) => presentSearch(createSearch(store, s.name, s.json)))
    for (const record of fixture.connectors) {
      updateConnector(
        store,
        store.connectorByName(record.name) ?? createConnector(store, record.name),
        record,
      )
    }
    return c.json({ loaded, searches, objects: store.counts() }, 201)
  })

  /** The person in the UI: sets a connector's options (custom fields) and toggles it. */
  app.post('/_sim/connector', async (c) => {
    const body = parse(connectorUiSchema, await readJson(c))
    const store = sim.store
    const record = store.connectorByName(body.name) ?? createConnector(store, body.name)
    const update: Json = { custom_fields: body.options }
    if (body.active !== undefined) update.is_active = body.active
    updateConnector(store, record, update)
    return c.json({ data: presentConnector(record) })
  })

  /**
   * [SIM] Sets a saved search's `json` by name, creating the search when there is none (201,
   * else 200): `PUT /_sim/searches/{name}` `{"json": …}` or `POST /_sim/searches`
   * `{"name", "json"}`. Tests empty a data collection this way (a query matching nothing, e.g.
   * `{"api_query": {"filters": {"id": []}}}`) or narrow it to chosen ids.
   */
  const setSearch = (name: string, body: { json: unknown }): { data: Json; created: boolean } => {
    const store = sim.store
    const existing = store.searches.find((s) => s.name === name)
    const search =
      existing === undefined
        ? createSearch(store, name, body.json)
        : replaceSearch(store, existing, body.json)
    return { data: presentSearch(search), created: existing === undefined }
  }
  const searchBody = z.object({
    json: z.unknown().refine((v) => v !== undefined, 'json is required'),
  })
  app.put('/_sim/searches/:name', async (c) => {
    const { data, created } = setSearch(c.req.param('name'), parse(searchBody, await readJson(c)))
    return c.json({ data }, created ? 201 : 200)
  })
  app.post('/_sim/searches', async (c) => {
    const body = parse(searchBody.extend({ name: z.string().min(1) }), await readJson(c))
    const { data, created } = setSearch(body.name, body)
    return c.json({ data }, created ? 201 : 200)
  })

  /** `{"expire": true}` expires every issued token now; `{"ttlSeconds": N}` sets `expires_in`. */
  app.post('/_sim/tokens', async (c) => {
    const body = parse(
      z.object({
        expire: z.boolean().optional(),
        ttlSeconds: z.number().int().positive().optional(),
      }),
      await readJson(c),
    )
    if (body.ttlSeconds !== undefined) sim.tokens.ttlSeconds = body.ttlSeconds
    const expired = body.expire === true ? sim.tokens.expireAll() : 0
    return c.json({ expired, ttlSeconds: sim.tokens.ttlSeconds })
  })
}
