/**
 * ThreatQ's two error shapes (docs/threatq-api.md, "Errors"): validation failures answer
 * `{"data":{"errors":{field:[msg]}}}`, everything else `{"errors":[msg]}`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 500,
    readonly body: unknown,
    options?: ErrorOptions,
  ) {
    super(`ThreatQ API error ${String(status)}`, options)
  }
}

export function validationError(field: string, message: string): ApiError {
  return new ApiError(400, { data: { errors: { [field]: [message] } } })
}

export function plainError(status: ApiError['status'], ...messages: string[]): ApiError {
  return new ApiError(status, { errors: messages })
}

export function notFound(): ApiError {
  return plainError(404, 'Object does not exist.')
}
