/**
 * ThreatQ API client (docs/threatq-api.md): connector records, data collections, Threat Library
 * queries with cursor paging, related objects, event types and consume. One HttpClient with the
 * token hook underneath; every response parsed before use.
 */
import { z } from 'zod'
import type { HttpClient, HttpResponse } from '../http/client.js'
import { parseError, parseJsonBody } from '../http/json.js'
import { oneLine } from '../log/one-line.js'
import { PagingGuard } from '../http/paging-guard.js'
import type { Logger } from '../log/logger.js'
import { readAhead } from '../http/read-ahead.js'
import { ConfigError } from '../errors.js'
import { EXPORT_COLLECTIONS, formatThreatqTime, type TqCollection } from './model.js'
import { readRecord, recordSchema, type TqRecord } from './records.js'

const dataOf = <T extends z.ZodType>(schema: T) => z.looseObject({ data: schema })

const connectorSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  // The SDK normalises "", "False", 0 … to booleans; so do we.
  is_active: z
    .unknown()
    .transform(
      (v) => v === true || v === 1 || (typeof v === 'string' && /^(1|true|y|yes)$/i.test(v)),
    ),
  custom_fields: z.unknown().transform((v): Record<string, unknown> => {
    if (typeof v === 'string' && v.trim() !== '') {
      try {
        v = JSON.parse(v)
      } catch {
        return {}
      }
    }
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : {}
  }),
  last_import_at: z.string().nullish(),
})
export type ConnectorRecord = z.output<typeof connectorSchema>

const searchSchema = z.looseObject({
  name: z.string(),
  hash: z.string().optional(),
  id: z.union([z.number(), z.string()]).optional(),
  json: z.unknown(),
})

const apiQuerySchema = z.looseObject({
  criteria: z.record(z.string(), z.unknown()).optional(),
  filters: z.record(z.string(), z.unknown()).optional(),
})
export type ApiQuery = z.output<typeof apiQuerySchema>

export interface DataCollection {
  name: string
  hash: string | undefined
  query: ApiQuery
}

const cursorPage = z.looseObject({
  total: z.coerce.number().int().nonnegative().optional(),
  // The last page may be `{}` rather than `[]` (docs/threatq-api.md, "Data collections").
  data: z.union([z.array(z.unknown()), z.looseObject({}).transform(() => [])]).nullish(),
  nextCursorMark: z.string().nullish(),
})

const offsetPage = z.looseObject({
  total: z.coerce.number().int().nonnegative().optional(),
  data: z.array(z.unknown()),
})

const attributeItem = z.looseObject({
  id: z.number().int(),
  name: z.string().optional(),
  attribute: z.looseObject({ name: z.string() }).optional(),
  value: z.coerce.string(),
})
const valueItem = z.looseObject({ id: z.number().int(), value: z.coerce.string() })

/** Page size of a related-object list read by offset (`/api/{type}/{id}/{related}`). */
const RELATED_PAGE = 500

/** Related-collection keys a record may carry. */
const isRelatedKey = (name: string): name is TqCollection =>
  (EXPORT_COLLECTIONS as readonly string[]).includes(name)

/** What the membership scan asks for (with `type` and `status` embedded). */
const MEMBER_FIELDS = ['id', 'value', 'created_at', 'updated_at', 'expires_at'] as const

const typeSchema = z.looseObject({ id: z.number().int(), name: z.string() })

const idPage = z.looseObject({
  total: z.coerce.number().int().nonnegative().optional(),
  data: z.array(z.looseObject({ id: z.number().int() })),
})

/**
 * Whether a relation may be named in `with=`. Real servers answer 500 to a `with=` naming a
 * collection with `_` (docs/threatq-api.md, "The `with` pitfall": ThreatQuotient's own SOAR app
 * avoids it): those relations are fetched through `/api/{type}/{id}/{related}` instead.
 */
export const embeddable = (relation: string): boolean =>
  !(relation.split('.')[0] ?? relation).includes('_')

/**
 * The `with=` parameter. Every `with` the client sends is built here, and a name ThreatQ would
 * answer 500 to is refused: a caller must fetch that relation separately.
 */
export function withParam(relations: readonly string[]): string {
  const refused = relations.filter((r) => !embeddable(r))
  if (refused.length > 0)
    throw new TypeError(
      `with=${refused.join(',')} would fail on a real ThreatQ (a collection with "_"): fetch it per object`,
    )
  return relations.join(',')
}

