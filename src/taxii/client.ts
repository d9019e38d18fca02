/**
 * TAXII 2.0 / 2.1 client: discovery, API roots, collections, adding objects (split, a bounded
 * number in flight, status polled) and reading objects and manifests page by page.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { z } from 'zod'
import {
  basicAuth,
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
} from '../http/client.js'
import { eitherSignal } from '../http/abort.js'
import { RemoteError } from '../http/errors.js'
import { parseError, parseJsonBody } from '../http/json.js'
import { oneLine } from '../log/one-line.js'
import { PagingGuard } from '../http/paging-guard.js'
import { silentLogger, type Logger } from '../log/logger.js'
import type { StixObject } from '../stix/types.js'
import { splitIntoBatches, type ObjectRef, type StixSource } from './batches.js'
import { isMediaType } from './media.js'
import { parseContentRange, rangeHeader } from './paging.js'
import {
  apiRootSchema,
  bundleSchema,
  collectionsSchema,
  discoverySchema,
  envelopeSchema,
  manifestSchema,
  statusSchema,
  type Status,
} from './schemas.js'
import {
  DEFAULT_POLL,
  emptyResult,
  mergeResult,
  resultOf,
  waitForStatus,
  type AddResult,
  type PollDeps,
  type PollOptions,
} from './status.js'
import {
  DISCOVERY_PATH,
  MEDIA_TYPES,
  type ApiRootInfo,
  type CollectionInfo,
  type Discovery,
  type ManifestEntry,
  type TaxiiVersion,
} from './types.js'

/** What a TAXII client adds to the HTTP client it is given. */
export interface TaxiiClientOptions {
  version: TaxiiVersion
  logger?: Logger
  poll?: Partial<PollOptions>
  /** Test seam for status polling. */
  pollDeps?: Partial<PollDeps>
  /**
   * What a failed discovery, the first request to the server, is thrown as: the caller's
   * reading of it (a mistake in a setting, src/cli/mistakes.ts), or the error itself.
   */
  firstContact?: (error: unknown) => Promise<unknown>
  /** The run's abort, for status polling: the HTTP client's requests carry it already. */
  signal?: AbortSignal
}

/** The HTTP client of a TAXII server: its base URL, Basic auth as the TAXII user. */
export interface TaxiiHttpOptions extends Pick<
  HttpClientOptions,
  | 'tls'
  | 'proxy'
  | 'env'
  | 'timeoutMs'
  | 'maxResponseBytes'
  | 'retry'
  | 'dispatcher'
  | 'retryDeps'
  | 'signal'
  | 'logger'
> {
  /** The server's base URL; discovery is `{url}/taxii/` (2.0) or `{url}/taxii2/` (2.1). */
  url: string
  username?: string
  password?: string
}

export function taxiiHttpClient(options: TaxiiHttpOptions): HttpClient {
  const { url, username, password, ...rest } = options
  return createHttpClient({
    ...rest,
    system: 'taxii',
    baseUrl: withSlash(url),
    ...(username === undefined ? {} : { auth: basicAuth(username, password ?? '') }),
  })
}

/** A TAXII client on an HTTP client of its own, closed with it. */
export function createTaxiiClient(options: TaxiiClientOptions & TaxiiHttpOptions): TaxiiClient {
  return new TaxiiClient(taxiiHttpClient(options), options)
}

export interface AddOptions {
  /** Most objects per request (default 1000). */
  maxObjects?: number
  /** A lower byte limit than the API root's, if wanted; the smaller one applies. */
  maxContentLength?: number
  /** Requests in flight at once, status polling included (default 2). */
  concurrency?: number
  /** Before each request is sent, with the objects it carries (the ledger notes them first). */
  beforeRequest?: (objects: readonly ObjectRef[]) => Promise<void>
  /** After each request's final status; `sent` names the objects it carried (the ledger commits them). */
  onRequest?: (
    result: AddResult,
    statusId: string | undefined,
    sent: readonly ObjectRef[],
  ) => void | Promise<void>
  signal?: AbortSignal
}

