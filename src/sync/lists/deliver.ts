/**
 * The second half of a list delivery: look the planned entries up in AED, remove the ones that
 * are still ours, add the missing ones, and keep the ledger to what AED confirmed. An entry whose
 * annotation is not this instance's is someone else's and is never written or removed.
 */
import {
  addBody,
  type AedList,
  type ListCalls,
  type ListEntry,
  removeQuery,
  type Scope,
  VALUE_FIELD,
  type WriteRefusal,
} from '../../aed/lists.js'
import type { AuditAction, AuditSink } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import { forEachConcurrent } from '../pool.js'
import { ReasonLog } from '../reasons.js'
import { type RunSummary, shortReason } from '../summary.js'
import { entryKey, type ListLedger } from './ledger.js'
import { lookUpValues } from './lookup.js'
import type { ListPlan, Removal, Want } from './plan.js'

/** Requests in flight at once; the HTTP layer retries 429/503 with their Retry-After. */
export const LIST_CONCURRENCY = 8
/** Values per request: adds take a JSON array, lookups and deletes a comma list in the URL. */
export const VALUES_PER_REQUEST = 100
/** Keeps a lookup or delete URL well under the 8 KiB that servers commonly accept. */
const MAX_QUERY_CHARS = 4000
/**
 * Extra requests one list may spend in a run finding the values AED refused: halving a refused
 * request of n values costs at most 2·⌈log2 n⌉ adds per bad value (14 for n = 100) and one
 * lookup of the value alone; past this, the list takes no more adds this run (docs/mapping.md).
 */
export const REFUSAL_BUDGET = 64

/**
 * What a refused add is about. `request`: it names a field other than the value (the scope, the
 * annotation), so every request would fail alike; `full`: the list is full; `value`: it names the
 * value field or nothing at all (a real AED's 400 need not say), so one of the values may be at
 * fault and is looked for. Auth failures never get here: the HTTP layer throws.
 */
export function refusalKind(refusal: WriteRefusal, list: AedList): 'request' | 'full' | 'value' {
  if (refusal.full) return 'full'
  if (refusal.field !== undefined && refusal.field !== VALUE_FIELD[list.kind]) return 'request'
  return 'value'
}

/** A write the dry run lists instead of making. */
export interface RestCall {
  method: 'POST' | 'DELETE'
  path: string
  query?: Record<string, string>
  body?: Record<string, unknown>
}

export interface DeliverDeps {
  lists: ListCalls
  logger: Logger
  summary: RunSummary
  /** Entries AED confirmed adding or removing, and values others hold (src/audit/trail.ts). */
  audit: AuditSink
  ledger: ListLedger
  /** The instance name: annotations read `tq:<instance>:<indicator id>`. */
  instance: string
  /** Dry run: each write is handed here instead of made. */
  dryRun?: ((call: RestCall) => void) | undefined
  /** Entries settled so far, of all the plan touches (the progress bar). */
  onProgress?: ((done: number, total: number) => void) | undefined
}

export const annotationOf = (instance: string, owner: number): string =>
  `tq:${instance}:${String(owner)}`

/** The owner an annotation of this instance names, else undefined. */
export function ownerOf(instance: string, annotation: string): number | undefined {
  const prefix = `tq:${instance}:`
  if (!annotation.startsWith(prefix)) return undefined
  const rest = annotation.slice(prefix.length)
  return /^[1-9][0-9]{0,15}$/.test(rest) ? Number(rest) : undefined
}

