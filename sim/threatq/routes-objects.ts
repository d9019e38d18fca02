/**
 * Generic object endpoints for every collection (docs/threatq-api.md, "Objects" and
 * "Relationships"): list with simple filters, get, create, update, delete, consume (bulk upsert),
 * attributes, comments, tags, sources (with TLP), scores and relationships with pivot ids.
 */
import type { Context } from 'hono'
import type { AuthVariables } from './auth.js'
import { notFound, validationError } from './errors.js'
import { idParam, JSON_TYPE, pagedList, paging, readJson, listEnvelope } from './http.js'
import { asItems, Ingest, isObject, readTlp, requireDef, text, type Json } from './ingest.js'
import {
  parseWith,
  present,
  presentAttribute,
  presentComment,
  presentPivot,
  presentScore,
  presentSourceLink,
} from './present.js'
import { evaluate, QueryCompiler } from './query.js'
import type { SimApp, SimCore } from './core.js'
import { consumedPlan } from './serialize.js'
import type { TqObject } from './store.js'

type Ctx = Context<{ Variables: AuthVariables }>

/** Query parameters that act as simple equality filters on lists (`%` wildcards allowed). */
const SIMPLE_FILTERS = [
  'value',
  'name',
  'title',
  'id',
  'type_id',
  'status_id',
  'type_name',
  'status_name',
]

/** What `POST /api/indicators` answers with whatever `with` says. */
const CREATE_EMBEDS = ['sources', 'attributes'] as const