/** Object filters (TAXII `added_after` and `match[...]`). */
export interface ObjectFilters {
  addedAfter?: string
  id?: string | readonly string[]
  type?: string | readonly string[]
  /** `last`, `first`, `all` or a timestamp. */
  version?: string | readonly string[]
  /** 2.1 only. */
  specVersion?: string | readonly string[]
}

export interface ReadOptions {
  /** Objects asked for per page (2.0 `Range`, 2.1 `limit`); servers may return fewer. */
  pageSize?: number
  signal?: AbortSignal
}

export interface TaxiiCollection {
  /** API root URL, ending in `/`. */
  root: string
  /** Collection URL, ending in `/`. */
  url: string
  info: CollectionInfo
  maxContentLength: number
}

const DEFAULT_MAX_OBJECTS = 1000
const DEFAULT_CONCURRENCY = 2
const DEFAULT_PAGE_SIZE = 1000

interface Page<T> {
  items: T[]
  more: boolean
  next?: string
}

export class TaxiiClient {
  readonly version: TaxiiVersion
  private readonly serverUrl: string
  private readonly logger: Logger
  private readonly poll: PollOptions
  private readonly pollDeps: PollDeps
  private readonly media: { taxii: string; stix: string }
  private discovery: Promise<Discovery> | undefined
  private readonly firstContact: (error: unknown) => Promise<unknown>
  /** The run's abort: every request has it (the HTTP client's), status polling too. */
  private readonly runSignal: AbortSignal | undefined

