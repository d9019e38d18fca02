/**
 * The second half of a list delivery: look the planned entries up in AED, remove the ones that
 * are still ours, add the missing ones, and keep the ledger to what AED confirmed. An entry whose
 * annotation is not this instance's is someone else's and is never written or removed. The plan
 * is looked up in windows of WINDOW entries, so that what AED answers about a window is let go
 * once its values are triaged; only what is still to send is kept, then sent.
 */
import type { AedList, ListCalls, ListEntry, Scope } from '../../aed/lists.js'
import { forEachConcurrent } from '../pool.js'
import { ReasonLog } from '../reasons.js'
import { actionOf, ListAdder, type ListSendDeps } from './adds.js'
import { entryKey } from './ledger.js'
import { lookUpValues } from './lookup.js'
import type { ListPlan, Removal, Want } from './plan.js'
import { type Answer, addStep, removalStep } from './triage.js'

export { REFUSAL_BUDGET, refusalKind } from './adds.js'
export { annotationOf, ownerOf } from './triage.js'
export type { RestCall } from './writer.js'

/** Requests in flight at once; the HTTP layer retries 429/503 with their Retry-After. */
export const LIST_CONCURRENCY = 8
/** Values per request: adds take a JSON array, lookups and deletes a comma list in the URL. */
export const VALUES_PER_REQUEST = 100
/** Keeps a lookup or delete URL well under the 8 KiB that servers commonly accept. */
const MAX_QUERY_CHARS = 4000
/** Planned entries per window: what AED is asked about, and its answers held, at a time. */
export const WINDOW = 20_000

export interface DeliverDeps extends ListSendDeps {
  /** Entries settled so far, of all the plan touches (the progress bar). */
  onProgress?: ((done: number, total: number) => void) | undefined
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

/** One window of the plan: removals and adds looked up together (`ordinals`: of the adds). */
interface Window {
  removals: Removal[]
  adds: Want[]
  ordinals: number[]
}

const emptyWindow = (): Window => ({ removals: [], adds: [], ordinals: [] })

/**
 * The plan in windows of at most `size` entries, removals first. A scope change's add goes in its
 * removal's window: it is looked up once, before the removal, as the add's decision expects.
 */
export function* windows(
  plan: Pick<ListPlan, 'adds' | 'removals'>,
  size = WINDOW,
): Generator<Window> {
  const pairs = pairedAdds(plan)
  let window = emptyWindow()
  const take = (ordinal: number): void => {
    const want = plan.adds.at(ordinal)
    if (want === undefined) return
    window.adds.push(want)
    window.ordinals.push(ordinal)
  }
  const full = (): boolean => window.removals.length + window.adds.length >= size
  for (const r of plan.removals) {
    window.removals.push(r)
    const pair = r.replaced ? pairs.get(entryKey(r.list.id, r.entry.value)) : undefined
    if (pair !== undefined) take(pair)
    if (full()) {
      yield window
      window = emptyWindow()
    }
  }
  const paired = new Set(pairs.values())
  for (let i = 0; i < plan.adds.length; i++) {
    if (paired.has(i)) continue
    take(i)
    if (full()) {
      yield window
      window = emptyWindow()
    }
  }
  if (window.removals.length + window.adds.length > 0) yield window
}

/** The adds (by ordinal) of the values a scope change removes from some scopes. */
function pairedAdds(plan: Pick<ListPlan, 'adds' | 'removals'>): Map<string, number> {
  const replacing = new Set<string>()
  for (const r of plan.removals) if (r.replaced) replacing.add(entryKey(r.list.id, r.entry.value))
  const pairs = new Map<string, number>()
  if (replacing.size > 0)
    for (let i = 0; i < plan.adds.length; i++) {
      const a = plan.adds.at(i)
      const key = a === undefined ? '' : entryKey(a.list.id, a.value)
      if (replacing.has(key)) pairs.set(key, i)
    }
  return pairs
}

/** What one delivery keeps across its windows. */
class Delivery {
  /** What was found of entries in AED, per finding: one line each at the end, not one per entry. */
  readonly gone = new ReasonLog('list entries', 'warn')
  readonly seen = new ReasonLog('list entries')
  /** Values whose lookups were cut off even when asked alone, by list. */
  readonly uncertain = new Map<string, number>()
  readonly adder: ListAdder
  private settled = 0

  constructor(
    readonly deps: DeliverDeps,
    private readonly total: number,
  ) {
    this.adder = new ListAdder({
      ...deps,
      foreign: (want) => {
        this.refuseForeign(want)
      },
      seen: this.seen,
    })
  }

  progress(n: number): void {
    this.settled += n
    this.deps.onProgress?.(this.settled, this.total)
  }

  unconfirmed(list: AedList): void {
    this.deps.summary.rejected.add("not confirmed: AED's answers about the value were cut off")
    this.uncertain.set(list.id, (this.uncertain.get(list.id) ?? 0) + 1)
  }

  /** A value AED holds under someone else's annotation: in force, never ours to write. */
  refuseForeign(want: Want): void {
    this.deps.audit.record({
      action: 'refuse',
      value: want.value,
      type: want.type,
      threatq_id: want.owner,
      list: want.list.id,
      reason: "foreign entry: AED holds the value under an annotation that is not this instance's",
    })
  }

