/** Waiting on a status resource, and turning it into counts and per-object outcomes. */
import { abortReasonOr } from '../http/abort.js'
import type { ObjectRef } from './batches.js'
import type { Status } from './schemas.js'

export interface PollOptions {
  /** First wait before polling a pending status. */
  intervalMs: number
  /** Each wait is 1.5 times the last, up to this. */
  maxIntervalMs: number
  /** Give up (and report what is still pending) after this long. */
  timeoutMs: number
}

export const DEFAULT_POLL: PollOptions = {
  intervalMs: 1000,
  maxIntervalMs: 10_000,
  timeoutMs: 300_000,
}

export interface PollDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  now: () => number
}

/**
 * Polls until the status is `complete` or the timeout passes; returns the last status seen. An
 * abort of `signal` (the run's deadline or a signal) ends the wait with its reason.
 */
export async function waitForStatus(
  first: Status,
  fetchStatus: () => Promise<Status>,
  options: PollOptions,
  deps: PollDeps,
  signal?: AbortSignal,
): Promise<Status> {
  let status = first
  const started = deps.now()
  let interval = options.intervalMs
  while (status.status !== 'complete') {
    signal?.throwIfAborted()
    const left = options.timeoutMs - (deps.now() - started)
    if (left <= 0) break
    try {
      await deps.sleep(Math.min(interval, left), signal)
    } catch (interrupted) {
      throw abortReasonOr(signal, interrupted)
    }
    status = await fetchStatus()
    interval = Math.min(interval * 1.5, options.maxIntervalMs)
  }
  return status
}

export interface ObjectFailure extends ObjectRef {
  message: string
}

export interface AddResult {
  /** Objects offered, including those too large to send. */
  total: number
  success: number
  failure: number
  /** Still pending when polling gave up. */
  pending: number
  failures: ObjectFailure[]
  pendings: ObjectRef[]
}

export function emptyResult(): AddResult {
  return { total: 0, success: 0, failure: 0, pending: 0, failures: [], pendings: [] }
}

/** How many failures and pendings a merged result lists; its counts stay exact. */
export const MAX_LISTED = 1000

/**
 * Adds a part to a running total. The lists stop growing at MAX_LISTED so that a re-export of
 * a million objects AED already holds (each one a "failure") does not hold them all in memory;
 * callers that need every entry take them per request (AddOptions.onRequest).
 */
export function mergeResult(into: AddResult, part: AddResult): void {
  into.total += part.total
  into.success += part.success
  into.failure += part.failure
  into.pending += part.pending
  into.failures.push(...part.failures.slice(0, MAX_LISTED - into.failures.length))
  into.pendings.push(...part.pendings.slice(0, MAX_LISTED - into.pendings.length))
}

const asRef = (entry: string | ObjectRef): ObjectRef =>
  typeof entry === 'string' ? { id: entry } : entry

/**
 * One request's outcome from its final status. Counts come from the status; when the server
 * counts failures it does not list, they are reported without an id rather than dropped.
 */
export function resultOf(status: Status, sent: number): AddResult {
  const failures: ObjectFailure[] = (status.failures ?? []).map((f) => ({
    ...asRef(f.version === undefined ? f.id : { id: f.id, version: f.version }),
    message: f.message ?? 'rejected by the server (no message given)',
  }))
  const unlisted = status.failure_count - failures.length
  if (unlisted > 0) {
    failures.push({
      id: '(unlisted)',
      message: `the server counted ${String(unlisted)} more failure(s) in status ${status.id} without listing them`,
    })
  }
  // Objects the status does not account for at all were not stored as far as we can tell.
  const unaccounted = Math.max(0, sent - status.total_count)
  if (unaccounted > 0) {
    failures.push({
      id: '(unaccounted)',
      message: `status ${status.id} accounts for ${String(status.total_count)} of the ${String(sent)} objects sent`,
    })
  }
  const pending = status.status === 'complete' ? 0 : status.pending_count
  return {
    total: sent,
    success: status.success_count,
    failure: status.failure_count + unaccounted,
    pending,
    failures,
    pendings: pending === 0 ? [] : (status.pendings ?? []).map(asRef),
  }
}
