/**
 * EDM alerts client (docs/aed-api.md, "EDM alerts API"): `GET /api/v1/alerts/threats` in time order
 * from a checkpoint, paged with `skip`/`size` inside EDM's result window and past it by moving
 * `start` to the last time read, with the token in whichever header the server takes.
 */
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js'
import { RemoteError } from '../http/errors.js'
import { parseJsonBody } from '../http/json.js'
import type { Logger } from '../log/logger.js'
import { PagingGuard } from '../http/paging-guard.js'
import { readAhead } from '../http/read-ahead.js'
import type { EdmCheckpoint } from './checkpoint.js'
import { checkRecords, threatsAnswerSchema, type EdmRecord, type InvalidRecord } from './record.js'

export const THREATS_PATH = '/api/v1/alerts/threats'

/**
 * [I: A-EDM-RESULT-WINDOW] EDM keeps its alerts in Elasticsearch, whose default
 * `max_result_window` is 10,000: `skip + size` stays within it, and `start` moves on past it.
 */
const EDM_RESULT_WINDOW = 10_000

/**
 * `new`: `X-Arbux-APIToken`, NETSCOUT's client since its December 2020 revision; `old`:
 * `Authorization: NSAPITOKENID <token>`, before it (docs/aed-api.md, "EDM alerts API").
 */
export type EdmAuthScheme = 'new' | 'old'

const authHeaders = (scheme: EdmAuthScheme, token: string): Record<string, string> =>
  scheme === 'new' ? { 'x-arbux-apitoken': token } : { authorization: `NSAPITOKENID ${token}` }

const HEADER_NAME: Record<EdmAuthScheme, string> = {
  new: 'X-Arbux-APIToken',
  old: 'Authorization: NSAPITOKENID',
}

export interface ThreatQuery {
  /** Epoch ms; the checkpoint's time replaces it when there is one. */
  start: number
  /** Epoch ms, inclusive. */
  end: number
  checkpoint?: EdmCheckpoint | undefined
  /** A Lucene query (`q`). */
  q?: string | undefined
  /** The AED as EDM names it (`hostname`). */
  aedName?: string | undefined
  /** Records per request (at most the result window). */
  size: number
  signal?: AbortSignal
}

export interface ThreatPage {
  /** Records not read before, in time order; each with its time in epoch ms. */
  records: { record: EdmRecord; time: number }[]
  invalid: InvalidRecord[]
  /** Records left out because the checkpoint (or an earlier window) already had them. */
  repeated: number
  /** Where the import stands once this page is handled. */
  checkpoint: EdmCheckpoint | undefined
}

export interface EdmClientOptions {
  token: string
  /** The scheme tried first (default `new`); the other is tried once when it is refused. */
  auth?: EdmAuthScheme
  resultWindow?: number
}

/** `2026-01-15T12:00:00Z`, with milliseconds only when there are some. */
export function edmTimeText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** A Lucene value in double quotes. */
const quoted = (value: string): string => `"${value.replace(/[\\"]/g, '\\$&')}"`

export class EdmClient {
  private scheme: EdmAuthScheme | undefined
  private readonly firstScheme: EdmAuthScheme
  private readonly window: number

  constructor(
    private readonly http: HttpClient,
    private readonly logger: Logger,
    private readonly options: EdmClientOptions,
  ) {
    this.firstScheme = options.auth ?? 'new'
    this.window = options.resultWindow ?? EDM_RESULT_WINDOW
  }

  /** The header scheme the server accepted, once a request succeeded. */
  get authScheme(): EdmAuthScheme | undefined {
    return this.scheme
  }

  close(): Promise<void> {
    return this.http.close()
  }

