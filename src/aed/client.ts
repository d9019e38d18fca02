/**
 * AED REST client (docs/aed-api.md): API version probing, the X-Arbux-APIToken header, page/perPage
 * paging until a short page, and the [SIM] alerts resource (docs/aed-api.md, "Alerts over REST").
 */
import { z } from 'zod'
import type { HttpClient } from '../http/client.js'
import { extractServerMessage, RemoteError } from '../http/errors.js'
import { parseJsonBody } from '../http/json.js'
import { PagingGuard } from '../http/paging-guard.js'
import { readAhead } from '../http/read-ahead.js'
import type { Logger } from '../log/logger.js'
import { AedLists, type AedApiVersion } from './lists.js'
import { LATEST_EPOCH_SECONDS } from '../utc.js'

/** Epoch seconds up to 9999-12-31T23:59:59Z: beyond it a time cannot be written as a date. */
const epochSeconds = z.number().int().min(0).max(LATEST_EPOCH_SECONDS)

/** [SIM: A-AED-ALERT-MODEL] No public source documents AED's alert fields. */
export const alertSchema = z.looseObject({
  alertId: z.number().int().positive(),
  alertType: z.string(),
  category: z.string().nullish(),
  severity: z.number().int().min(1).max(9),
  startTime: epochSeconds,
  endTime: epochSeconds.nullish(),
  updateTime: epochSeconds.nullish(),
  direction: z.string().nullish(),
  pgid: z.number().int().nullish(),
  pgName: z.string().nullish(),
  src: z.string().nullish(),
  dst: z.string().nullish(),
  srcPort: z.number().int().nullish(),
  dstPort: z.number().int().nullish(),
  proto: z.string().nullish(),
  matchType: z.string().nullish(),
  iocPattern: z.string().nullish(),
  threatName: z.string().nullish(),
  threatCategory: z.string().nullish(),
  taxiiCollectionId: z.string().nullish(),
  taxiiCollectionTitle: z.string().nullish(),
  description: z.string().nullish(),
})
export type AedAlert = z.output<typeof alertSchema>

const isEpoch = (v: unknown): boolean =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= LATEST_EPOCH_SECONDS
const isText = (v: unknown): boolean => v == null || typeof v === 'string'
const isInt = (v: unknown): boolean =>
  v == null || (typeof v === 'number' && Number.isSafeInteger(v))

/**
 * The alert itself when it is plainly valid, else undefined and alertSchema decides (and says
 * why): zod copies every alert it checks, several µs each. Property-tested against alertSchema.
 */
export function readAlert(item: unknown): AedAlert | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined
  const a = item as Record<string, unknown>
  const { alertId, severity } = a
  if (
    typeof alertId !== 'number' ||
    !Number.isSafeInteger(alertId) ||
    alertId < 1 ||
    typeof a.alertType !== 'string' ||
    typeof severity !== 'number' ||
    !Number.isInteger(severity) ||
    severity < 1 ||
    severity > 9 ||
    !isEpoch(a.startTime) ||
    (a.endTime != null && !isEpoch(a.endTime)) ||
    (a.updateTime != null && !isEpoch(a.updateTime))
  )
    return undefined
  // Written out rather than looped over key lists: property reads V8 can inline.
  const ok =
    isText(a.category) &&
    isText(a.direction) &&
    isInt(a.pgid) &&
    isText(a.pgName) &&
    isText(a.src) &&
    isText(a.dst) &&
    isInt(a.srcPort) &&
    isInt(a.dstPort) &&
    isText(a.proto) &&
    isText(a.matchType) &&
    isText(a.iocPattern) &&
    isText(a.threatName) &&
    isText(a.threatCategory) &&
    isText(a.taxiiCollectionId) &&
    isText(a.taxiiCollectionTitle) &&
    isText(a.description)
  return ok ? (a as AedAlert) : undefined
}

/**
 * Minimum severity per the Alert Severity option: Low all, Medium 4+, High 7+ (README.md,
 * "Options").
 */
export const MIN_SEVERITY = { Low: 1, Medium: 4, High: 7 } as const

export interface AlertQuery {
  /** Epoch seconds. */
  startTime: number
  endTime: number
  minSeverity: number
  keywords: readonly string[]
  perPage: number
  signal?: AbortSignal
}

export interface AlertPage {
  alerts: AedAlert[]
  invalid: { id: unknown; reason: string }[]
}

const alertList = z.looseObject({ alerts: z.array(z.unknown()) })

export class AedClient {
  private version: Promise<AedApiVersion> | undefined

  constructor(
    private readonly http: HttpClient,
    private readonly logger: Logger,
    forced: 'auto' | AedApiVersion,
    /**
     * What a failed version probe, the first request to AED, is thrown as: the caller's reading
     * of it (a mistake in a setting, src/cli/mistakes.ts), or the error itself.
     */
    private readonly firstContact: (error: unknown) => unknown = (error) => error,
  ) {
    if (forced !== 'auto') this.version = Promise.resolve(forced)
  }

  close(): Promise<void> {
    return this.http.close()
  }

  /** The deny and allow lists, under the API version detected on first use. */
  lists(): AedLists {
    return new AedLists(this.http, () => this.apiVersion())
  }

  /**
   * `auto`: probe summary/ on v3, then v2, as NETSCOUT's own tooling does (docs/aed-api.md,
   * "Versions and base paths").
   */
  apiVersion(): Promise<AedApiVersion> {
    // One probe however many requests wait for it; a failed probe is tried again next time.
    this.version ??= this.probe().catch((error: unknown) => {
      this.version = undefined
      throw this.firstContact(error)
    })
    return this.version
  }

