/**
 * The HTTP layer every remote client uses: undici's dispatcher.request() (half the CPU of its fetch
 * on megabyte pages) on a per-system dispatcher, a timeout per attempt, an auth hook, same-origin
 * redirects (redirects.ts), compressed answers (content-coding.ts), retries (retry.ts) and one
 * error type (errors.ts).
 */
import type { Dispatcher } from 'undici'
import { eitherSignal } from './abort.js'
import { ACCEPT_ENCODING, BodyTooLargeError, bodyBytes, utf8Text } from './content-coding.js'
import { createDispatcher, type TlsOptions } from './dispatcher.js'
import {
  ADDRESS_SETTING,
  extractServerMessage,
  RemoteError,
  redactUrl,
  type RemoteSystem,
} from './errors.js'
import { silentLogger, type Logger } from '../log/logger.js'
import { originOf, sameOrigin } from './origin.js'
import { redirectStep, type Hop } from './redirects.js'
import { responseHeaders, type ResponseHeaders } from './response-headers.js'
import {
  DEFAULT_RETRY,
  realRetryDeps,
  withRetry,
  type RetryDeps,
  type RetryOptions,
} from './retry.js'

/** Credentials as headers; `refresh` (optional) is called once after a 401, then the request is retried. */
export interface AuthHook {
  headers(): Record<string, string> | Promise<Record<string, string>>
  refresh?(): Promise<void>
}

/** Statuses retried by default (with network errors and timeouts). */
const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504]

/** Never retried, whatever the configuration says: the same request would fail the same way. */
const NEVER_RETRY: ReadonlySet<number> = new Set([400, 401, 403, 404, 409, 410, 413, 415, 422])

export interface HttpClientOptions {
  system: RemoteSystem
  /**
   * Paths starting with `/` are appended to it; absolute URLs are used as they are, on its origin
   * only (origin.ts) unless a request allows another.
   */
  baseUrl: string
  tls?: TlsOptions
  proxy?: string
  env?: Readonly<Record<string, string | undefined>>
  /** Per attempt, from sending the request to the end of the body (default 30 s). */
  timeoutMs?: number
  /** Most bytes of one answer, on the wire and again decoded (default 64 MiB). */
  maxResponseBytes?: number
  retry?: Partial<RetryOptions>
  retryStatuses?: readonly number[]
  logger?: Logger
  /** Injected dispatcher (e.g. undici MockAgent); `close()` leaves it open, its owner closes it. */
  dispatcher?: Dispatcher
  auth?: AuthHook
  /** Test seams for the retry layer's clock, sleep and jitter. */
  retryDeps?: Partial<Omit<RetryDeps, 'logger'>>
  /**
   * The run's abort (src/cli/run-signal.ts), on every request besides the request's own: aborts
   * what is in flight and the back-off sleeps, and is thrown as its reason, never retried.
   */
  signal?: AbortSignal
}

export interface HttpRequest {
  method?: string
  path: string
  query?: Record<string, string | number | undefined>
  headers?: Record<string, string>
  body?: string
  /** The body as UTF-8 bytes instead (a TAXII body of megabytes, made as bytes). */
  bytes?: Buffer
  /** Statuses returned instead of thrown (default: 200–299). */
  okStatuses?: readonly number[]
  /**
   * An absolute `path` on another origin than the base URL's is refused unless this is true: only
   * for a URL the operator configured, never for one a server handed us.
   */
  allowOtherOrigin?: boolean
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: ResponseHeaders
  /** Redacted request URL, for messages. */
  url: string
  method: string
  body: string
}

