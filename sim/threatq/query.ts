/**
 * The Threat Library query language (docs/threatq-api.md, "Threat Library queries"): `criteria` and
 * `filters` share one grammar of `+and` / `+or` (and `+not`) lists over leaf clauses — `value`
 * (exact, `%` LIKE wildcards, `{is}`, `{+contains}`, lists), `mentions`, `type_name`,
 * `status_name`, `score` ranges, date ranges with `NOW`. A query compiles once into a predicate, so
 * a million objects are filtered in one pass.
 */
import { validationError } from './errors.js'
import { isObject, text, type Json } from './ingest.js'
import { effectiveScore } from './present.js'
import type { Store, TqObject } from './store.js'
import { parseTq } from './time.js'
import { tlpFromId } from './vocab.js'

export type Predicate = (obj: TqObject) => boolean

const TRUE: Predicate = () => true

/** A `%`-wildcard (SQL LIKE) or exact string matcher; case-insensitive like MySQL collations. */
export function stringMatcher(pattern: string): (s: string) => boolean {
  if (pattern.includes('%')) {
    const escaped = pattern
      .split('%')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')
    const re = new RegExp(`^${escaped}$`, 'is')
    return (s) => re.test(s)
  }
  const want = pattern.toLowerCase()
  return (s) => s.length === want.length && s.toLowerCase() === want
}

type StringTest = (s: string) => boolean

/** Leaf operand for string fields: "x", ["x","y"], {"is": x}, {"+contains": x}, {"+not": x}. */
function compileStringOperand(operand: unknown, field: string): StringTest {
  if (typeof operand === 'string' || typeof operand === 'number') {
    return stringMatcher(String(operand))
  }
  if (Array.isArray(operand)) {
    const tests = operand.map((o) => compileStringOperand(o, field))
    return (s) => tests.some((t) => t(s))
  }
  if (isObject(operand)) {
    const tests: StringTest[] = []
    for (const [op, v] of Object.entries(operand)) {
      const str = text(v) ?? ''
      switch (op) {
        case 'is':
        case '+is':
        case '+eq':
        case '+in':
          tests.push(compileStringOperand(v, field))
          break
        case '+contains':
        case 'contains':
        case '+like': {
          const needle = str.toLowerCase()
          tests.push((s) => s.toLowerCase().includes(needle))
          break
        }
        case '+not':
        case 'is not': {
          const inner = compileStringOperand(v, field)
          tests.push((s) => !inner(s))
          break
        }
        default:
          throw validationError(field, `Unknown operator "${op}".`)
      }
    }
    return (s) => tests.every((t) => t(s))
  }
  throw validationError(field, `Invalid value for "${field}".`)
}

type NumberTest = (n: number) => boolean

function compileRange(
  operand: unknown,
  field: string,
  toNumber: (v: unknown) => number,
): NumberTest {
  if (!isObject(operand)) {
    if (Array.isArray(operand)) {
      const wanted = new Set(operand.map((v) => toNumber(v)))
      return (n) => wanted.has(n)
    }
    const want = toNumber(operand)
    return (n) => n === want
  }
  const tests: NumberTest[] = []
  for (const [op, v] of Object.entries(operand)) {
    const bound = toNumber(v)
    switch (op) {
      case '+gt':
        tests.push((n) => n > bound)
        break
      case '+gte':
        tests.push((n) => n >= bound)
        break
      case '+lt':
        tests.push((n) => n < bound)
        break
      case '+lte':
        tests.push((n) => n <= bound)
        break
      case '+eq':
      case 'is':
        tests.push((n) => n === bound)
        break
      default:
        throw validationError(field, `Unknown operator "${op}".`)
    }
  }
  return (n) => tests.every((t) => t(n))
}

const DATE_FIELDS: Record<string, (o: TqObject) => number | null> = {
  created_at: (o) => o.createdAt,
  updated_at: (o) => o.updatedAt,
  touched_at: (o) => o.touchedAt,
  published_at: (o) => o.publishedAt,
  happened_at: (o) => o.happenedAt,
  last_detected_at: (o) => o.lastDetectedAt,
  expires_at: (o) => o.expiresAt,
}

function numberOf(field: string): (v: unknown) => number {
  return (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
    if (Number.isNaN(n)) throw validationError(field, `"${field}" needs a number.`)
    return n
  }
}

export class QueryCompiler {
  /** Whether a compiled clause is relative to the clock (`NOW`, `NOW-7 days`). */
  usesClock = false

  constructor(
    private readonly store: Store,
    private readonly collection: string,
  ) {}

  /** `{criteria, filters}` → one predicate (both must hold). */
  compileQuery(query: unknown): Predicate {
    if (query === undefined || query === null) return TRUE
    if (!isObject(query)) throw validationError('criteria', 'The query must be an object.')
    const criteria = this.compile(query.criteria, 'criteria')
    const filters = this.compile(query.filters, 'filters')
    return (o) => criteria(o) && filters(o)
  }