export interface QueryOptions {
  /** Only objects updated after this time (a date clause added to the saved query). */
  updatedAfter?: Date | undefined
  pageSize: number
  /** `with` relations to embed. */
  with?: readonly string[]
  signal?: AbortSignal
}

export interface RecordPage {
  records: TqRecord[]
  /** Records that failed validation: skipped, with the reason. */
  invalid: { id: unknown; reason: string }[]
  total: number | undefined
}

export class ThreatqClient {
  constructor(
    private readonly http: HttpClient,
    private readonly logger: Logger,
  ) {}

  close(): Promise<void> {
    return this.http.close()
  }

  private async json<S extends z.ZodType>(
    what: string,
    schema: S,
    request: Parameters<HttpClient['request']>[0],
  ): Promise<z.output<S>> {
    return parseAnswer(what, schema, await this.send(request))
  }

  private send(request: Parameters<HttpClient['request']>[0]): Promise<HttpResponse> {
    return this.http.request({
      ...request,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
    })
  }

  async findConnector(name: string): Promise<ConnectorRecord | undefined> {
    const page = await this.json('the connector list', dataOf(z.array(z.unknown())), {
      path: '/api/connectors',
      query: { name, limit: 1000 },
    })
    // The name filter may be a LIKE: match exactly here.
    for (const item of page.data) {
      const record = connectorSchema.safeParse(item)
      if (record.success && record.data.name === name) return record.data
    }
    return undefined
  }

  /** [I: A-TQ-CONNECTOR-CREATE] the create call is REST convention, not documented. */
  async createConnector(body: {
    name: string
    custom_fields: Record<string, unknown>
    indicator_status_id?: number | undefined
  }): Promise<ConnectorRecord> {
    const created = await this.json('the created connector', dataOf(connectorSchema), {
      method: 'POST',
      path: '/api/connectors',
      body: JSON.stringify({ ...body, is_active: false }),
    })
    return created.data
  }