  finish(): void {
    const { logger, summary } = this.deps
    for (const log of [this.adder.rejections, this.gone, this.seen]) log.flush(logger)
    for (const [id, n] of this.uncertain)
      summary.problems.push(
        `AED's answers about ${String(n)} value(s) of its ${id} list were cut off even when asked alone; they were neither added nor removed and are looked at again by the next run`,
      )
  }
}

export async function deliver(deps: DeliverDeps, plan: ListPlan): Promise<void> {
  const delivery = new Delivery(deps, plan.adds.length + plan.removals.length)
  const removing: Removal[] = []
  /** The adds still to send after their lookup, by ordinal: one byte each, not a Want. */
  const sending = new Uint8Array(plan.adds.length)
  // Every lookup before any write, as AED's lists were when the run began.
  for (const window of windows(plan)) await triageWindow(delivery, window, removing, sending)
  // Removals first: they make room in lists that have a capacity.
  await sendRemovals(delivery, removing)
  let adding: Want[] = []
  for (let i = 0; i <= plan.adds.length; i++) {
    const want = sending[i] === 1 ? plan.adds.at(i) : undefined
    if (want !== undefined) adding.push(want)
    if (adding.length < WINDOW && i < plan.adds.length) continue
    await sendAdds(delivery, adding)
    adding = []
  }
  delivery.finish()
}

/** Adds, one request per list, scope and chunk. */
async function sendAdds(delivery: Delivery, adding: Want[]): Promise<void> {
  const posts = groups(adding, (w) => w).flatMap(({ list, scope, items }) =>
    chunk(items, (w) => w.value).map((part) => ({ list, scope, part })),
  )
  await forEachConcurrent(posts, LIST_CONCURRENCY, async ({ list, scope, part }) => {
    await delivery.adder.add(list, scope, part)
    delivery.progress(part.length)
  })
}

/** Looks one window up and settles what the answers settle; the rest is marked to send. */
async function triageWindow(
  delivery: Delivery,
  window: Window,
  removing: Removal[],
  sending: Uint8Array,
): Promise<void> {
  const answers = await lookUp(delivery.deps.lists, window)
  const answer = (list: AedList, value: string): Answer => {
    const key = entryKey(list.id, value)
    return { there: answers.found.get(key), unknown: answers.unknown.has(key) }
  }
  /** Keys whose entry loses some scopes this run: never adopted from the lookup before that. */
  const rescoped = new Set<string>()
  for (const r of window.removals)
    if (triageRemoval(delivery, r, answer, rescoped)) removing.push(r)
  window.adds.forEach((w, k) => {
    if (triageAdd(delivery, w, answer, rescoped)) sending[window.ordinals[k] ?? -1] = 1
  })
}

/** Applies the triage of a removal; answers whether it is sent. */
function triageRemoval(
  delivery: Delivery,
  removal: Removal,
  answer: (list: AedList, value: string) => Answer,
  rescoped: Set<string>,
): boolean {
  const { entry, list } = removal
  const { summary, ledger, instance } = delivery.deps
  const step = removalStep(removal.replaced, answer(list, entry.value), instance)
  if (step === 'remove') {
    if (removal.replaced) rescoped.add(entryKey(list.id, entry.value))
    return true
  }
  delivery.progress(1)
  if (step === 'unconfirmed') delivery.unconfirmed(list)
  if (step === 'unconfirmed' || step === 'replaced') return false
  ledger.delete(list.id, entry.value)
  const at = { list: list.id, value: entry.value }
  if (step === 'gone') {
    summary.revoked.add(`${removal.reason} (already gone from AED)`)
    delivery.gone.add(
      'made by this instance, no longer in AED (removed by hand, or stored in another form)',
      at,
    )
  } else {
    summary.foreign.add(list.id)
    delivery.seen.add(
      'made by this instance, now sharing its value with someone else: left as it is',
      at,
    )
  }
  return false
}

/** Applies the triage of an add; answers whether it is sent. */
function triageAdd(
  delivery: Delivery,
  want: Want,
  answer: (list: AedList, value: string) => Answer,
  rescoped: ReadonlySet<string>,
): boolean {
  const { summary, ledger, instance } = delivery.deps
  const key = entryKey(want.list.id, want.value)
  const step = addStep(want, answer(want.list, want.value), rescoped.has(key), instance)
  if (step === 'add') return true
  delivery.progress(1)
  if (step === 'unconfirmed') delivery.unconfirmed(want.list)
  else if (step === 'foreign') {
    // Held by a person or another tool: in force already, and never ours to change.
    ledger.set({ ...want, list: want.list.id, foreign: true })
    summary.foreign.add(want.list.id)
    delivery.refuseForeign(want)
  } else {
    ledger.set({ list: want.list.id, value: want.value, owner: want.owner, scope: want.scope })
    summary.unchanged.add(want.list.id)
  }
  return false
}

/** Removals, one request per list, scope and chunk; what AED took out leaves the ledger. */
async function sendRemovals(delivery: Delivery, removing: Removal[]): Promise<void> {
  const { writer, ledger, summary, audit } = delivery.deps
  const deletes = groups(removing, (r) => ({ list: r.list, scope: r.scope })).flatMap(
    ({ list, scope, items }) =>
      chunk(items, (r) => r.entry.value).map((part) => ({ list, scope, part })),
  )
  await forEachConcurrent(deletes, LIST_CONCURRENCY, async ({ list, scope, part }) => {
    await writer.remove(
      list,
      part.map((r) => r.entry.value),
      scope,
    )
    for (const r of part) {
      if (r.replaced) continue
      ledger.delete(list.id, r.entry.value)
      summary.revoked.add(r.reason)
      audit.record({
        action: actionOf(list, true),
        value: r.entry.value,
        threatq_id: r.entry.owner,
        list: list.id,
        reason: r.reason,
      })
    }
    delivery.progress(part.length)
  })
}

/**
 * The AED entries of every value the plan touches, by ledger key, and the keys whose absence
 * could not be confirmed (lookup.ts: AED's value filter is never trusted).
 */
async function lookUp(
  lists: ListCalls,
  plan: Window,
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
