/**
 * The list conventions every AED list route shares (docs/aed-api.md, "Lists, paging and filters"):
 * field filters with comma lists, `q` search, `sort`/`direction`, `page`/`perPage` (default 10, 0 =
 * all) and `select`.
 */
import type { Context } from 'hono'
import { aedJsonResponse, badField, scalarText, toCsv } from './json.js'
import type { Params } from './params.js'

export type Item = Record<string, unknown>

/** AED's documented default page size (docs/aed-api.md, "Lists, paging and filters"). */
export const DEFAULT_PER_PAGE = 10

export interface ListSpec {
  /** Field used when no `sort` is given. */
  defaultSort: string
  /** Parameters that filter on the item field of the same name (any of the comma values). */
  filters: readonly string[]
  /** Comparator override for a field (e.g. hosts: IPv4 before IPv6). */
  comparators?: Readonly<Record<string, (a: unknown, b: unknown) => number>>
}

/** [SIM] `q` terms are split on `+` and whitespace (a raw `+` arrives as a space). */
export function queryTerms(params: Params): string[] {
  const q = params.string('q')
  if (q === undefined) return []
  return q
    .split(/[+\s]+/)
    .map((t) => t.toLowerCase())
    .filter((t) => t !== '')
}

function scalarTexts(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return
  if (Array.isArray(value)) for (const v of value) scalarTexts(v, out)
  else if (typeof value !== 'object') out.push(scalarText(value).toLowerCase())
}

/** [SIM] An item matches `q` when any term is a substring of any of its field values. */
export function matchesTerms(item: Item, terms: readonly string[]): boolean {
  if (terms.length === 0) return true
  const texts: string[] = []
  for (const value of Object.values(item)) scalarTexts(value, texts)
  return terms.some((term) => texts.some((text) => text.includes(term)))
}

function fieldMatches(value: unknown, wanted: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => wanted.has(scalarText(v)))
  return value !== null && value !== undefined && wanted.has(scalarText(value))
}

export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0
  if (a === null || a === undefined) return -1
  if (b === null || b === undefined) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const sa = scalarText(a)
  const sb = scalarText(b)
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

export function sortDirection(params: Params): 1 | -1 {
  const direction = params.string('direction')
  if (direction === undefined) return 1
  const upper = direction.toUpperCase()
  if (upper === 'ASC') return 1
  if (upper === 'DESC') return -1
  throw badField('direction', `"direction" must be ASC or DESC, got "${direction}".`)
}

export interface Page {
  page: number
  perPage: number
}

export function pageOf(params: Params): Page {
  return {
    page: params.int('page', 1) ?? 1,
    perPage: params.int('perPage', 0) ?? DEFAULT_PER_PAGE,
  }
}

export function slicePage<T>(items: readonly T[], { page, perPage }: Page): T[] {
  if (perPage === 0) return items.slice()
  const start = (page - 1) * perPage
  return items.slice(start, start + perPage)
}

/** `select`: a comma list of the fields to keep. */
export function project(items: readonly Item[], params: Params): Item[] {
  const fields = params.list('select')
  if (fields.length === 0) return items as Item[]
  return items.map((item) => {
    const out: Item = {}
    for (const f of fields) if (f in item) out[f] = item[f]
    return out
  })
}

/** Filter, search, sort and page a rendered list. */
export function applyListQuery(items: readonly Item[], params: Params, spec: ListSpec): Item[] {
  const filters = spec.filters
    // [SIM] SIM-AED-53: FortiSOAR sends `updateTime=0` on every list read and gets the whole list.
    .filter((f) => params.has(f) && !(f === 'updateTime' && params.string(f) === '0'))
    .map((f) => [f, new Set(params.list(f))] as const)
  const terms = queryTerms(params)
  let out = items.filter(
    (item) =>
      filters.every(([field, wanted]) => fieldMatches(item[field], wanted)) &&
      matchesTerms(item, terms),
  )
  const sortKey = params.string('sort') ?? spec.defaultSort
  const direction = sortDirection(params)
  const compare = spec.comparators?.[sortKey] ?? compareValues
  out = out.sort((a, b) => direction * compare(a[sortKey], b[sortKey]))
  return project(slicePage(out, pageOf(params)), params)
}

export function wantsCsv(c: Context): boolean {
  return (c.req.header('accept') ?? '').toLowerCase().includes('text/csv')
}

/**
 * `{"<key>": [...]}` (the only key: docs/aed-api.md, "Lists, paging and filters") or CSV when asked
 * for.
 */
export function listResponse(
  c: Context,
  key: string,
  items: readonly Item[],
  presorted = false,
): Response {
  if (wantsCsv(c)) {
    return new Response(toCsv(items), { headers: { 'content-type': 'text/csv; charset=utf-8' } })
  }
  return aedJsonResponse({ [key]: items }, 200, presorted)
}