/** Splits values into requests of at most VALUES_PER_REQUEST values and MAX_QUERY_CHARS. */
export function chunk<T>(items: readonly T[], text: (item: T) => string): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let chars = 0
  for (const item of items) {
    const length = encodeURIComponent(text(item)).length + 3
    if (
      current.length > 0 &&
      (current.length >= VALUES_PER_REQUEST || chars + length > MAX_QUERY_CHARS)
    ) {
      out.push(current)
      current = []
      chars = 0
    }
    current.push(item)
    chars += length
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Groups items by list and scope: one request carries one list's values in one scope. */
function groups<T>(
  items: readonly T[],
  of: (item: T) => { list: AedList; scope: Scope | undefined },
) {
  const map = new Map<string, { list: AedList; scope: Scope | undefined; items: T[] }>()
  for (const item of items) {
    const { list, scope } = of(item)
    const key = `${list.id} ${scope ?? ''}`
    let group = map.get(key)
    if (group === undefined) map.set(key, (group = { list, scope, items: [] }))
    group.items.push(item)
  }
  return [...map.values()]
}

function holdsScope(entry: ListEntry, scope: Scope | undefined): boolean {
  if (scope === undefined) return true
  return scope.split(',').every((id) => entry.pgids.includes(Number(id)))
}

/** The audit action of an entry added to (or removed from) a list. */
const actionOf = (list: AedList, removed: boolean): AuditAction =>
  list.action === 'allow' ? (removed ? 'unallow' : 'allow') : removed ? 'unblock' : 'block'

export async function deliver(deps: DeliverDeps, plan: ListPlan): Promise<void> {
  const { lists, logger, summary, ledger, instance, audit } = deps
  const ours = (annotation: string): boolean => ownerOf(instance, annotation) !== undefined
  /**
   * Only a value every annotation of which is ours is ours to write or remove: AED's arrays do
   * not say which scope holds whose annotation, and no annotation at all is someone else's (AED
   * shows [] for an unannotated domain).
   */
  const onlyOurs = (entry: ListEntry): boolean =>
    entry.annotations.length > 0 && entry.annotations.every(ours)
  const total = plan.adds.length + plan.removals.length
  let settled = 0
  const progress = (n: number): void => {
    settled += n
    deps.onProgress?.(settled, total)
  }
  const { found, unknown } = await lookUp(lists, plan)
  /** AED's list refusals, logged once per reason at the end (src/sync/reasons.ts). */
  const rejections = new ReasonLog('AED refused list entries', 'warn')
  /** What was found of entries in AED, per finding: one line each at the end, not one per entry. */
  const gone = new ReasonLog('list entries', 'warn')
  const seen = new ReasonLog('list entries')
  const unconfirmed = (list: AedList): void => {
    summary.rejected.add("not confirmed: AED's answers about the value were cut off")
    uncertain.set(list.id, (uncertain.get(list.id) ?? 0) + 1)
  }
  const uncertain = new Map<string, number>()
  /** A value AED holds under someone else's annotation: in force, never ours to write. */
  const refuseForeign = (want: Want): void => {
    if (deps.dryRun === undefined)
      audit.record({
        action: 'refuse',
        value: want.value,
        type: want.type,
        threatq_id: want.owner,
        list: want.list.id,
        reason:
          "foreign entry: AED holds the value under an annotation that is not this instance's",
      })
  }

  const removing: Removal[] = []
  /** Keys whose entry loses some scopes this run: never adopted from the lookup before that. */
  const rescoped = new Set<string>()
  for (const removal of plan.removals) {
    const { entry, list } = removal
    const key = entryKey(list.id, entry.value)
    const there = found.get(key)
    if (unknown.has(key)) {
      // Neither removed nor forgotten: the next run looks again.
      unconfirmed(list)
      progress(1)
      continue
    }
    if (there !== undefined && onlyOurs(there)) {
      removing.push(removal)
      if (removal.replaced) rescoped.add(key)
      continue
    }
    progress(1)
    // A scope change's add decides what the ledger keeps (and counts a foreign holder).
    if (removal.replaced) continue
    ledger.delete(list.id, entry.value)
    if (there === undefined) {
      summary.revoked.add(`${removal.reason} (already gone from AED)`)
      gone.add(
        'made by this instance, no longer in AED (removed by hand, or stored in another form)',
        {
          list: list.id,
          value: entry.value,
        },
      )
    } else {
      summary.foreign.add(list.id)
      seen.add('made by this instance, now sharing its value with someone else: left as it is', {
        list: list.id,
        value: entry.value,
      })
    }
  }

  const adding: Want[] = []
  for (const want of plan.adds) {
    const key = entryKey(want.list.id, want.value)
    const there = found.get(key)
    if (unknown.has(key)) {
      unconfirmed(want.list)
      progress(1)
      continue
    }
    if (there !== undefined && !onlyOurs(there)) {
      // Held by a person or another tool: in force already, and never ours to change.
      ledger.set({ ...want, list: want.list.id, foreign: true })
      summary.foreign.add(want.list.id)
      refuseForeign(want)
      progress(1)
      continue
    }
    if (
      there !== undefined &&
      !rescoped.has(key) &&
      there.annotations.includes(annotationOf(instance, want.owner)) &&
      holdsScope(there, want.scope)
    ) {
      ledger.set({ list: want.list.id, value: want.value, owner: want.owner, scope: want.scope })
      summary.unchanged.add(want.list.id)
      progress(1)
      continue
    }
    adding.push(want)
  }

  // Removals first: they make room in lists that have a capacity.
  const deletes = groups(removing, (r) => ({ list: r.list, scope: r.scope })).flatMap(
    ({ list, scope, items }) =>
      chunk(items, (r) => r.entry.value).map((part) => ({ list, scope, part })),
  )
  await forEachConcurrent(deletes, LIST_CONCURRENCY, async ({ list, scope, part }) => {
    const values = part.map((r) => r.entry.value)
    if (deps.dryRun !== undefined)
      deps.dryRun({
        method: 'DELETE',
        path: await lists.path(list),
        query: removeQuery(list, values, scope),
      })
    else await lists.remove(list, values, scope)
    for (const r of part) {
      if (r.replaced) continue
      ledger.delete(list.id, r.entry.value)
      summary.revoked.add(r.reason)
      if (deps.dryRun === undefined)
        audit.record({
          action: actionOf(list, true),
          value: r.entry.value,
          threatq_id: r.entry.owner,
          list: list.id,
          reason: r.reason,
        })
    }
    progress(part.length)
  })

  /** Lists that take no more adds this run: full, or refusing the requests themselves. */
  const closed = new Set<string>()
  const add = async (list: AedList, scope: Scope | undefined, part: Want[]): Promise<void> => {
    if (closed.has(list.id)) {
      summary.rejected.add(`not tried: the ${list.id} list refused earlier adds`, part.length)
      return
    }
    const values = part.map((w) => w.value)
    const annotations = part.map((w) => annotationOf(instance, w.owner))
    if (deps.dryRun !== undefined) {
      deps.dryRun({
        method: 'POST',
        path: await lists.path(list),
        body: addBody(list, values, annotations, scope),
      })
      summary.sent.add(list.id, part.length)
      return
    }
    const result = await lists.add(list, values, annotations, scope)
    if (!result.ok) {
      const { refusal } = result
      const kind = refusalKind(refusal, list)
      // One bad value (or one too many) refuses the whole request: halve it to find where.
      if (kind !== 'request' && part.length > 1) {
        if (!spend(list, 2)) {
          outOfBudget(list, part.length, refusal)
          return
        }
        const middle = Math.ceil(part.length / 2)
        await add(list, scope, part.slice(0, middle))
        await add(list, scope, part.slice(middle))
        return
      }
      // A value refused alone may be one AED holds already (a real AED may refuse a
      // re-add): look it up; ours in this scope is adopted, someone else's is foreign.
      if (kind === 'value' && (await settleRefused(list, scope, part[0]))) return
      const reason = refusal.full
        ? `the ${list.id} list is full`
        : shortReason(`HTTP ${String(refusal.status)}: ${refusal.message}`)
      summary.rejected.add(reason, part.length)
      if (kind !== 'value') {
        // Not about a value (the scope, the request itself): every request would fail alike.
        if (!closed.has(list.id))
          summary.problems.push(
            refusal.full
              ? `AED's ${list.id} list is full (HTTP ${String(refusal.status)}: ${refusal.message}); the entries it could not take are counted as rejected and are offered again by the next run`
              : `AED refused adds to its ${list.id} list (HTTP ${String(refusal.status)}${refusal.field === undefined ? '' : `, field ${refusal.field}`}: ${refusal.message}); no more were tried this run`,
          )
        closed.add(list.id)
      }
      rejections.add(reason, {
        list: list.id,
        ...(part.length === 1 ? { value: part[0]?.value } : { values: part.length }),
        status: refusal.status,
        reason: refusal.message,
      })
      return
    }
    const stored = new Map(result.entries.map((e) => [e.value, e]))
    const misfiled: Want[] = []
    part.forEach((want, i) => {
      // A one-value answer is that value, whatever form AED stored it in.
      const entry = part.length === 1 ? result.entries[0] : stored.get(want.value)
      if (entry?.annotations.includes(annotations[i] ?? '') === true) {
        // [I: A-AED-LIST-VALUES] lookups find a value by the form AED stores: say when it differs.
        if (entry.value !== want.value)
          logger.warn(
            { list: list.id, sent: want.value, stored: entry.value },
            'AED stored a list value in another form than sent; later lookups may miss it',
          )
        ledger.set({ list: list.id, value: want.value, owner: want.owner, scope })
        summary.sent.add(list.id)
        audit.record({
          action: actionOf(list, false),
          value: want.value,
          type: want.type,
          threatq_id: want.owner,
          list: list.id,
          reason: want.reason ?? 'joined the data collection',
        })
      } else misfiled.push(want)
    })
    if (misfiled.length === 0) return
    if (part.length > 1) {
      // [I: A-AED-LIST-ANNOTATIONS] a comma list of annotations maps one to one; if this AED did not, the
      // values are sent again one at a time, so each carries its own.
      logger.warn(
        { list: list.id, values: misfiled.length },
        'AED did not store the annotations one to one; sending those values one at a time',
      )
      for (const want of misfiled) await add(list, scope, [want])
      return
    }
    summary.rejected.add('not stored with its annotation')
    logger.warn(
      { list: list.id, value: values[0], stored: result.entries[0] },
      'AED did not store the entry with its annotation',
    )
  }
  /** Extra requests spent per list on refusals this run (REFUSAL_BUDGET). */
  const spent = new Map<string, number>()
  const spend = (list: AedList, n: number): boolean => {
    const used = (spent.get(list.id) ?? 0) + n
    spent.set(list.id, used)
    return used <= REFUSAL_BUDGET
  }
  const outOfBudget = (list: AedList, n: number, refusal: WriteRefusal): void => {
    summary.rejected.add(`not tried: the ${list.id} list refused too many adds to trace`, n)
    if (closed.has(list.id)) return
    closed.add(list.id)
    summary.problems.push(
      `AED refused adds to its ${list.id} list (HTTP ${String(refusal.status)}: ${refusal.message}) more often than ${String(REFUSAL_BUDGET)} extra requests could trace to single values; the entries not yet stored are counted as rejected and are offered again by the next run`,
    )
  }
  /** Whether a value AED refused alone is in the list after all (adopted or foreign). */
  const settleRefused = async (
    list: AedList,
    scope: Scope | undefined,
    want: Want | undefined,
  ): Promise<boolean> => {
    if (want === undefined) return false
    if (!spend(list, 1)) return false
    const { found: there, requests } = await lookUpValues(lists, list, [want.value])
    spend(list, requests - 1)
    const entry = there.get(want.value)
    if (entry === undefined) return false
    if (!onlyOurs(entry)) {
      ledger.set({ ...want, list: list.id, scope, foreign: true })
      summary.foreign.add(list.id)
      refuseForeign(want)
      return true
    }
    if (
      !entry.annotations.includes(annotationOf(instance, want.owner)) ||
      !holdsScope(entry, scope)
    )
      return false
    ledger.set({ list: list.id, value: want.value, owner: want.owner, scope })
    summary.unchanged.add(list.id)
    seen.add('refused as held already with this annotation and scope: adopted', {
      list: list.id,
      value: want.value,
    })
    return true
  }
  const posts = groups(adding, (w) => w).flatMap(({ list, scope, items }) =>
    chunk(items, (w) => w.value).map((part) => ({ list, scope, part })),
  )
  await forEachConcurrent(posts, LIST_CONCURRENCY, async ({ list, scope, part }) => {
    await add(list, scope, part)
    progress(part.length)
  })
  for (const log of [rejections, gone, seen]) log.flush(logger)
  for (const [id, n] of uncertain)
    summary.problems.push(
      `AED's answers about ${String(n)} value(s) of its ${id} list were cut off even when asked alone; they were neither added nor removed and are looked at again by the next run`,
    )
}

/**
 * The AED entries of every value the plan touches, by ledger key, and the keys whose absence
 * could not be confirmed (lookup.ts: AED's value filter is never trusted).
 */
async function lookUp(
  lists: ListCalls,
  plan: ListPlan,
): Promise<{ found: Map<string, ListEntry>; unknown: Set<string> }> {
  const values = new Map<AedList, Set<string>>()
  const dropping = new Set<string>()
  const want = (list: AedList, value: string): void => {
    let set = values.get(list)
    if (set === undefined) values.set(list, (set = new Set()))
    set.add(value)
  }
  for (const r of plan.removals) {
    want(r.list, r.entry.value)
    if (!r.replaced) dropping.add(entryKey(r.list.id, r.entry.value))
  }
  for (const a of plan.adds) want(a.list, a.value)
  const requests = [...values].flatMap(([list, set]) =>
    chunk([...set], (v) => v).map((part) => ({ list, part })),
  )
  const found = new Map<string, ListEntry>()
  const unknown = new Set<string>()
  await forEachConcurrent(requests, LIST_CONCURRENCY, async ({ list, part }) => {
    const drop = new Set(part.filter((v) => dropping.has(entryKey(list.id, v))))
    const result = await lookUpValues(lists, list, part, drop)
    for (const [value, entry] of result.found) found.set(entryKey(list.id, value), entry)
    for (const value of result.unknown) unknown.add(entryKey(list.id, value))
  })
  return { found, unknown }
}