  private async probe(): Promise<AedApiVersion> {
    for (const candidate of ['v3', 'v2'] as const) {
      const path = `/api/aed/${candidate}/summary/`
      const response = await this.http.request({
        path,
        headers: { accept: 'application/json' },
        okStatuses: [200, 401, 403, 404, 405],
      })
      if (response.status === 401 || response.status === 403) {
        // AED refuses a token in its own envelope; anything else answering is another server.
        const refusal = new RemoteError({
          system: 'aed',
          kind: 'http',
          method: 'GET',
          url: `${this.http.baseUrl}${path}`,
          status: response.status,
          serverMessage: extractServerMessage(response.body),
          retryable: false,
        })
        throw isAedRefusal(response.body) ? refusal : new NotAedError(refusal.message, refusal)
      }
      if (response.status === 200 && !/"errors"\s*:/.test(response.body)) {
        this.logger.info({ version: candidate }, 'AED API version detected')
        return candidate
      }
    }
    const url = `${this.http.baseUrl}/api/aed/v3/summary/`
    throw new NotAedError(
      `aed GET ${url}: neither /api/aed/v3/summary/ nor /api/aed/v2/summary/ answered`,
      new RemoteError({
        system: 'aed',
        kind: 'http',
        method: 'GET',
        url,
        status: 404,
        retryable: false,
      }),
    )
  }

  /**
   * Pages through alerts until a short page, asking for the next page while this one is used.
   * Guards against a server that ignores paging.
   */
  async *alerts(query: AlertQuery): AsyncGenerator<AlertPage> {
    const version = await this.apiVersion()
    const stop = new AbortController()
    const signal =
      query.signal === undefined ? stop.signal : AbortSignal.any([query.signal, stop.signal])
    const fetchPage = (page: number) =>
      readAhead(
        this.http
          .request({
            path: `/api/aed/${version}/alerts/`,
            query: {
              startTime: query.startTime,
              endTime: query.endTime,
              severity: query.minSeverity,
              // AED's q takes "+"-joined terms (docs/aed-api.md, "Lists, paging and filters").
              q: query.keywords.length > 0 ? query.keywords.join('+') : undefined,
              sort: 'startTime',
              direction: 'ASC',
              page,
              perPage: query.perPage,
            },
            headers: { accept: 'application/json' },
            signal,
          })
          .then(
            (response) =>
              parseJsonBody('aed', response, alertList, `alerts page ${String(page)}`).alerts,
          ),
      )
    let previousFirst: unknown
    const guard = new PagingGuard()
    let next: Promise<unknown[]> | undefined = fetchPage(1)
    try {
      for (let page = 1; next !== undefined; page++) {
        const items = await next
        next = undefined
        const first = (items[0] as { alertId?: unknown } | undefined)?.alertId
        if (page > 1 && items.length > 0 && first === previousFirst) {
          this.logger.warn(
            { page },
            'AED returned the same alerts page again (perPage/page ignored); stopped paging',
          )
          return
        }
        previousFirst = first
        // Pages that cycle: the import must not run for ever, nor advance its checkpoint past
        // alerts it could not read, so this is an error (run exits 1, the next run retries).
        const stop =
          items.length > 0
            ? guard.check({
                keys: items.map((a) =>
                  JSON.stringify((a as { alertId?: unknown } | null)?.alertId ?? a),
                ),
                next: page + 1,
              })
            : undefined
        if (stop !== undefined)
          throw new RemoteError({
            system: 'aed',
            kind: 'parse',
            method: 'GET',
            url: `${this.http.baseUrl}/api/aed/${version}/alerts/?page=${String(page)}`,
            detail: `alerts paging stopped: ${stop}`,
            retryable: false,
          })
        if (items.length > query.perPage)
          this.logger.warn(
            { page, got: items.length, perPage: query.perPage },
            'AED ignored perPage; took the page as complete',
          )
        else if (items.length === query.perPage) next = fetchPage(page + 1)
        yield splitAlerts(items)
      }
    } finally {
      // The consumer stopped early: drop the page read ahead.
      stop.abort()
    }
  }
}

function splitAlerts(items: unknown[]): AlertPage {
  const page: AlertPage = { alerts: [], invalid: [] }
  for (const item of items) {
    const fast = readAlert(item)
    if (fast !== undefined) {
      page.alerts.push(fast)
      continue
    }
    const parsed = alertSchema.safeParse(item)
    if (parsed.success) page.alerts.push(parsed.data)
    else
      page.invalid.push({
        id: (item as { alertId?: unknown } | null)?.alertId,
        reason: parsed.error.issues
          .slice(0, 2)
          .map((i) => `${i.path.join('.') || '(alert)'}: ${i.message}`)
          .join('; '),
      })
  }
  return page
}

/**
 * The server at the AED hostname did not answer as an AED REST API does: another server (often
 * ThreatQ, or a web server) is at that address, so the hostname is the setting to fix.
 */
export class NotAedError extends Error {
  override name = 'NotAedError'
  constructor(
    message: string,
    readonly answer: RemoteError,
  ) {
    super(message, { cause: answer })
  }
}

/**
 * AED's refusal of a token: `{"errors": [{"code": ...}]}` [I: docs/assumptions.md A-AED-401].
 * A 401 without it came from another server.
 */
function isAedRefusal(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown }
    return (
      Array.isArray(parsed.errors) &&
      parsed.errors.some(
        (e) =>
          typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string',
      )
    )
  } catch {
    return false
  }
}
