/** Parses a response body with a zod schema; failures become `RemoteError` kind 'parse'. */
import type { z } from 'zod'
import { RemoteError } from './errors.js'
import type { HttpResponse } from './client.js'
import type { RemoteSystem } from './errors.js'

export function parseJsonBody<S extends z.ZodType>(
  system: RemoteSystem,
  response: HttpResponse,
  schema: S,
  what: string,
): z.output<S> {
  const fail = (detail: string, cause?: unknown) => parseError(system, response, detail, cause)
  let data: unknown
  try {
    data = JSON.parse(response.body)
  } catch (error) {
    throw fail(`${what} is not JSON (${(error as Error).message})`, error)
  }
  const result = schema.safeParse(data)
  if (result.success) return result.data
  const issues = result.error.issues
    .slice(0, 3)
    .map(
      (issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`,
    )
    .join('; ')
  throw fail(`${what} does not match the expected shape: ${issues}`, result.error)
}

/** An answer that arrived but cannot be used (wrong shape, media type, paging headers). */
export function parseError(
  system: RemoteSystem,
  response: HttpResponse,
  detail: string,
  cause?: unknown,
): RemoteError {
  return new RemoteError({
    system,
    kind: 'parse',
    method: response.method,
    url: response.url,
    status: response.status,
    detail,
    retryable: false,
    cause,
  })
}