  async updateConnector(id: number, patch: Record<string, unknown>): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `/api/connectors/${String(id)}`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(patch),
    })
  }

  /** Ids of an indicator status (Review, Active, …); undefined when the instance lacks it. */
  async indicatorStatusId(name: string): Promise<number | undefined> {
    const page = await this.json('the indicator statuses', dataOf(z.array(typeSchema)), {
      path: '/api/indicator/statuses',
      query: { limit: 1000 },
    })
    return page.data.find((s) => s.name.toLowerCase() === name.toLowerCase())?.id
  }

  /** The event type's id, creating the type when missing (ThreatQ has no default "Alert"). */
  async ensureEventType(name: string): Promise<{ id: number; created: boolean }> {
    const page = await this.json('the event types', dataOf(z.array(typeSchema)), {
      path: '/api/event/types',
      query: { limit: 1000 },
    })
    const found = page.data.find((t) => t.name.toLowerCase() === name.toLowerCase())
    if (found !== undefined) return { id: found.id, created: false }
    const created = await this.json('the created event type', dataOf(typeSchema), {
      method: 'POST',
      path: '/api/event/types',
      body: JSON.stringify({ name }),
    })
    return { id: created.data.id, created: true }
  }

  async findDataCollection(name: string): Promise<DataCollection> {
    const page = await this.json('the data collections', dataOf(z.array(searchSchema)), {
      path: '/api/search/query',
    })
    const search = page.data.find((s) => s.name === name)
    if (search === undefined) {
      throw new NoDataCollectionError(name, page.data.map((s) => s.name).sort())
    }
    let json = search.json
    if (typeof json === 'string') {
      try {
        json = JSON.parse(json)
      } catch (error) {
        throw new ConfigError(
          `data collection ${JSON.stringify(name)} holds a query that is not JSON`,
          { cause: error },
        )
      }
    }
    const apiQuery = apiQuerySchema.safeParse(
      (json as { api_query?: unknown } | null)?.api_query ?? {},
    )
    if (!apiQuery.success)
      throw new ConfigError(
        `data collection ${JSON.stringify(name)} holds an api_query this connector cannot read`,
      )
    return { name, hash: search.hash, query: apiQuery.data }
  }

  /**
   * Pages the Threat Library query for one collection with cursorMark (stop on an empty page or an
   * unchanged cursor: docs/threatq-api.md, "Data collections"). Records are validated one by one.
   * The next page is requested as soon as its cursor is known, so ThreatQ works on it while this
   * one is converted.
   */
  query(
    collection: TqCollection,
    base: ApiQuery,
    options: QueryOptions,
  ): AsyncGenerator<RecordPage> {
    return this.pages(
      collection,
      { ...withUpdatedAfter(base, options.updatedAfter), fields: ['*', 'attributes', 'sources'] },
      // Each source carries its `tlp_id` (docs/threatq-api.md, "TLP and sources"); no client
      // asks `sources.tlp`.
      ['sources', ...(options.with ?? [])],
      options,
      splitValid,
    )
  }

  /**
   * The membership of a data collection, cheaply: ids, values, types, statuses, times and the
   * ids of related objects, without attributes or sources (the sync reads every member
   * each run, and most are unchanged). [I: A-TQ-FIELDS-STUBS] `fields` trims the records and
   * embedded relations stay light.
   */
  members(collection: DataCollection, options: QueryOptions): AsyncGenerator<RecordPage> {
    return this.pages(
      'indicators',
      { ...collection.query, fields: [...MEMBER_FIELDS] },
      ['type', 'status', ...(options.with ?? [])],
      options,
      splitValid,
      // Every membership scan decides what leaves AED (the export's and the lists' plans, and a
      // rebuilt ledger): a short one would revoke the members it missed.
      { dataCollection: collection.name },
    )
  }

  private async *pages<P extends { total: number | undefined }>(
    collection: TqCollection,
    query: ApiQuery & { fields: string[] },
    withList: readonly string[],
    options: QueryOptions,
    read: (items: unknown[], total: number | undefined) => P,
    /** Set when the read must be whole: paging that cannot finish is then an error. */
    whole?: { dataCollection: string },
  ): AsyncGenerator<P> {
    const body = JSON.stringify(query)
    const stop = new AbortController()
    const signal =
      options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal])
    const embed = withParam(withList)
    // The page read ahead waits as text: parsed only when it is its turn, its objects die young
    // instead of surviving (and being copied by) the collections made while this one converts.
    const fetchPage = (cursor: string) =>
      readAhead(
        this.send({
          method: 'POST',
          path: `/api/${collection}/query`,
          query: {
            limit: options.pageSize,
            sort: 'id',
            cursorMark: cursor,
            with: embed,
          },
          body,
          signal,
        }),
      )
    let cursor = '*'
    let next: Promise<HttpResponse> | undefined = fetchPage(cursor)
    let seen = 0
    let previousFirst: unknown
    // Pages sort by id, so a page starting at an id already seen (or a cursor already followed)
    // is a cycle; only first ids are kept, so memory grows with pages, not records.
    const guard = new PagingGuard()
    /**
     * Paging that cannot finish: an error for a read that must be whole (never retried: the
     * server answered, it would answer the same), else a warning and a clean stop.
     */
    const stuck = (response: HttpResponse, reason: string, seen: number): void => {
      if (whole !== undefined)
        throw parseError(
          'threatq',
          response,
          `paging of the data collection "${whole.dataCollection}" stopped after ${String(seen)} records: ${reason}; a partial membership would revoke what it missed, so nothing was changed in AED`,
        )
      this.logger.warn({ collection, seen, reason }, `ThreatQ paging stopped: ${reason}`)
    }
    try {
      while (next !== undefined) {
        const response = await next
        const page = readCursorPage(`the ${collection} query page`, response, read)
        next = undefined
        if (page.count === 0) return
        // A server that ignores cursorMark (or hands back the same one) repeats its page.
        if (seen > 0 && page.first !== undefined && page.first === previousFirst) {
          stuck(response, 'ThreatQ returned the same page again', seen)
          return
        }
        previousFirst = page.first
        seen += page.count
        const { mark, records } = page
        // A server that never stops: more records than it said it had, by far.
        const runaway = records.total !== undefined && seen > records.total * 2 + options.pageSize
        const cycle =
          mark === undefined || mark === cursor
            ? undefined
            : guard.check({ keys: [JSON.stringify(page.first)], next: mark })
        // A page already read is not yielded twice.
        if (cycle?.includes('nothing new') === true) {
          stuck(response, `ThreatQ paging cycles (${cycle})`, seen - page.count)
          return
        }
        if (mark !== undefined && mark !== cursor) {
          if (runaway)
            stuck(
              response,
              `ThreatQ kept returning pages past its total of ${String(records.total)}`,
              seen,
            )
          else if (cycle !== undefined) stuck(response, `ThreatQ paging cycles (${cycle})`, seen)
          else {
            cursor = mark
            next = fetchPage(mark)
          }
        }
        yield records
      }
    } finally {
      // The consumer stopped early: drop the page read ahead.
      stop.abort()
    }
  }

  /**
   * One object with attributes, sources and the given relations: embedded with `with=` where
   * ThreatQ allows it, the others (`attack_pattern`) read from `/api/{type}/{id}/{related}`.
   */
  async getObject(
    collection: TqCollection,
    id: number,
    relations: readonly string[],
  ): Promise<TqRecord | undefined> {
    const response = await this.http.request({
      path: `/api/${collection}/${String(id)}`,
      query: {
        with: withParam([
          'attributes',
          'sources',
          'type',
          'status',
          ...relations.filter(embeddable),
        ]),
      },
      headers: { accept: 'application/json' },
      okStatuses: [200, 404],
    })
    if (response.status === 404) return undefined
    const record = parseJsonBody(
      'threatq',
      response,
      dataOf(recordSchema),
      `${collection} ${String(id)}`,
    ).data
    for (const relation of relations) {
      if (embeddable(relation) || !isRelatedKey(relation)) continue
      const ids = await this.relatedIds(collection, id, relation, RELATED_PAGE)
      record[relation] = ids.map((related) => ({ id: related }))
    }
    return record
  }

  /**
   * Ids of the objects related to one object, `GET /api/{type}/{id}/{related}` paged by offset
   * (docs/threatq-api.md, "Relationships"). An object gone meanwhile has none.
   */
  async relatedIds(
    collection: string,
    id: number,
    related: string,
    pageSize: number,
  ): Promise<number[]> {
    // No `sort`: the relation endpoint is attested with limit, offset and with only.
    return this.allIds(`/api/${collection}/${String(id)}/${related}`, { limit: pageSize })
  }

  /** Ids of every object of a collection, `GET /api/{type}` paged by offset in id order. */
  listIds(collection: string, pageSize: number): Promise<number[]> {
    return this.allIds(`/api/${collection}`, { limit: pageSize, sort: 'id' })
  }

  private async allIds(path: string, paging: { limit: number; sort?: string }): Promise<number[]> {
    const ids = new Set<number>()
    for (let offset = 0; ;) {
      const response = await this.http.request({
        path,
        query: { ...paging, offset },
        headers: { accept: 'application/json' },
        okStatuses: [200, 404],
      })
      if (response.status === 404) return [...ids]
      const page = parseAnswer(`the ids of ${path}`, idPage, response)
      const before = ids.size
      for (const item of page.data) ids.add(item.id)
      offset += page.data.length
      // A server that ignores `offset` repeats its page. These ids decide which links (and so
      // which relationships) leave AED: a short list would revoke the ones it missed.
      if (page.data.length === 0) return [...ids]
      if (ids.size === before)
        throw parseError(
          'threatq',
          response,
          `the ids of ${path}: paging stopped after ${String(ids.size)}${page.total === undefined ? '' : ` of ${String(page.total)}`} ids (a page brought nothing new); a partial list would revoke what it missed, so nothing was changed in AED`,
        )
      const done = page.total === undefined ? page.data.length < paging.limit : offset >= page.total
      if (done) return [...ids]
    }
  }

  /**
   * Sets single-valued attributes of an object to these values (docs/threatq-api.md, "Objects":
   * GET, PUT, POST and DELETE on `/api/{type}/{id}/attributes`): consume only ever adds a value, so
   * a count kept current is changed in place, and any second value of its name removed.
   */
  async setAttributes(
    collection: string,
    id: number,
    values: Readonly<Record<string, string>>,
  ): Promise<void> {
    const base = `/api/${collection}/${String(id)}/attributes`
    const page = await this.json(`the attributes of ${collection} ${String(id)}`, offsetPage, {
      path: base,
      query: { limit: 1000, with: 'attribute' },
    })
    const byName = new Map<string, { id: number; value: string }[]>()
    for (const item of page.data) {
      const a = attributeItem.safeParse(item)
      if (!a.success) continue
      const name = (a.data.name ?? a.data.attribute?.name ?? '').toLowerCase()
      byName.set(name, [...(byName.get(name) ?? []), { id: a.data.id, value: a.data.value }])
    }
    for (const [name, value] of Object.entries(values)) {
      const [first, ...extra] = byName.get(name.toLowerCase()) ?? []
      if (first === undefined)
        await this.send({ method: 'POST', path: base, body: JSON.stringify({ name, value }) })
      else if (first.value !== value)
        await this.send({
          method: 'PUT',
          path: `${base}/${String(first.id)}`,
          body: JSON.stringify({ value }),
        })
      for (const other of extra)
        await this.send({ method: 'DELETE', path: `${base}/${String(other.id)}` })
    }
  }

  /**
   * Ids of the indicators with exactly this value (`GET /api/indicators?value=`,
   * docs/threatq-api.md, "Objects").
   */
  async indicatorIdsByValue(value: string): Promise<number[]> {
    const page = await this.json('the indicators of a value', offsetPage, {
      path: '/api/indicators',
      query: { value, limit: 100 },
    })
    const wanted = value.toLowerCase()
    const ids: number[] = []
    for (const item of page.data) {
      const v = valueItem.safeParse(item)
      if (v.success && v.data.value.toLowerCase() === wanted) ids.push(v.data.id)
    }
    return ids
  }

  /**
   * Consumes (upserts) items into a collection, given as their JSON array text (the import
   * serialises a batch ahead of its turn); returns the response items.
   */
  async consume(collection: string, itemsJson: string): Promise<unknown[]> {
    const result = await this.json(`the ${collection} consume answer`, offsetPage, {
      method: 'POST',
      path: `/api/${collection}/consume`,
      body: itemsJson,
    })
    return result.data
  }
}

