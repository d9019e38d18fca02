/**
 * Retry as a layer of its own (Octokit's plugin-retry, ky's timing): exponential backoff with full
 * jitter, `Retry-After` honoured, bounded in attempts and in total time, abortable.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { abortReasonOr } from './abort.js'
import { RemoteError } from './errors.js'
import { silentLogger, type Logger } from '../log/logger.js'

export interface RetryOptions {
  /** Attempts in all, the first one included (1 = never retry). */
  maxAttempts: number
  /** Backoff ceiling of the first retry; doubled for each later one. */
  baseDelayMs: number
  /** Ceiling of one backoff delay. */
  maxDelayMs: number
  /** Ceiling of a delay asked for by `Retry-After`. */
  maxRetryAfterMs: number
  /** No retry starts once this much time has passed since the first attempt (delay included). */
  maxElapsedMs: number
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  maxElapsedMs: 300_000,
}

/** Injected so tests control time and chance. */
export interface RetryDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  now: () => number
  /** In [0, 1). */
  random: () => number
  logger: Logger
}

export const realRetryDeps: RetryDeps = {
  sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal }),
  now: () => Date.now(),
  random: Math.random,
  logger: silentLogger,
}

/**
 * Runs `attempt` (given its 1-based number) until it succeeds, fails with an error that is not a
 * retryable `RemoteError`, or the attempt or time budget is spent; the last error is rethrown.
 * Once `signal` aborts, no attempt starts, the back-off sleep ends, and its reason is thrown.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions,
  deps: RetryDeps = realRetryDeps,
  signal?: AbortSignal,
): Promise<T> {
  const started = deps.now()
  for (let n = 1; ; n++) {
    signal?.throwIfAborted()
    try {
      return await attempt(n)
    } catch (failure) {
      // An abort is the run stopping, not the remote failing: never retried.
      const error = abortReasonOr(signal, failure)
      if (!(error instanceof RemoteError) || !error.retryable || n >= options.maxAttempts) {
        throw error
      }
      const waitMs = retryDelay(error, n, options, deps)
      if (deps.now() - started + waitMs > options.maxElapsedMs) throw error
      deps.logger.debug(
        {
          system: error.system,
          method: error.method,
          url: error.url,
          attempt: n,
          kind: error.kind,
          status: error.status,
          delayMs: waitMs,
        },
        `retrying after ${error.kind === 'http' ? `HTTP ${String(error.status)}` : error.kind}`,
      )
      try {
        await deps.sleep(waitMs, signal)
      } catch (interrupted) {
        throw abortReasonOr(signal, interrupted)
      }
    }
  }
}

/** The server's `Retry-After` (capped) when it gives a usable one, else full-jitter backoff. */
export function retryDelay(
  error: RemoteError,
  attemptNumber: number,
  options: RetryOptions,
  deps: Pick<RetryDeps, 'now' | 'random'>,
): number {
  const asked =
    error.retryAfter === undefined ? undefined : parseRetryAfter(error.retryAfter, deps.now())
  if (asked !== undefined) return Math.min(asked, options.maxRetryAfterMs)
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attemptNumber - 1))
  return Math.floor(deps.random() * ceiling)
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms, all in GMT.
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const RFC_850 = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i
const ASCTIME = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds or an HTTP-date (a date in the
 * past means 0). Anything else is `undefined`, so the caller falls back to its backoff.
 */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = parseHttpDate(text, nowMs)
  return at === undefined ? undefined : Math.max(0, at - nowMs)
}

type DateFields = [year: number, month: string, day: number, h: number, m: number, s: number]

function httpDateFields(text: string, nowMs: number): DateFields | undefined {
  let m = IMF_FIXDATE.exec(text)
  if (m !== null)
    return [Number(m[3]), m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])]
  m = RFC_850.exec(text)
  if (m !== null) {
    // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
    const yy = Number(m[3])
    const year = 2000 + yy > new Date(nowMs).getUTCFullYear() + 50 ? 1900 + yy : 2000 + yy
    return [year, m[2] ?? '', Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])]
  }
  m = ASCTIME.exec(text)
  if (m !== null)
    return [Number(m[6]), m[1] ?? '', Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])]
  return undefined
}

function parseHttpDate(text: string, nowMs: number): number | undefined {
  const fields = httpDateFields(text, nowMs)
  if (fields === undefined) return undefined
  const [year, monthName, day, hours, minutes, seconds] = fields
  const month = MONTHS.indexOf(monthName.toLowerCase())
  if (month < 0 || hours > 23 || minutes > 59 || seconds > 60) return undefined
  const ms = Date.UTC(year, month, day, hours, minutes, seconds)
  // Reject impossible days (31 Feb) rather than let Date roll them over.
  return new Date(ms).getUTCDate() === day ? ms : undefined
}