  /**
   * One request with the token: in the scheme that worked before, else the first scheme and, when
   * it is refused (401/403), once in the other; which one worked is kept for the run.
   */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const { token } = this.options
    const send = (scheme: EdmAuthScheme) =>
      this.http.request({
        ...request,
        headers: { ...request.headers, ...authHeaders(scheme, token) },
      })
    const first = this.scheme ?? this.firstScheme
    try {
      const response = await send(first)
      this.scheme = first
      return response
    } catch (error) {
      if (!refused(error)) throw error
      if (this.scheme !== undefined) throw this.refusal(error, [first])
      const other: EdmAuthScheme = first === 'new' ? 'old' : 'new'
      this.logger.debug(
        { refused: HEADER_NAME[first], trying: HEADER_NAME[other] },
        'EDM refused the API token header; trying the other one',
      )
      try {
        const response = await send(other)
        this.scheme = other
        this.logger.info({ header: HEADER_NAME[other] }, 'EDM takes the API token in this header')
        return response
      } catch (second) {
        throw refused(second) ? this.refusal(second, [first, other]) : second
      }
    }
  }

  private refusal(error: RemoteError, tried: EdmAuthScheme[]): RemoteError {
    return new RemoteError({
      system: 'edm',
      kind: 'http',
      method: error.method,
      url: error.url,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.serverMessage === undefined ? {} : { serverMessage: error.serverMessage }),
      detail: `EDM refused the API token sent as ${tried.map((s) => HEADER_NAME[s]).join(' and as ')}: check the edm_api_token option`,
      retryable: false,
      cause: error,
    })
  }

  /**
   * The threat records from the checkpoint (or `start`) to `end`, oldest first, page by page. Each
   * page's checkpoint may be stored once the page is handled.
   */
  async *threats(query: ThreatQuery): AsyncGenerator<ThreatPage> {
    const size = Math.max(1, Math.min(query.size, this.window))
    const stop = new AbortController()
    const signal =
      query.signal === undefined ? stop.signal : AbortSignal.any([query.signal, stop.signal])
    const filters = this.filters(query)
    const fetchPage = (start: number, skip: number, count: number) =>
      readAhead(
        this.request({
          path: THREATS_PATH,
          query: {
            start: edmTimeText(start),
            end: edmTimeText(query.end),
            sort: 'time',
            size: count,
            skip,
            descriptions: 'false',
            ...filters,
          },
          headers: { accept: 'application/json' },
          signal,
        }).then((response) => ({
          response,
          data: parseJsonBody('edm', response, threatsAnswerSchema, 'threats page').data,
        })),
      )

    // Records at `boundary.time` whose ids are in it were handed out already (checkpoint, or the
    // window before `start` moved).
    let boundary = query.checkpoint
    // EDM stamps whole seconds and may read `start` so: records earlier in that second are
    // the checkpoint's (dropped below) or wanted (first run).
    let start = Math.floor((boundary?.time ?? query.start) / 1000) * 1000
    let skip = 0
    // The running checkpoint: the latest time handed out and the ids at it.
    let lastTime = boundary?.time
    let lastIds = new Set(boundary?.ids ?? [])
    let boundaryIds = lastIds
    const guard = new PagingGuard()
    const pageSize = (s: number) => Math.min(size, this.window - s)
    let next: ReturnType<typeof fetchPage> | undefined = fetchPage(start, 0, pageSize(0))
    try {
      while (next !== undefined) {
        const { response, data } = await next
        next = undefined
        const count = pageSize(skip)
        const { records, invalid } = checkRecords(data.hits)
        const page: ThreatPage = { records: [], invalid, repeated: 0, checkpoint: undefined }
        let previous = -Infinity
        let boundaryRepeats = 0
        for (const record of records) {
          const time = Date.parse(record.time)
          if (time < previous || time < start || time > query.end)
            throw this.broken(
              response,
              `record ${record._id} at ${record.time} is out of order or outside ${edmTimeText(start)}..${edmTimeText(query.end)}: sort=time or start/end not honoured`,
            )
          previous = time
          if (
            boundary !== undefined &&
            (time < boundary.time || (time === boundary.time && boundaryIds.has(record._id)))
          ) {
            boundaryRepeats++
            continue
          }
          if (lastTime === undefined || time > lastTime) {
            lastTime = time
            lastIds = new Set()
          }
          if (lastIds.has(record._id)) {
            page.repeated++
            continue
          }
          lastIds.add(record._id)
          page.records.push({ record, time })
        }
        page.repeated += boundaryRepeats
        // Records handed out before are expected only where `start` was (checkpoint, or the
        // window before it moved); any other page must bring something new.
        if (data.hits.length > boundaryRepeats) {
          const why = guard.check({
            keys: data.hits.map((h) => JSON.stringify((h as { _id?: unknown } | null)?._id ?? h)),
            next: `${String(start)}|${String(skip + count)}`,
          })
          if (why !== undefined) throw this.broken(response, `threats paging stopped: ${why}`)
        }
        page.checkpoint =
          lastTime === undefined ? undefined : { version: 1, time: lastTime, ids: [...lastIds] }
        const total = data.totalSize ?? undefined
        const done =
          data.hits.length < count || (total !== undefined && skip + data.hits.length >= total)
        if (!done) {
          if (skip + count < this.window) skip += count
          else {
            // Past EDM's result window: ask again from the last time read, without skipping.
            if (lastTime === undefined || lastTime <= start)
              throw this.broken(
                response,
                `more than ${String(this.window)} records at ${edmTimeText(start)}: EDM's result window (skip + size ≤ ${String(this.window)}) cannot page through them`,
              )
            this.logger.debug(
              { from: edmTimeText(lastTime) },
              'EDM result window reached; moving start',
            )
            start = lastTime
            skip = 0
            boundary = { version: 1, time: lastTime, ids: [] }
            boundaryIds = new Set(lastIds)
          }
          next = fetchPage(start, skip, pageSize(skip))
        }
        yield page
      }
    } finally {
      // The consumer stopped early: drop the page read ahead.
      stop.abort()
    }
  }

  /** Field filters, or one `q` when a query is given (EDM then ignores field filters). */
  private filters(query: ThreatQuery): Record<string, string> {
    const q = query.q?.trim()
    const aed = query.aedName?.trim()
    if (q === undefined || q === '') return aed === undefined || aed === '' ? {} : { hostname: aed }
    return { q: aed === undefined || aed === '' ? q : `${q} and hostname:${quoted(aed)}` }
  }

  private broken(response: HttpResponse, detail: string): RemoteError {
    return new RemoteError({
      system: 'edm',
      kind: 'parse',
      method: response.method,
      url: response.url,
      detail,
      retryable: false,
    })
  }
}

function refused(error: unknown): error is RemoteError {
  return error instanceof RemoteError && (error.status === 401 || error.status === 403)
}