/** Adds an `updated_at > since` clause to the query's filters, as threatqsdk's inject_date does. */
export function withUpdatedAfter(query: ApiQuery, since: Date | undefined): ApiQuery {
  if (since === undefined) return query
  const clause = { updated_at: { '+gt': formatThreatqTime(since) } }
  const filters = query.filters ?? {}
  const and = Array.isArray(filters['+and']) ? (filters['+and'] as unknown[]) : []
  const rest = Object.fromEntries(Object.entries(filters).filter(([k]) => k !== '+and'))
  const kept = Object.keys(rest).length > 0 ? [rest] : []
  return { ...query, filters: { '+and': [...and, ...kept, clause] } }
}

function parseAnswer<S extends z.ZodType>(
  what: string,
  schema: S,
  response: HttpResponse,
): z.output<S> {
  const parsed = parseJsonBody('threatq', response, schema, what)
  // threatqsdk treats any `errors` key as a failure, even on 2xx.
  if (/^\s*\{\s*"errors"\s*:/.test(response.body))
    throw parseError('threatq', response, `${what}: the answer carries errors`)
  return parsed
}

/**
 * One cursor page, validated, with what the paging loop needs to know of the raw answer. A
 * function of its own so the raw objects are garbage once it returns, not held by the
 * suspended query generator while the page is converted.
 */
function readCursorPage<P extends { total: number | undefined }>(
  what: string,
  response: HttpResponse,
  read: (items: unknown[], total: number | undefined) => P,
): { records: P; count: number; first: unknown; mark: string | undefined } {
  const page = parseAnswer(what, cursorPage, response)
  const items = page.data ?? []
  return {
    records: read(items, page.total),
    count: items.length,
    first: (items[0] as { id?: unknown } | null | undefined)?.id,
    mark: page.nextCursorMark ?? undefined,
  }
}

function splitValid(items: unknown[], total: number | undefined): RecordPage {
  const records: TqRecord[] = []
  const invalid: RecordPage['invalid'] = []
  const ids = new Set<number>()
  for (const item of items) {
    const fast = readRecord(item)
    const parsed =
      fast === undefined ? recordSchema.safeParse(item) : { success: true as const, data: fast }
    if (parsed.success && ids.has(parsed.data.id))
      invalid.push({ id: parsed.data.id, reason: 'duplicate id: listed twice in the page' })
    else if (parsed.success) {
      ids.add(parsed.data.id)
      records.push(parsed.data)
    } else
      invalid.push({
        id: (item as { id?: unknown } | null)?.id,
        reason: parsed.error.issues
          .slice(0, 2)
          .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
          .join('; '),
      })
  }
  return { records, invalid, total }
}

/** The data collection option names no saved search; src/cli/mistakes.ts says where it is set. */
export class NoDataCollectionError extends ConfigError {
  override readonly name: string = 'NoDataCollectionError'
  constructor(
    readonly collection: string,
    readonly offered: readonly string[],
  ) {
    super(
      `ThreatQ has no data collection named ${JSON.stringify(collection)}; set "ThreatQ Data Collection" to one of: ${offeredText(offered)}`,
      { option: 'data_collection' },
    )
  }
}

export const offeredText = (names: readonly string[]): string =>
  names.length === 0
    ? '(none: save a Threat Library search first)'
    : names.map((n) => oneLine(JSON.stringify(n))).join(', ')
