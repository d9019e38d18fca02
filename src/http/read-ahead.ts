/**
 * A request started before its result is needed (the next page while this one is converted). If it
 * fails, the failure surfaces where the promise is awaited, not as an unhandled rejection that
 * would end the process while the consumer is still busy.
 */
export function readAhead<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}
