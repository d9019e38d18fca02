/**
 * `GET /api/v1/alerts/threats` arguments (docs/aed-api.md, "EDM alerts API"): `size`, `skip`,
 * `sort`, `start`/`end`, `q` (a small subset of Lucene) and dynamic field filters, read into one
 * query, or an EdmError naming the argument.
 */
import type { ThreatRecord } from './records.js'
import { isoSeconds } from './records.js'

export class EdmError extends Error {
  constructor(
    readonly status: number,
    /** The argument (or `auth`) at fault: the key of EDM's `errors` object. */
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

/** Arguments that are not field filters. */
const RESERVED = new Set(['size', 'skip', 'sort', 'start', 'end', 'q', 'descriptions'])
/** Documented, not served: asked for, they are refused rather than ignored ([SIM] SIM-EDM-04). */
const UNSUPPORTED = new Set(['aggregate', 'agg_type'])

export interface Clause {
  path: string
  negated: boolean
  /** Lower-cased; `*` matches any run of characters. */
  pattern: RegExp
}

export interface ThreatQuery {
  size: number
  skip: number
  sort: { path: string; direction: 1 | -1 }[]
  /** Inclusive bounds as `isoSeconds` texts. */
  start: string
  end: string
  clauses: Clause[]
  descriptions: boolean
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/

function patternOf(value: string): RegExp {
  const escaped = value
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${escaped}$`, 's')
}

/**
 * [SIM] SIM-EDM-03: the `q` subset: clauses joined by `and` (any case); each `field:value` or
 * `-field:value` (also `NOT field:value`); a value is a word or a "quoted string", `*` a
 * wildcard; matching is whole-value and case-insensitive. `or`, parentheses, ranges, boosts and
 * bare words are refused with a 400 naming `q`.
 */
export function parseLucene(q: string): Clause[] {
  const clauses: Clause[] = []
  const re = /\s*(?:(NOT)\s+|(-))?([^\s:"()]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*/iy
  let pos = 0
  let expectClause = true
  while (pos < q.length) {
    if (!expectClause) {
      const and = /\s*and\s+/iy
      and.lastIndex = pos
      if (and.exec(q) === null) {
        throw new EdmError(
          400,
          'q',
          `Unsupported query at character ${String(pos)}: only "field:value" clauses joined by "and" are understood.`,
        )
      }
      pos = and.lastIndex
      expectClause = true
      continue
    }
    re.lastIndex = pos
    const m = re.exec(q)
    const path = m?.[3]
    if (m === null || path === undefined || !PATH.test(path)) {
      throw new EdmError(
        400,
        'q',
        `Unsupported query at character ${String(pos)}: expected field:value.`,
      )
    }
    const quoted = m[4]
    const value = quoted === undefined ? (m[5] ?? '') : quoted.replace(/\\(.)/g, '$1')
    if (quoted === undefined && /^(\[|\{)/.test(value))
      throw new EdmError(400, 'q', 'Range queries are not supported.')
    clauses.push({
      path,
      negated: m[1] !== undefined || m[2] !== undefined,
      pattern: patternOf(value),
    })
    pos = re.lastIndex
    expectClause = false
  }
  if (clauses.length === 0 || expectClause)
    throw new EdmError(400, 'q', 'Empty or unfinished query.')
  return clauses
}

/** `start`/`end`: ISO-8601 with a zone (or a bare date, UTC) or epoch seconds. */
function timeOf(name: string, text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000
  const iso =
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text) &&
    Date.parse(/T/.test(text) ? text : `${text}T00:00:00Z`)
  if (iso === false || Number.isNaN(iso))
    throw new EdmError(
      400,
      name,
      `"${name}" must be ISO-8601 with a time zone or epoch seconds, got "${text}".`,
    )
  return iso
}

function intOf(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw new EdmError(
      400,
      name,
      `"${name}" must be an integer from 0 to ${String(max)}, got "${text}".`,
    )
  return Number(text)
}

export interface QueryLimits {
  /** [SIM] SIM-EDM-02: `skip + size` at most this (Elasticsearch's `max_result_window`). */
  maxWindow: number
  /** `size` when not given. */
  defaultSize: number
}

export function parseThreatQuery(
  args: Record<string, string[]>,
  nowMs: number,
  limits: QueryLimits,
): ThreatQuery {
  const one = (name: string): string | undefined => {
    const values = args[name]
    if (values === undefined || values.length === 0) return undefined
    if (values.length > 1) throw new EdmError(400, name, `"${name}" was given more than once.`)
    return values[0]
  }
  for (const name of Object.keys(args)) {
    if (UNSUPPORTED.has(name))
      throw new EdmError(400, name, `"${name}" is not supported by this EDM stand-in.`)
  }
  const size = intOf('size', one('size'), limits.defaultSize, limits.maxWindow)
  const skip = intOf('skip', one('skip'), 0, limits.maxWindow)
  if (skip + size > limits.maxWindow) {
    throw new EdmError(
      400,
      'skip',
      `Result window is too large: skip + size must be at most ${String(limits.maxWindow)}; narrow start/end instead.`,
    )
  }
  const endMs = one('end') === undefined ? nowMs : timeOf('end', one('end') ?? '')
  const startMs =
    one('start') === undefined ? endMs - 24 * 3600 * 1000 : timeOf('start', one('start') ?? '')
  if (startMs > endMs) throw new EdmError(400, 'start', '"start" is after "end".')

  const sort = (one('sort') ?? '-time').split(',').map((part) => {
    const text = part.trim()
    const direction: 1 | -1 = text.startsWith('-') ? -1 : 1
    const path = text.replace(/^[-+]/, '')
    if (!PATH.test(path)) throw new EdmError(400, 'sort', `Cannot sort on "${text}".`)
    return { path, direction }
  })

  const q = one('q')
  let clauses: Clause[]
  if (q !== undefined && q.trim() !== '') {
    // When `q` is given the dynamic filters are ignored (docs/aed-api.md, "EDM alerts API").
    clauses = parseLucene(q)
  } else {
    clauses = []
    for (const [name, values] of Object.entries(args)) {
      if (RESERVED.has(name)) continue
      if (!PATH.test(name)) throw new EdmError(400, name, `"${name}" is not a field name.`)
      for (const value of values)
        clauses.push({ path: name, negated: false, pattern: patternOf(value) })
    }
  }
  const descriptionsText = (one('descriptions') ?? 'true').toLowerCase()
  if (!['true', 'false', '1', '0'].includes(descriptionsText))
    throw new EdmError(400, 'descriptions', '"descriptions" must be true or false.')
  return {
    size,
    skip,
    sort,
    start: isoSeconds(startMs),
    end: isoSeconds(endMs),
    clauses,
    descriptions: descriptionsText === 'true' || descriptionsText === '1',
  }
}

/** The values at a dotted path; arrays give each element. */
export function valuesAt(record: ThreatRecord, path: string): unknown[] {
  let current: unknown[] = [record]
  for (const key of path.split('.')) {
    const next: unknown[] = []
    for (const value of current) {
      if (value === null || typeof value !== 'object') continue
      const child = (value as Record<string, unknown>)[key]
      if (Array.isArray(child)) next.push(...(child as unknown[]))
      else if (child !== undefined) next.push(child)
    }
    current = next
  }
  return current
}

export function matches(record: ThreatRecord, clauses: readonly Clause[]): boolean {
  return clauses.every((c) => {
    const hit = valuesAt(record, c.path).some(
      (v) => typeof v !== 'object' && c.pattern.test(scalar(v).toLowerCase()),
    )
    return hit !== c.negated
  })
}

/** A field value as text: scalars as themselves, anything else as JSON. */
function scalar(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

function compare(a: unknown, b: unknown): number {
  // Missing values last whatever the direction, as Elasticsearch's default `missing: _last`.
  if (a === undefined) return b === undefined ? 0 : 1
  if (b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const sa = scalar(a)
  const sb = scalar(b)
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

/** Sorted by the query's keys, then by `_id`: the same query gives the same order every time. */
export function sortRecords(records: ThreatRecord[], sort: ThreatQuery['sort']): ThreatRecord[] {
  const keyed = records.map((r) => ({ r, keys: sort.map((s) => valuesAt(r, s.path)[0]) }))
  keyed.sort((x, y) => {
    for (let i = 0; i < sort.length; i++) {
      const ka = x.keys[i]
      const kb = y.keys[i]
      const c = compare(ka, kb)
      if (c !== 0) return ka === undefined || kb === undefined ? c : c * (sort[i]?.direction ?? 1)
    }
    return x.r._id < y.r._id ? -1 : x.r._id > y.r._id ? 1 : 0
  })
  return keyed.map((k) => k.r)
}