export function mountObjectRoutes(app: SimApp, sim: SimCore): void {
  const ingest = (c: Ctx): Ingest =>
    new Ingest(sim.store, c.get('subject'), sim.options.valueRefs === true)
  const target = (c: Ctx): TqObject => {
    requireDef(c.req.param('type') ?? '')
    return sim.store.mustGet(c.req.param('type') ?? '', idParam(c))
  }

  app.put('/api/indicator/:id/scores', async (c) => {
    const obj = sim.store.mustGet('indicators', idParam(c))
    const body = await readJson(c)
    const raw =
      isObject(body) && 'manual_score' in body ? body.manual_score : c.req.query('manual_score')
    if (raw === null || raw === '' || raw === undefined) obj.manualScore = null
    else {
      const n = Number(raw)
      if (!Number.isFinite(n) || n < 0 || n > 10) {
        throw validationError('manual_score', 'The manual score must be between 0 and 10.')
      }
      obj.manualScore = n
    }
    sim.store.touch(obj)
    return c.json({ data: presentScore(obj) })
  })

  const consume = async (c: Ctx): Promise<Response> => {
    const def = requireDef(c.req.param('type') ?? '')
    const items = asItems(await readJson(c))
    const writer = ingest(c)
    const answer = consumedPlan(def)
    // One string (~130 bytes an item): a buffer write per item cost more than the bytes.
    let body = '{"data":['
    sim.store.atOneInstant(() => {
      items.forEach((item, i) => {
        if (i > 0) body += ','
        body += answer(writer.upsert(def, item, 'consume').object)
      })
    })
    return c.body(`${body}]}`, 200, JSON_TYPE)
  }
  app.post('/api/:type/consume', consume)
  // The older SDK's indicator upload path: the same upsert.
  app.post('/api/:type/consume/new', consume)

  app.get('/api/:type', (c) => {
    const collection = c.req.param('type')
    requireDef(collection)
    const clause: Json = {}
    for (const key of SIMPLE_FILTERS) {
      const v = c.req.query(key)
      if (v !== undefined) clause[key] = v
    }
    const predicate = new QueryCompiler(sim.store, collection).compile(clause, 'filters')
    const p = paging(c)
    const sort = c.req.query('sort')
    const page = sim.results.page(
      `list\n${collection}\n${JSON.stringify(clause)}\n${sort ?? ''}`,
      sim.store.version,
      () => evaluate(sim.store, collection, predicate, sort),
      p.offset,
      p.limit,
      // Simple filters hold no dates: never relative to the clock.
      false,
    )
    const tree = parseWith(c.req.query('with'))
    const data: Json[] = []
    for (const id of page.ids) {
      const obj = sim.store.get(collection, id)
      if (obj !== undefined) data.push(present(sim.store, obj, tree))
    }
    return c.json(listEnvelope(page.total, data, p))
  })

  app.post('/api/:type', async (c) => {
    const def = requireDef(c.req.param('type'))
    const body = await readJson(c)
    const writer = ingest(c)
    const tree = parseWith(c.req.query('with'))
    const results = asItems(body).map((item) => writer.upsert(def, item, 'create'))
    // An indicator's create answer carries its sources and attributes, asked or not (the XSOAR
    // fixture reads `sources[].pivot.id` and `attributes[].id` from it, docs/threatq-api.md,
    // "Objects").
    if (def.collection === 'indicators')
      for (const name of CREATE_EMBEDS) tree.set(name, tree.get(name) ?? parseWith(''))
    if (def.collection === 'indicators' || Array.isArray(body)) {
      // Only indicator creation answers a list (XSOAR); `existing` marks ones already there.
      const data = results.map(({ object, created }) => ({
        ...present(sim.store, object, tree),
        existing: !created,
      }))
      return c.json({ data }, 201)
    }
    const first = results[0]
    if (first === undefined) throw validationError(def.identity, 'Nothing to create.')
    return c.json({ data: present(sim.store, first.object, tree) }, 201)
  })

  app.get('/api/:type/:id', (c) => {
    const obj = target(c)
    return c.json({ data: present(sim.store, obj, parseWith(c.req.query('with'))) })
  })

  app.put('/api/:type/:id', async (c) => {
    const obj = target(c)
    const body = await readJson(c)
    if (!isObject(body)) throw validationError('data', 'The body must be an object.')
    // Siemplify sends status_id as a query parameter of the PUT.
    const statusId = c.req.query('status_id')
    ingest(c).apply(obj, statusId === undefined ? body : { ...body, status_id: Number(statusId) })
    return c.json({ data: present(sim.store, obj, parseWith(c.req.query('with'))) })
  })

  app.delete('/api/:type/:id', (c) => {
    sim.store.remove(target(c))
    return c.body(null, 204)
  })

  // --- attributes ---
  app.get('/api/:type/:id/attributes', (c) => {
    const obj = target(c)
    const sub = parseWith(c.req.query('with'))
    return c.json(
      pagedList(c, obj.attributes ?? [], (a) => presentAttribute(sim.store, obj, a, sub)),
    )
  })
  app.post('/api/:type/:id/attributes', async (c) => {
    const obj = target(c)
    const items = asItems(await readJson(c))
    const before = new Set((obj.attributes ?? []).map((a) => a.id))
    ingest(c).applyAttributes(obj, items, null)
    sim.store.touch(obj)
    const data = (obj.attributes ?? [])
      .filter((a) => !before.has(a.id) || items.some((i) => i.value === a.value))
      .map((a) => presentAttribute(sim.store, obj, a))
    return c.json({ total: data.length, data }, 201)
  })
  app.put('/api/:type/:id/attributes/:attributeId', async (c) => {
    const obj = target(c)
    const attribute = obj.attributes?.find((a) => a.id === idParam(c, 'attributeId'))
    if (attribute === undefined) throw notFound()
    const body = await readJson(c)
    if (!isObject(body) || body.value === undefined)
      throw validationError('value', 'The value field is required.')
    attribute.value = text(body.value) ?? ''
    attribute.updatedAt = sim.store.now()
    sim.store.touch(obj)
    return c.json({ data: presentAttribute(sim.store, obj, attribute) })
  })
  app.delete('/api/:type/:id/attributes/:attributeId', (c) => {
    const obj = target(c)
    const id = idParam(c, 'attributeId')
    removeWhere(obj.attributes, (a) => a.id === id)
    sim.store.touch(obj)
    return c.body(null, 204)
  })

  // --- comments ---
  app.get('/api/:type/:id/comments', (c) => {
    const obj = target(c)
    return c.json(pagedList(c, obj.comments ?? [], (cm) => presentComment(sim.store, cm)))
  })
  app.post('/api/:type/:id/comments', async (c) => {
    const obj = target(c)
    const body = await readJson(c)
    if (!isObject(body) || typeof body.value !== 'string') {
      throw validationError('value', 'The value field is required.')
    }
    const source = sim.store.sourceByNameOrCreate(
      c.get('subject').name,
      c.get('subject').sourceType,
    )
    const comment = sim.store.addComment(obj, body.value, source.id)
    sim.store.touch(obj)
    return c.json({ data: presentComment(sim.store, comment) }, 201)
  })

  // --- tags ---
  app.get('/api/:type/:id/tags', (c) => {
    const obj = target(c)
    return c.json(
      pagedList(c, obj.tags ?? [], (id) => ({ id, name: sim.store.tagById(id)?.name ?? '' })),
    )
  })
  app.post('/api/:type/:id/tags', async (c) => {
    const obj = target(c)
    const names = asItems(await readJson(c), 'tags').map((t) => t.name)
    const data = names.map((name) => {
      if (typeof name !== 'string' || name === '')
        throw validationError('name', 'The name field is required.')
      const tag = sim.store.tag(name)
      sim.store.tagObject(obj, tag)
      return { id: tag.id, name: tag.name }
    })
    sim.store.touch(obj)
    return c.json({ data }, 201)
  })
  app.delete('/api/:type/:id/tags/:tagId', (c) => {
    const obj = target(c)
    const id = idParam(c, 'tagId')
    removeWhere(obj.tags, (t) => t === id)
    sim.store.touch(obj)
    return c.body(null, 204)
  })

  // --- sources (TLP per link) ---
  app.get('/api/:type/:id/sources', (c) => {
    const obj = target(c)
    const sub = parseWith(c.req.query('with'))
    return c.json(pagedList(c, obj.sources ?? [], (l) => presentSourceLink(sim.store, obj, l, sub)))
  })
  app.post('/api/:type/:id/sources', async (c) => {
    const obj = target(c)
    const items = asItems(await readJson(c), 'sources')
    ingest(c).applySources(obj, items, null, false)
    sim.store.touch(obj)
    const names = new Set(items.map((i) => (text(i.name) ?? '').toLowerCase()))
    const data = (obj.sources ?? [])
      .filter((l) => names.has((sim.store.sourceById(l.sourceId)?.name ?? '').toLowerCase()))
      .map((l) => presentSourceLink(sim.store, obj, l))
    return c.json({ data }, 201)
  })
  // [SIM] A person setting the TLP of one source link by hand (highest precedence).
  app.put('/api/:type/:id/sources/:pivotId', async (c) => {
    const obj = target(c)
    const link = obj.sources?.find((l) => l.pivotId === idParam(c, 'pivotId'))
    if (link === undefined) throw notFound()
    const body = await readJson(c)
    if (!isObject(body)) throw validationError('tlp_id', 'The body must be an object.')
    link.manualTlpId = readTlp(body.tlp_id ?? body.tlp, 'tlp_id') ?? null
    sim.store.touch(obj)
    return c.json({ data: presentSourceLink(sim.store, obj, link, parseWith('tlp')) })
  })
  app.delete('/api/:type/:id/sources/:pivotId', (c) => {
    const obj = target(c)
    const id = idParam(c, 'pivotId')
    removeWhere(obj.sources, (l) => l.pivotId === id)
    sim.store.touch(obj)
    return c.body(null, 204)
  })

  // --- relationships ---
  app.get('/api/:type/:id/:related', (c) => {
    const obj = target(c)
    const related = requireDef(c.req.param('related')).collection
    const tree = parseWith(c.req.query('with'))
    return c.json(
      pagedList(c, sim.store.related(obj, related), ({ object, pivot }) => ({
        ...present(sim.store, object, tree),
        pivot: presentPivot(pivot),
      })),
    )
  })
  app.post('/api/:type/:id/:related', async (c) => {
    const obj = target(c)
    const relDef = requireDef(c.req.param('related'))
    const writer = ingest(c)
    const data = asItems(await readJson(c), relDef.collection).map((ref) => {
      const other = writer.resolveRef(relDef, ref, relDef.collection)
      const { pivot } = sim.store.link(obj, other)
      return { ...present(sim.store, other, new Map()), pivot: presentPivot(pivot) }
    })
    return c.json({ data }, 201)
  })
  app.delete('/api/:type/:id/:related', async (c) => {
    const obj = target(c)
    const relDef = requireDef(c.req.param('related'))
    const body = await readJson(c)
    const ids = (Array.isArray(body) ? (body as unknown[]) : [body]).map((v) =>
      isObject(v) ? Number(v.id) : Number(v),
    )
    const mine = new Set(sim.store.related(obj, relDef.collection).map((r) => r.pivot.id))
    for (const id of ids) {
      if (!mine.has(id))
        throw validationError('id', `Relationship ${String(id)} does not belong to this object.`)
    }
    for (const id of ids) sim.store.unlink(id)
    return c.body(null, 204)
  })
}

/** Removes the first matching item of a sub-resource list, or answers 404. */
function removeWhere<T>(list: T[] | null, match: (item: T) => boolean): void {
  const i = list?.findIndex(match) ?? -1
  if (list === null || i < 0) throw notFound()
  list.splice(i, 1)
}