  compile(node: unknown, field: string): Predicate {
    if (node === undefined || node === null) return TRUE
    if (Array.isArray(node)) return this.all(node as unknown[], field)
    if (!isObject(node)) throw validationError(field, 'A query clause must be an object.')
    const parts: Predicate[] = []
    for (const [key, operand] of Object.entries(node)) {
      parts.push(this.clause(key, operand, field))
    }
    if (parts.length === 0) return TRUE
    if (parts.length === 1) return parts[0] ?? TRUE
    return (o) => parts.every((p) => p(o))
  }

  private all(nodes: unknown[], field: string): Predicate {
    const parts = nodes.map((n) => this.compile(n, field))
    return (o) => parts.every((p) => p(o))
  }

  private clause(key: string, operand: unknown, field: string): Predicate {
    const store = this.store
    switch (key) {
      case '+and':
        if (!Array.isArray(operand)) throw validationError(field, '"+and" takes a list.')
        return this.all(operand as unknown[], field)
      case '+or': {
        if (!Array.isArray(operand)) throw validationError(field, '"+or" takes a list.')
        const parts = (operand as unknown[]).map((n) => this.compile(n, field))
        return parts.length === 0 ? TRUE : (o) => parts.some((p) => p(o))
      }
      case '+not': {
        const inner = this.compile(operand, field)
        return (o) => !inner(o)
      }
      case 'value':
      case 'name':
      case 'title': {
        const test = compileStringOperand(operand, key)
        return (o) => test(o.identity)
      }
      case 'mentions':
      case 'keyword': {
        const needle = (text(operand) ?? '').toLowerCase()
        return (o) =>
          o.identity.toLowerCase().includes(needle) ||
          (o.description?.toLowerCase().includes(needle) ?? false) ||
          (o.attributes?.some((a) => a.value.toLowerCase().includes(needle)) ?? false) ||
          (o.comments?.some((c) => c.value.toLowerCase().includes(needle)) ?? false)
      }
      case 'type_name':
      case 'type':
        return this.vocabClause(store.types(this.collection), operand, key, (o) => o.typeId)
      case 'status_name':
      case 'status':
        return this.vocabClause(store.statuses(this.collection), operand, key, (o) => o.statusId)
      case 'id':
      case 'type_id':
      case 'status_id': {
        const test = compileRange(operand, key, numberOf(key))
        const get =
          key === 'id'
            ? (o: TqObject) => o.id
            : key === 'type_id'
              ? (o: TqObject) => o.typeId
              : (o: TqObject) => o.statusId
        return (o) => {
          const v = get(o)
          return v !== null && test(v)
        }
      }
      case 'score': {
        const test = compileRange(operand, key, numberOf(key))
        return (o) => o.collection === 'indicators' && test(effectiveScore(o))
      }
      case 'class': {
        const test = compileStringOperand(operand, key)
        return (o) => test(store.typeById(o.collection, o.typeId)?.class ?? '')
      }
      case 'source_name':
      case 'source': {
        const test = compileStringOperand(
          isObject(operand) && 'name' in operand ? operand.name : operand,
          key,
        )
        return (o) =>
          o.sources?.some((l) => test(store.sourceById(l.sourceId)?.name ?? '')) ?? false
      }
      case 'tlp':
      case 'tlp_name': {
        const test = compileStringOperand(operand, key)
        return (o) => {
          const id = store.objectTlpId(o)
          return test(id === null ? '' : (tlpFromId(id)?.name ?? ''))
        }
      }
      case 'tag':
      case 'tag_name':
      case 'tags': {
        const test = compileStringOperand(operand, key)
        return (o) => o.tags?.some((id) => test(store.tagById(id)?.name ?? '')) ?? false
      }
      case 'attribute':
      case 'attributes':
        return this.attributeClause(operand, key)
      default: {
        const date = DATE_FIELDS[key]
        if (date === undefined) throw validationError(field, `Unknown filter "${key}".`)
        const now = store.now()
        const test = compileRange(operand, key, (v) => {
          const parsed = typeof v === 'string' ? parseTq(v, now) : undefined
          if (parsed === undefined) throw validationError(key, `"${key}" needs a date or NOW.`)
          if (parsed !== parseTq(v as string, now + 1)) this.usesClock = true
          return parsed
        })
        return (o) => {
          const t = date(o)
          return t !== null && test(t)
        }
      }
    }
  }

  /** A name test over a vocabulary (types, statuses), compiled to a set of ids. */
  private vocabClause(
    vocab: readonly { id: number; name: string }[],
    operand: unknown,
    key: string,
    get: (o: TqObject) => number | null,
  ): Predicate {
    const test = compileStringOperand(operand, key)
    const ids = new Set(vocab.filter((v) => test(v.name)).map((v) => v.id))
    return (o) => {
      const id = get(o)
      return id !== null && ids.has(id)
    }
  }