  constructor(
    private readonly http: HttpClient,
    options: TaxiiClientOptions,
  ) {
    this.firstContact = options.firstContact ?? ((error) => Promise.resolve(error))
    this.runSignal = options.signal
    this.version = options.version
    this.media = MEDIA_TYPES[options.version]
    this.serverUrl = withSlash(http.baseUrl)
    this.logger = options.logger ?? silentLogger
    this.poll = { ...DEFAULT_POLL, ...options.poll }
    this.pollDeps = {
      sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal }),
      now: () => Date.now(),
      ...options.pollDeps,
    }
  }

  close(): Promise<void> {
    return this.http.close()
  }

  /** Asked once per client: the run's first contact with TAXII is this request. */
  discover(): Promise<Discovery> {
    const url = new URL(DISCOVERY_PATH[this.version].slice(1), this.serverUrl).toString()
    this.discovery ??= this.getJson(url, discoverySchema, 'the discovery resource').catch(
      async (error: unknown) => {
        this.discovery = undefined
        throw await this.firstContact(error)
      },
    )
    return this.discovery
  }

  /** `root` may be an absolute URL, a path, or a name relative to the server URL. */
  apiRoot(root: string): Promise<ApiRootInfo> {
    return this.getJson(this.rootUrl(root), apiRootSchema, 'the API root information')
  }

  async collections(root: string): Promise<CollectionInfo[]> {
    const url = `${this.rootUrl(root)}collections/`
    const body = await this.getJson(url, collectionsSchema, 'the collections resource')
    return body.collections ?? []
  }

  /** Finds a collection by id, title or alias; the error lists what the API root offers. */
  async collection(root: string, titleOrId: string): Promise<TaxiiCollection> {
    const rootUrl = this.rootUrl(root)
    const [info, all] = await Promise.all([this.apiRoot(rootUrl), this.collections(rootUrl)])
    const found =
      all.find((c) => c.id === titleOrId) ??
      all.find((c) => c.title === titleOrId) ??
      all.find((c) => c.alias === titleOrId)
    if (found === undefined) {
      const offered = all.map((c) => oneLine(`"${c.title}" (${c.id})`)).join(', ')
      throw new TaxiiUsageError(
        `TAXII collection "${titleOrId}" not found at ${rootUrl}; ${
          offered === '' ? 'the API root has no collections' : `available: ${offered}`
        }`,
        'collection',
      )
    }
    return {
      root: rootUrl,
      url: `${rootUrl}collections/${encodeURIComponent(found.id)}/`,
      info: found,
      maxContentLength: info.max_content_length,
    }
  }

  async status(root: string, statusId: string): Promise<Status> {
    const url = `${this.rootUrl(root)}status/${encodeURIComponent(statusId)}/`
    return this.getJson(url, statusSchema, 'the status resource')
  }

  /**
   * Adds objects to a collection: split into requests under `max_content_length`, a bounded
   * number in flight, each one's status polled to the end. The first request that fails
   * (after the HTTP layer's retries) stops the run and is thrown once the others settle.
   */
  async addObjects(
    collection: TaxiiCollection,
    objects: StixSource,
    options: AddOptions = {},
  ): Promise<AddResult> {
    if (!collection.info.can_write) {
      throw new TaxiiUsageError(
        `TAXII collection "${collection.info.title}" (${collection.info.id}) is not writable (can_write is false)`,
        'collection',
      )
    }
    const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY)
    const limits = {
      version: this.version,
      maxBytes: Math.min(collection.maxContentLength, options.maxContentLength ?? Infinity),
      maxObjects: Math.max(1, options.maxObjects ?? DEFAULT_MAX_OBJECTS),
    }
    const total = emptyResult()
    const inFlight = new Set<Promise<void>>()
    let failed: { error: unknown } | undefined
    const report = async (
      result: AddResult,
      statusId: string | undefined,
      sent: readonly ObjectRef[],
    ) => {
      mergeResult(total, result)
      await options.onRequest?.(result, statusId, sent)
    }

    try {
      for await (const item of splitIntoBatches(objects, limits)) {
        if (item.kind === 'oversized') {
          await report(
            {
              ...emptyResult(),
              total: 1,
              failure: 1,
              failures: [{ ...item.object, message: item.message }],
            },
            undefined,
            [item.object],
          )
          continue
        }
        while (inFlight.size >= concurrency && failed === undefined) await Promise.race(inFlight)
        if (failed !== undefined) break
        const { objects: sent, bytes } = item
        await options.beforeRequest?.(sent)
        // The closures keep the refs only: the body (MBs) is free once sent, while AED's status
        // may take seconds to be final.
        const task: Promise<void> = this.post(collection, item.payload, options.signal)
          .then((first) => this.settle(collection, first, { sent, bytes }, options.signal))
          .then(({ result, statusId }) => report(result, statusId, sent))
          .catch((error: unknown) => {
            failed ??= { error }
          })
          .finally(() => inFlight.delete(task))
        inFlight.add(task)
      }
    } finally {
      // Also when the source throws: no request is left running unobserved.
      await Promise.all(inFlight)
    }
    if (failed !== undefined) throw failed.error
    return total
  }

  /** POSTs one add-objects body; the status resource AED answers with. */
  private async post(
    collection: TaxiiCollection,
    payload: Buffer,
    signal: AbortSignal | undefined,
  ): Promise<Status> {
    const response = await this.request({
      method: 'POST',
      path: `${collection.url}objects/`,
      headers: { accept: this.media.taxii, 'content-type': this.media.stix },
      bytes: payload,
      ...(signal === undefined ? {} : { signal }),
    })
    return parseJsonBody('taxii', response, statusSchema, 'the add-objects status')
  }

  /** Polls a posted batch's status until it is final (or polling gives up). */
  private async settle(
    collection: TaxiiCollection,
    first: Status,
    batch: { sent: readonly ObjectRef[]; bytes: number },
    signal: AbortSignal | undefined,
  ): Promise<{ result: AddResult; statusId: string }> {
    this.logger.debug(
      { status: first.id, objects: batch.sent.length, bytes: batch.bytes, state: first.status },
      'TAXII objects posted',
    )
    const final = await waitForStatus(
      first,
      () => this.status(collection.root, first.id),
      this.poll,
      this.pollDeps,
      eitherSignal(this.runSignal, signal),
    )
    if (final.status !== 'complete') {
      this.logger.warn(
        { status: final.id, pending: final.pending_count, timeoutMs: this.poll.timeoutMs },
        'TAXII status still pending when polling gave up',
      )
    }
    if (final.total_count !== batch.sent.length) {
      this.logger.warn(
        { status: final.id, sent: batch.sent.length, total_count: final.total_count },
        'TAXII status total_count differs from the number of objects sent',
      )
    }
    return { result: resultOf(final, batch.sent.length), statusId: final.id }
  }

  /** Every object of a collection that matches the filters, fetched page by page. */
  objects(
    collection: TaxiiCollection,
    filters: ObjectFilters = {},
    options: ReadOptions = {},
  ): AsyncGenerator<StixObject> {
    const what = 'the objects resource'
    return this.pages(
      `${collection.url}objects/`,
      this.media.stix,
      filters,
      options,
      objectKey,
      (res) => {
        if (this.version === '2.0') {
          return {
            items: parseJsonBody('taxii', res, bundleSchema, what).objects ?? [],
            more: false,
          }
        }
        const envelope = parseJsonBody('taxii', res, envelopeSchema, what)
        return pageOf(envelope)
      },
    )
  }

  /** The collection's manifest (2.0: one entry per object; 2.1: one per object version). */
  manifest(
    collection: TaxiiCollection,
    filters: ObjectFilters = {},
    options: ReadOptions = {},
  ): AsyncGenerator<ManifestEntry> {
    return this.pages(
      `${collection.url}manifest/`,
      this.media.taxii,
      filters,
      options,
      entryKey,
      (res) => pageOf(parseJsonBody('taxii', res, manifestSchema, 'the manifest resource')),
    )
  }

  private async *pages<T>(
    url: string,
    accept: string,
    filters: ObjectFilters,
    options: ReadOptions,
    key: (item: T) => string,
    parse: (response: HttpResponse) => Page<T>,
  ): AsyncGenerator<T> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
    const query = filterQuery(filters, this.version)
    const base: HttpRequest = {
      path: url,
      headers: { accept },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }
    if (this.version === '2.0') {
      yield* this.rangePages(base, query, pageSize, key, parse)
      return
    }
    // A read that cannot finish is an error, never a short answer: revocation acts on it.
    const guard = new PagingGuard()
    let cursor: Record<string, string> = {}
    for (;;) {
      const response = await this.get({ ...base, query: { ...query, limit: pageSize, ...cursor } })
      const page = parse(response)
      const last = response.headers.get('x-taxii-date-added-last')
      const stop =
        page.more && page.items.length > 0
          ? guard.check({ keys: page.items.map(key), next: page.next ?? last ?? undefined })
          : undefined
      if (stop !== undefined) throw parseError('taxii', response, `paging stopped: ${stop}`)
      yield* page.items
      if (!page.more) return
      if (page.next !== undefined) {
        cursor = { next: page.next }
        continue
      }
      // Without `next`, 2.1 servers page by date: resume after the last date_added returned.
      if (last === null || page.items.length === 0) {
        throw parseError(
          'taxii',
          response,
          'the server says more:true but gives neither next nor X-TAXII-Date-Added-Last',
        )
      }
      cursor = { added_after: last }
    }
  }

  /**
   * 2.0 item ranges: the next page starts after the last item the server says it returned
   * (medallion 1.1 returns one fewer than asked), a 416 is the end, and a 200 without
   * Content-Range is the whole set.
   */
  private async *rangePages<T>(
    base: HttpRequest,
    query: Record<string, string>,
    pageSize: number,
    key: (item: T) => string,
    parse: (response: HttpResponse) => Page<T>,
  ): AsyncGenerator<T> {
    const guard = new PagingGuard()
    let first = 0
    for (;;) {
      const response = await this.get({
        ...base,
        query,
        headers: { ...base.headers, range: rangeHeader(first, pageSize) },
        okStatuses: [200, 206, 404, 416],
      })
      if (response.status === 416) return
      if (response.status === 404) {
        // medallion 1.1 answers 404 for the objects of an empty (but existing) collection.
        if (first > 0 || !isMediaType(response.headers.get('content-type'), this.media.taxii)) {
          throw new RemoteError({
            system: 'taxii',
            kind: 'http',
            method: 'GET',
            url: response.url,
            status: 404,
            retryable: false,
          })
        }
        this.logger.debug({ url: response.url }, 'TAXII 2.0: 404 on a collection read as empty')
        return
      }
      const page = parse(response)
      const range = parseContentRange(response.headers.get('content-range'))
      if (range !== undefined && page.items.length > 0) {
        // No page bound from the total here: positions must grow and stop at it already.
        const stop = guard.check({ keys: page.items.map(key), next: range.last + 1 })
        if (stop !== undefined) throw parseError('taxii', response, `paging stopped: ${stop}`)
      }
      yield* page.items
      if (range === undefined) {
        if (response.status === 200) return
        throw parseError(
          'taxii',
          response,
          `206 without a usable Content-Range (got ${String(response.headers.get('content-range'))})`,
        )
      }
      const next = range.last + 1
      if (next <= first) {
        throw parseError(
          'taxii',
          response,
          `Content-Range ${String(response.headers.get('content-range'))} does not advance past item ${String(first)}`,
        )
      }
      if ((range.total !== undefined && next >= range.total) || page.items.length === 0) return
      first = next
    }
  }

  private rootUrl(root: string): string {
    return withSlash(new URL(root, this.serverUrl).toString())
  }

  private async getJson<S extends z.ZodType>(
    url: string,
    schema: S,
    what: string,
  ): Promise<z.output<S>> {
    const response = await this.get({ path: url, headers: { accept: this.media.taxii } })
    return parseJsonBody('taxii', response, schema, what)
  }

  /** A GET whose answer must carry a TAXII/STIX media type of the configured version. */
  private async get(request: HttpRequest): Promise<HttpResponse> {
    const response = await this.request(request)
    if (response.status >= 400) return response
    const contentType = response.headers.get('content-type')
    if (!isMediaType(contentType, this.media.taxii) && !isMediaType(contentType, this.media.stix)) {
      throw parseError(
        'taxii',
        response,
        `Content-Type is ${contentType ?? '(none)'}, not the TAXII ${this.version} media type ${this.media.taxii}`,
      )
    }
    return response
  }

  private async request(request: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.http.request(request)
    } catch (error) {
      if (error instanceof RemoteError && error.status === 406) {
        throw new RemoteError({
          system: 'taxii',
          kind: 'http',
          method: error.method,
          url: error.url,
          status: 406,
          serverMessage: `${error.serverMessage ?? 'Not Acceptable'} (the server refuses TAXII ${this.version} media types: is the configured TAXII version right?)`,
          retryable: false,
          cause: error,
        })
      }
      throw error
    }
  }
}

