/**
 * AED's wire conventions (docs/aed-api.md, "Requests and responses", "Status codes and errors"):
 * Flask-style JSON with sorted keys and a 2-space indent, the `{"errors": [...], "message": ...}`
 * envelope, and `Accept: text/csv` on lists.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const sorted: Record<string, unknown> = {}
  for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k]
  return sorted
}

/** Keys sorted, 2-space indent, trailing newline: what Flask's old `jsonify` writes. */
export function aedJsonText(value: unknown, presorted = false): string {
  // Objects built with their keys in order (alerts) skip the sorting replacer: listing speed.
  const text = presorted ? JSON.stringify(value, null, 2) : JSON.stringify(value, sortKeys, 2)
  return `${text}\n`
}

export function aedJsonResponse(value: unknown, status = 200, presorted = false): Response {
  return new Response(aedJsonText(value, presorted), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

/** A typed AED error; the app turns it into the errors envelope. */
export class AedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Envelope summaries per status, Werkzeug-style (docs/aed-api.md, "Status codes and errors"). */
const SUMMARY: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Resource Not Found',
  405: 'Method Not Allowed',
  422: 'Unprocessable Entity',
  500: 'An exception has occured',
}

export function aedErrorResponse(error: AedError): Response {
  const detail: Record<string, string> = { code: error.code, message: error.message }
  if (error.field !== undefined) detail.field = error.field
  return aedJsonResponse(
    { errors: [detail], message: SUMMARY[error.status] ?? 'Error' },
    error.status,
  )
}

export const notFound = (field: string): AedError =>
  new AedError(404, 'notFound', `The resource "${field}" could not be found.`, field)

export const badField = (field: string, message: string): AedError =>
  new AedError(400, 'invalidField', message, field)

function csvCell(value: unknown): string {
  const text = Array.isArray(value) ? value.map(scalarText).join(',') : scalarText(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** [SIM] CSV layout: a header of the sorted field names, then one row per item. */
export function toCsv(items: readonly Record<string, unknown>[]): string {
  const fields = [...new Set(items.flatMap((i) => Object.keys(i)))].sort()
  const lines = [fields.join(',')]
  for (const item of items) lines.push(fields.map((f) => csvCell(item[f])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** Text of a field value for searching, filtering and CSV (objects as JSON). */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  return JSON.stringify(value)
}