  /** `{"attribute": {"name": "Label", "value": "x%"}}`. */
  private attributeClause(operand: unknown, key: string): Predicate {
    const spec: Json = isObject(operand) ? operand : { name: operand }
    const nameTest = spec.name === undefined ? undefined : compileStringOperand(spec.name, key)
    const valueTest = spec.value === undefined ? undefined : compileStringOperand(spec.value, key)
    return (o) =>
      o.attributes?.some(
        (a) =>
          (nameTest === undefined || nameTest(this.store.attributeName(a.attributeId))) &&
          (valueTest === undefined || valueTest(a.value)),
      ) ?? false
  }
}

type SortKey = (o: TqObject) => number | string

const SORT_KEYS: Record<string, SortKey> = {
  id: (o) => o.id,
  value: (o) => o.identity,
  name: (o) => o.identity,
  title: (o) => o.identity,
  score: (o) => effectiveScore(o),
  type_id: (o) => o.typeId ?? 0,
  status_id: (o) => o.statusId ?? 0,
  created_at: (o) => o.createdAt,
  // Polarity sorts by `-created` (docs/threatq-api.md, "Threat Library queries"): the same key.
  created: (o) => o.createdAt,
  updated_at: (o) => o.updatedAt,
  touched_at: (o) => o.touchedAt,
  published_at: (o) => o.publishedAt ?? 0,
  happened_at: (o) => o.happenedAt ?? 0,
  last_detected_at: (o) => o.lastDetectedAt ?? 0,
  expires_at: (o) => o.expiresAt ?? 0,
}

/** `sort=-updated_at,id` → comparator (ties broken by id so paging is stable). */
interface SortSpec {
  key: SortKey
  sign: 1 | -1
}

/** `sort=-updated_at,id` → keys; undefined for plain id order (no sort needed). */
function parseSort(spec: string | undefined | null): SortSpec[] | undefined {
  const parts = (spec ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'id')) return undefined
  return parts.map((p) => {
    const desc = p.startsWith('-')
    const name = desc ? p.slice(1) : p.replace(/^\+/, '')
    const key = SORT_KEYS[name]
    if (key === undefined) throw validationError('sort', `Cannot sort by "${name}".`)
    return { key, sign: desc ? -1 : 1 }
  })
}

/** Comparator for `sort` (ties broken by id so paging is stable). */
export function compileSort(
  spec: string | undefined | null,
): ((a: TqObject, b: TqObject) => number) | undefined {
  const keys = parseSort(spec)
  if (keys === undefined) return undefined
  return (a, b) => {
    for (const { key, sign } of keys) {
      const x = key(a)
      const y = key(b)
      if (x < y) return -sign
      if (x > y) return sign
    }
    return a.id - b.id
  }
}

/**
 * A single integer key (dates, scores) sorts a million objects fast when key and id pack into one
 * float: (key relative to its range, id) sorted natively, the same order as the comparator.
 * Undefined when the key is not an integer or the packing would lose precision.
 */
function packedSort(objects: readonly TqObject[], { key, sign }: SortSpec): number[] | undefined {
  let min = Infinity
  let max = -Infinity
  let maxId = 0
  for (const o of objects) {
    const k = key(o)
    if (typeof k !== 'number' || !Number.isInteger(k)) return undefined
    if (k < min) min = k
    if (k > max) max = k
    if (o.id > maxId) maxId = o.id
  }
  const idSpan = 2 ** Math.ceil(Math.log2(maxId + 1))
  if ((max - min + 1) * idSpan > Number.MAX_SAFE_INTEGER) return undefined
  const packed = new Float64Array(objects.length)
  objects.forEach((o, i) => {
    const k = key(o) as number
    packed[i] = (sign === 1 ? k - min : max - k) * idSpan + o.id
  })
  packed.sort()
  return Array.from(packed, (v) => v % idSpan)
}

/** Ids of the objects matching `predicate`, in `sort` order. */
export function evaluate(
  store: Store,
  collection: string,
  predicate: Predicate,
  sort: string | undefined | null,
): number[] {
  const keys = parseSort(sort)
  const table = store.table(collection)
  if (keys === undefined) {
    const ids: number[] = []
    for (const row of table.rows) if (row !== undefined && predicate(row)) ids.push(row.id)
    return ids
  }
  const matched: TqObject[] = []
  for (const row of table.rows) if (row !== undefined && predicate(row)) matched.push(row)
  const [only] = keys
  const fast = keys.length === 1 && only !== undefined ? packedSort(matched, only) : undefined
  if (fast !== undefined) return fast
  const comparator = compileSort(sort)
  if (comparator !== undefined) matched.sort(comparator)
  return matched.map((o) => o.id)
}