/** A mistake in what was asked (unknown collection, read-only collection), not a remote failure. */
export class TaxiiUsageError extends Error {
  override name = 'TaxiiUsageError'
  constructor(
    message: string,
    /** `collection`: the collection asked for is the mistake (not found, not writable). */
    readonly concerns?: 'collection',
  ) {
    super(message)
  }
}

function pageOf<T>(envelope: {
  more?: boolean | undefined
  next?: string | undefined
  objects?: T[] | undefined
}): Page<T> {
  return {
    items: envelope.objects ?? [],
    more: envelope.more === true,
    ...(envelope.next === undefined ? {} : { next: envelope.next }),
  }
}

/** One key per object version: a page of versions already read brings nothing new. */
function objectKey(object: StixObject): string {
  const stamp = (object as { modified?: unknown; created?: unknown }).modified ?? object.created
  return `${object.id}|${String(stamp)}`
}

function entryKey(entry: ManifestEntry): string {
  return `${entry.id}|${entry.version ?? entry.versions?.join(',') ?? entry.date_added}`
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

function filterQuery(filters: ObjectFilters, version: TaxiiVersion): Record<string, string> {
  const list = (value: string | readonly string[]) =>
    typeof value === 'string' ? value : value.join(',')
  const query: Record<string, string> = {}
  if (filters.addedAfter !== undefined) query.added_after = filters.addedAfter
  if (filters.id !== undefined) query['match[id]'] = list(filters.id)
  if (filters.type !== undefined) query['match[type]'] = list(filters.type)
  if (filters.version !== undefined) query['match[version]'] = list(filters.version)
  if (filters.specVersion !== undefined) {
    if (version === '2.0') throw new TaxiiUsageError('match[spec_version] exists in TAXII 2.1 only')
    query['match[spec_version]'] = list(filters.specVersion)
  }
  return query
}