export interface HttpClient {
  readonly system: RemoteSystem
  readonly baseUrl: string
  request(request: HttpRequest): Promise<HttpResponse>
  /** Closes the keep-alive pool. */
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 30_000

/**
 * The largest legitimate page measured is ~1 MB (docs/reliability.md, "Hostile input"): 64 MiB
 * leaves room for fatter records while a hostile answer still cannot exhaust memory.
 */
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/** `64 MiB`, or bytes when the limit is no whole number of MiB. */
function sizeText(bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return Number.isInteger(mib) ? `${String(mib)} MiB` : `${String(bytes)} bytes`
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const ownDispatcher = options.dispatcher === undefined
  const dispatcher =
    options.dispatcher ??
    createDispatcher({ tls: options.tls, proxy: options.proxy, env: options.env })
  const logger = options.logger ?? silentLogger
  const retry = { ...DEFAULT_RETRY, ...options.retry }
  const deps: RetryDeps = { ...realRetryDeps, ...options.retryDeps, logger }
  const retryStatuses = new Set(
    (options.retryStatuses ?? DEFAULT_RETRY_STATUSES).filter((s) => !NEVER_RETRY.has(s)),
  )
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const limits = { wireBytes: maxBytes, decodedBytes: maxBytes }
  const { system } = options
  const { baseUrl, auth } = credentialsFromUrl(options.baseUrl, options.auth)

  /** One request and its redirects, on `signal`; the body is always read to its end or destroyed. */
  async function exchange(first: Hop, signal: AbortSignal) {
    let hop = first
    for (let redirects = 0; ; redirects++) {
      const url = new URL(hop.url)
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: hop.method,
        headers: hop.headers,
        body: hop.body ?? null,
        signal,
      })
      const status = response.statusCode
      const headers = responseHeaders(response.headers)
      const step = redirectStep(status, headers.get('location'), hop, redirects)
      if (step.kind === 'none') {
        let body: Buffer
        try {
          body = await bodyBytes(
            response.body,
            headers.get('content-encoding'),
            limits,
            headers.get('content-length'),
          )
        } catch (error) {
          if (!(error instanceof BodyTooLargeError)) throw error
          // Not retried: the same request would bring the same answer.
          throw new RemoteError({
            system,
            kind: 'too-large',
            method: hop.method,
            url: hop.url,
            status,
            retryable: false,
            cause: error,
            detail: `the answer is larger than ${sizeText(error.limit)} ${error.which === 'wire' ? 'on the wire' : 'decoded'}, the response size limit: not read further (raise limits.response_mib in the config file if the server is trusted)`,
          })
        }
        return { status, headers, body }
      }
      await response.body.dump()
      if (step.kind === 'refuse') {
        throw new RemoteError({
          system,
          kind: 'http',
          method: first.method,
          url: first.url,
          status,
          detail: step.reason,
          retryable: false,
        })
      }
      logger.debug({ system, status, url: redactUrl(step.hop.url) }, 'following a redirect')
      hop = step.hop
    }
  }

  async function attempt(
    request: HttpRequest,
    url: string,
    attemptNumber: number,
    signal: AbortSignal | undefined,
  ) {
    const method = request.method ?? 'GET'
    const headers: Record<string, string> = {
      'user-agent': 'tq-conn-netscout-aed',
      'accept-encoding': ACCEPT_ENCODING,
      ...request.headers,
      ...(await auth?.headers()),
    }
    const started = deps.now()
    let answer
    const deadline = attemptSignal(timeoutMs, signal)
    try {
      answer = await exchange(
        { url, method, headers, body: request.bytes ?? request.body },
        deadline.signal,
      )
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason
      if (error instanceof RemoteError) throw error
      const timedOut = deadline.timedOut()
      throw new RemoteError({
        system,
        kind: timedOut ? 'timeout' : 'network',
        method,
        url,
        // A certificate the client refuses will be refused again: no retry.
        retryable: !isTlsVerificationError(error),
        cause: error,
        ...(timedOut
          ? {
              detail: `no complete answer within ${String(timeoutMs / 1000)} s (timeouts.http_request_seconds in the config file)`,
            }
          : {}),
      })
    } finally {
      deadline.done()
    }
    const { status } = answer
    logger.debug(
      {
        system,
        method,
        url: redactUrl(url),
        attempt: attemptNumber,
        status,
        ms: deps.now() - started,
      },
      'http request',
    )
    const okStatuses = request.okStatuses
    if (okStatuses === undefined ? status >= 200 && status < 300 : okStatuses.includes(status)) {
      // A success is acted on; an error status a caller asked for (a refused list add) is quoted.
      const body =
        status >= 200 && status < 300
          ? answerText(answer.body, answer.headers.get('content-type'), ADDRESS_SETTING[system])
          : (utf8Text(answer.body, 'lenient') ?? '')
      if (typeof body === 'string')
        return { status, headers: answer.headers, url: redactUrl(url), method, body }
      // Not retried: the same request would bring the same page.
      throw new RemoteError({
        system,
        kind: 'parse',
        method,
        url,
        status,
        detail: body.refused,
        retryable: false,
      })
    }
    // An error body is only quoted: bad bytes there cost nothing but a U+FFFD in the message.
    const body = utf8Text(answer.body, 'lenient') ?? ''
    const retryAfter = answer.headers.get('retry-after')
    throw new RemoteError({
      system,
      kind: 'http',
      method,
      url,
      status,
      serverMessage: extractServerMessage(body),
      retryable: retryStatuses.has(status),
      ...(retryAfter === null ? {} : { retryAfter }),
    })
  }

  return {
    system,
    baseUrl,
    async request(request) {
      const url = resolveUrl(baseUrl, request.path, request.query)
      if (request.allowOtherOrigin !== true && !sameOrigin(url, baseUrl)) {
        const configured = originOf(baseUrl) ?? baseUrl
        // Refused before any retry: the same URL would be refused again.
        throw new RemoteError({
          system,
          kind: 'origin',
          method: request.method ?? 'GET',
          url,
          retryable: false,
          detail: `${originOf(url) ?? 'it'} is another origin than the configured ${configured} (${ADDRESS_SETTING[system]}): not requested, so that credentials for ${configured} are not sent there`,
        })
      }
      const signal = eitherSignal(options.signal, request.signal)
      let refreshed = false
      return withRetry(
        async (n) => {
          try {
            return await attempt(request, url, n, signal)
          } catch (error) {
            if (
              !(error instanceof RemoteError) ||
              error.status !== 401 ||
              auth?.refresh === undefined ||
              refreshed
            ) {
              throw error
            }
            refreshed = true
            logger.debug({ system, url: redactUrl(url) }, 'HTTP 401: refreshing credentials once')
            await auth.refresh()
            return attempt(request, url, n, signal)
          }
        },
        retry,
        deps,
        signal,
      )
    },
    async close() {
      if (ownDispatcher) await dispatcher.close()
    },
  }
}

