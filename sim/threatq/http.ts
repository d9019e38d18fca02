/** Request helpers shared by the route modules: JSON bodies, ids, paging, envelopes. */
import type { Context } from 'hono'
import { ApiError, notFound, validationError } from './errors.js'

/** [SIM] Page size when a request gives no `limit` (the real default is unknown). */
export const DEFAULT_LIMIT = 500
/** [SIM] Largest page served; larger limits are clamped. */
export const MAX_LIMIT = 10_000

/** Headers of a JSON body written as text or bytes. */
export const JSON_TYPE = { 'content-type': 'application/json' }

export async function readJson(c: Context): Promise<unknown> {
  const raw = await c.req.text()
  if (raw.trim() === '') return {}
  try {
    return JSON.parse(raw) as unknown
  } catch (cause) {
    throw new ApiError(400, { errors: ['The request body is not valid JSON.'] }, { cause })
  }
}

export function idParam(c: Context, name = 'id'): number {
  const raw = c.req.param(name) ?? ''
  if (!/^\d+$/.test(raw)) throw notFound()
  return Number(raw)
}

function intQuery(c: Context, name: string, fallback: number): number {
  const raw = c.req.query(name)
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw validationError(name, `The ${name} must be an integer.`)
  return Number(raw)
}

export interface Paging {
  limit: number
  offset: number
}

export function paging(c: Context): Paging {
  return {
    limit: Math.min(Math.max(intQuery(c, 'limit', DEFAULT_LIMIT), 0), MAX_LIMIT),
    offset: intQuery(c, 'offset', 0),
  }
}

export function listEnvelope(total: number, data: unknown[], p: Paging): Record<string, unknown> {
  return { total, data, limit: p.limit, offset: p.offset }
}

/** Pages an in-memory list with `limit`/`offset` into the list envelope. */
export function pagedList<T>(
  c: Context,
  items: readonly T[],
  map: (item: T) => unknown,
): Record<string, unknown> {
  const p = paging(c)
  return listEnvelope(items.length, items.slice(p.offset, p.offset + p.limit).map(map), p)
}

/** `is_active` arrives as a boolean, 0/1, or strings like "", "False", "true" (SDK normalises). */
export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return !['', '0', 'false', 'n', 'no', 'off'].includes(v.toLowerCase())
  return Boolean(v)
}
