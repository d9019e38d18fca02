/**
 * Data collections (docs/threatq-api.md, "Data collections"): saved searches under
 * `/api/search/query`, their results for any collection via `GET /api/{type}/query/hash/{hash}`
 * (cursorMark paging), and ad-hoc Threat Library queries via `POST /api/{type}/query`
 * (limit/offset, or a cursor).
 */
import type { Context } from 'hono'
import type { AuthVariables } from './auth.js'
import { notFound, validationError } from './errors.js'
import { JSON_TYPE, paging, readJson } from './http.js'
import { isObject, requireDef, text } from './ingest.js'
import { parseWith } from './present.js'
import { evaluate, QueryCompiler } from './query.js'
import { encodeCursor, type Page } from './results.js'
import { JsonBuffer, ResultWriter, type ObjectWriter } from './serialize.js'
import type { SimApp, SimCore } from './core.js'
import { apiQuery, createSearch, presentSearch } from './searches.js'
import type { Store } from './store.js'

type Ctx = Context<{ Variables: AuthVariables }>

function fieldsParam(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v.split(',')
  if (Array.isArray(v)) return v.map((f) => text(f) ?? '')
  throw validationError('fields', 'The fields must be a list.')
}

export function mountLibraryRoutes(app: SimApp, sim: SimCore): void {
  /** Size of the last page's objects, to size the next page's buffer. */
  let bytesPerObject = 600
  app.get('/api/search/query', (c) => {
    const name = c.req.query('name')
    const test = name === undefined ? undefined : name.toLowerCase().replaceAll('%', '')
    const data = sim.store.searches
      .filter((s) => test === undefined || s.name.toLowerCase().includes(test))
      .map(presentSearch)
    return c.json({ total: data.length, data })
  })

  app.get('/api/search/query/:hash', (c) => {
    const search = sim.store.searchByHash(c.req.param('hash'))
    if (search === undefined) throw notFound()
    const full = presentSearch(search)
    const fields = fieldsParam(c.req.query('fields'))
    const data =
      fields === undefined
        ? full
        : Object.fromEntries(fields.filter((f) => f in full).map((f) => [f, full[f]]))
    return c.json({ data })
  })

  app.post('/api/search/query', async (c) => {
    const body = await readJson(c)
    if (!isObject(body) || typeof body.name !== 'string' || body.name === '') {
      throw validationError('name', 'The name field is required.')
    }
    if (sim.store.searches.some((s) => s.name === body.name)) {
      throw validationError('name', 'The name has already been taken.')
    }
    return c.json({ data: presentSearch(createSearch(sim.store, body.name, body.json ?? {})) }, 201)
  })

  app.get('/api/:type/query/hash/:hash', (c) => {
    const collection = requireDef(c.req.param('type')).collection
    const search = sim.store.searchByHash(c.req.param('hash'))
    if (search === undefined) throw notFound()
    return run(
      c,
      collection,
      apiQuery(search),
      fieldsParam(c.req.query('fields')),
      `hash:${search.hash}`,
    )
  })

  app.post('/api/:type/query', async (c) => {
    const collection = requireDef(c.req.param('type')).collection
    const body = await readJson(c)
    const query = isObject(body) ? body : {}
    const queryKey = JSON.stringify([query.criteria, query.filters])
    return run(c, collection, query, fieldsParam(query.fields), queryKey)
  })

  function run(
    c: Ctx,
    collection: string,
    query: unknown,
    fields: string[] | undefined,
    queryKey: string,
  ): Response {
    const store = sim.store
    const compiler = new QueryCompiler(store, collection)
    const predicate = compiler.compileQuery(query)
    const sort = c.req.query('sort')
    const key = `query\n${collection}\n${queryKey}\n${sort ?? ''}`
    const compute = (): number[] => evaluate(store, collection, predicate, sort)
    const p = paging(c)
    const withParam = c.req.query('with')
    const writer = (): ObjectWriter =>
      new ResultWriter(store).projectionPlan(collection, fields, parseWith(withParam))
    const mark = c.req.query('cursorMark')
    if (mark === undefined) {
      const page = sim.results.page(
        key,
        store.version,
        compute,
        p.offset,
        p.limit,
        compiler.usesClock,
      )
      const tail = `],"limit":${String(p.limit)},"offset":${String(p.offset)}}`
      return c.body(render(store, collection, page, writer(), tail), 200, JSON_TYPE)
    }
    // cursorMark overrides offset (docs/threatq-api.md, "Data collections").
    const page = sim.results.cursor(key, store.version, compute, mark, p.limit, compiler.usesClock)
    const shape = `${key}\n${JSON.stringify(fields ?? null)}\n${withParam ?? ''}\n${String(p.limit)}`
    const body =
      sim.readAhead.take(`${shape}\n${page.session}:${String(page.offset)}`, store) ??
      render(store, collection, page, writer(), cursorTail(page, mark, p.limit))
    const end = page.offset + page.ids.length
    if (page.ids.length > 0 && end < page.total) {
      const nextMark = encodeCursor(page.session, end)
      sim.readAhead.schedule(`${shape}\n${page.session}:${String(end)}`, store, () => {
        const next = sim.results.peek(page.session, end, p.limit)
        return (
          next && render(store, collection, next, writer(), cursorTail(next, nextMark, p.limit))
        )
      })
    }
    return c.body(body, 200, JSON_TYPE)
  }

  /** The end of a cursor page; the last page is empty and echoes the request's cursor. */
  function cursorTail(page: Page, mark: string, limit: number): string {
    const next =
      page.ids.length === 0 ? mark : encodeCursor(page.session, page.offset + page.ids.length)
    return `],"nextCursorMark":${JSON.stringify(next)},"limit":${String(limit)}}`
  }

  function render(
    store: Store,
    collection: string,
    page: Page,
    write: ObjectWriter,
    tail: string,
  ): Buffer<ArrayBuffer> {
    const body = new JsonBuffer(page.ids.length * bytesPerObject + 256)
    body.append(`{"total":${String(page.total)},"data":[`)
    let first = true
    for (const id of page.ids) {
      const obj = store.get(collection, id)
      if (obj === undefined) continue
      if (!first) body.append(',')
      body.append(write(obj))
      first = false
    }
    body.append(tail)
    if (page.ids.length > 0) bytesPerObject = Math.ceil((body.length / page.ids.length) * 1.1)
    return body.bytes()
  }
}
