/** Abort signals shared by the HTTP layer and its callers (the run's signal, a reader's own stop). */

/** One signal that aborts when either does; AbortSignal.any() only when there really are two. */
export function eitherSignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return AbortSignal.any([a, b])
}

/**
 * What to throw for `error`: once `signal` has aborted, its reason, whatever the layer below made
 * of the abort (undici's AbortError, timers' AbortError), so a stopped run is reported as stopped.
 */
export function abortReasonOr(signal: AbortSignal | undefined, error: unknown): unknown {
  return signal?.aborted === true ? signal.reason : error
}