/**
 * The text of an answer we act on, or why it is refused: an HTML page (none of the three APIs
 * answers one: it is a proxy's or a single sign-on portal's login page, or another server), or
 * bytes that are not UTF-8 (read with U+FFFD, a value would be exported or removed as another).
 */
function answerText(
  bytes: Buffer,
  contentType: string | null,
  addressSetting: string,
): string | { refused: string } {
  if (
    contentType !== null &&
    /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i.test(contentType)
  )
    return {
      refused: `the answer is an HTML page (Content-Type ${contentType.split(';')[0]?.trim() ?? contentType}), not the API's JSON: a proxy or single sign-on portal's login page in the way, or the wrong host name (${addressSetting}); check the address, and that this host reaches the API without a login`,
    }
  const text = utf8Text(bytes, 'strict')
  if (text !== undefined) return text
  return {
    refused:
      'the answer is not valid UTF-8: refused rather than read with replacement characters, which would turn values into other values',
  }
}

/**
 * The abort signal of one attempt: the caller's abort, or the timeout, which runs to the end of the
 * body. A timer and a listener rather than AbortSignal.any(), which costs more per request.
 */
function attemptSignal(timeoutMs: number, caller: AbortSignal | undefined) {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DOMException('no complete answer in time', 'TimeoutError'))
  }, timeoutMs)
  const onAbort = () => {
    controller.abort(caller?.reason)
  }
  if (caller?.aborted === true) onAbort()
  else caller?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer)
      caller?.removeEventListener('abort', onAbort)
    },
  }
}

const TLS_VERIFICATION = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/

/** The TLS error (code UNABLE_TO_VERIFY_LEAF_SIGNATURE …), possibly wrapped in a cause chain. */
function isTlsVerificationError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && TLS_VERIFICATION.test(code)) return true
  }
  return false
}

function resolveUrl(
  baseUrl: string,
  path: string,
  query?: Record<string, string | number | undefined>,
): string {
  const url = new URL(/^https?:\/\//i.test(path) ? path : baseUrl.replace(/\/+$/, '') + path)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, String(value))
  }
  return url.toString()
}

/**
 * User info in the base URL (`https://user:pass@host/`) becomes HTTP Basic auth (as curl does)
 * unless an auth hook is given, and is never sent in the URL.
 */
function credentialsFromUrl(
  raw: string,
  hook: AuthHook | undefined,
): { baseUrl: string; auth: AuthHook | undefined } {
  const url = new URL(raw)
  if (url.username === '' && url.password === '') return { baseUrl: raw, auth: hook }
  const user = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  return { baseUrl: url.toString(), auth: hook ?? basicAuth(user, password) }
}

export function basicAuth(user: string, password: string): AuthHook {
  const value = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
  return { headers: () => ({ authorization: value }) }
}
