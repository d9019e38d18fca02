/**
 * Adding values to AED's lists through a writer (writer.ts): one request per list, scope and chunk;
 * a refused request is halved to find the value at fault, within REFUSAL_BUDGET extra requests per
 * list; a full list, or a refusal of the request itself, closes the list for the run. What each
 * refusal leads to is a pure function (`refusalStep`, adds.test.ts).
 */
import {
  type AedList,
  type ListCalls,
  type Scope,
  VALUE_FIELD,
  type WriteRefusal,
} from '../../aed/lists.js'
import type { AuditAction, AuditSink } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import { ReasonLog } from '../reasons.js'
import { type RunSummary, shortReason } from '../summary.js'
import type { ListLedger } from './ledger.js'
import { lookUpValues } from './lookup.js'
import type { Want } from './plan.js'
import { annotationOf, refusedStep } from './triage.js'
import type { AddAnswer, ListWriter } from './writer.js'

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

/**
 * What a refused request of `size` values leads to: `halve` it and send both halves (when the
 * budget still has the two requests), `budget` spent (the rest is not tried), `lookup` the one
 * value alone (AED may refuse a value it holds), or `reject` the request's values.
 */
export function refusalStep(
  kind: 'request' | 'full' | 'value',
  size: number,
  budgetLeft: number,
): 'halve' | 'budget' | 'lookup' | 'reject' {
  if (kind !== 'request' && size > 1) return budgetLeft >= 2 ? 'halve' : 'budget'
  return kind === 'value' ? 'lookup' : 'reject'
}

/** The audit action of an entry added to (or removed from) a list. */
export const actionOf = (list: AedList, removed: boolean): AuditAction =>
  list.action === 'allow' ? (removed ? 'unallow' : 'allow') : removed ? 'unblock' : 'block'

/** What sending to AED's lists needs: the adds here, and deliver.ts. */
export interface ListSendDeps {
  /** Where writes go: AED, or the dry-run file (writer.ts). */
  writer: ListWriter
  /** Lookups: AED is read also in a dry run. */
  lists: ListCalls
  logger: Logger
  summary: RunSummary
  /** Entries AED confirmed adding or removing, and values others hold (src/audit/trail.ts). */
  audit: AuditSink
  ledger: ListLedger
  /** The instance name: annotations read `tq:<instance>:<indicator id>`. */
  instance: string
}

export interface AddDeps extends ListSendDeps {
  /** A value AED holds under someone else's annotation: recorded as refused (deliver.ts). */
  foreign: (want: Want, scope: Scope | undefined) => void
  /** Findings logged once per reason at the end of the delivery. */
  seen: ReasonLog
}

export class ListAdder {
  /** AED's list refusals, logged once per reason at the end (src/sync/reasons.ts). */
  readonly rejections = new ReasonLog('AED refused list entries', 'warn')
  /** Lists that take no more adds this run: full, or refusing the requests themselves. */
  private readonly closed = new Set<string>()
  /** Extra requests spent per list on refusals this run (REFUSAL_BUDGET). */
  private readonly spent = new Map<string, number>()

  constructor(private readonly deps: AddDeps) {}

  /** Adds one request's values; a refusal is traced to its values, or closes the list. */
  async add(list: AedList, scope: Scope | undefined, part: Want[]): Promise<void> {
    if (this.closed.has(list.id)) {
      this.deps.summary.rejected.add(
        `not tried: the ${list.id} list refused earlier adds`,
        part.length,
      )
      return
    }
    const annotations = part.map((w) => annotationOf(this.deps.instance, w.owner))
    const answer = await this.deps.writer.add(
      list,
      part.map((w) => w.value),
      annotations,
      scope,
    )
    if (answer.ok) await this.stored(list, scope, part, annotations, answer)
    else await this.refused(list, scope, part, answer.refusal)
  }

  private async refused(
    list: AedList,
    scope: Scope | undefined,
    part: Want[],
    refusal: WriteRefusal,
  ): Promise<void> {
    const kind = refusalKind(refusal, list)
    const step = refusalStep(kind, part.length, REFUSAL_BUDGET - (this.spent.get(list.id) ?? 0))
    if (step === 'halve' || step === 'budget') this.spend(list, 2)
    if (step === 'budget') {
      this.outOfBudget(list, part.length, refusal)
      return
    }
    if (step === 'halve') {
      // One bad value (or one too many) refuses the whole request: halve it to find where.
      const middle = Math.ceil(part.length / 2)
      await this.add(list, scope, part.slice(0, middle))
      await this.add(list, scope, part.slice(middle))
      return
    }
    if (step === 'lookup' && (await this.settleRefused(list, scope, part[0]))) return
    this.reject(list, part, refusal, kind)
  }

  /** Counts and tells a refusal; one not about a value closes the list for the run. */
  private reject(
    list: AedList,
    part: Want[],
    refusal: WriteRefusal,
    kind: 'request' | 'full' | 'value',
  ): void {
    const { summary } = this.deps
    const reason = refusal.full
      ? `the ${list.id} list is full`
      : shortReason(`HTTP ${String(refusal.status)}: ${refusal.message}`)
    summary.rejected.add(reason, part.length)
    if (kind !== 'value') {
      // Not about a value (the scope, the request itself): every request would fail alike.
      if (!this.closed.has(list.id))
        summary.problems.push(
          refusal.full
            ? `AED's ${list.id} list is full (HTTP ${String(refusal.status)}: ${refusal.message}); the entries it could not take are counted as rejected and are offered again by the next run`
            : `AED refused adds to its ${list.id} list (HTTP ${String(refusal.status)}${refusal.field === undefined ? '' : `, field ${refusal.field}`}: ${refusal.message}); no more were tried this run`,
        )
      this.closed.add(list.id)
    }
    this.rejections.add(reason, {
      list: list.id,
      ...(part.length === 1 ? { value: part[0]?.value } : { values: part.length }),
      status: refusal.status,
      reason: refusal.message,
    })
  }

  /** Keeps what AED stored under its annotation; the rest is sent again, or refused. */
  private async stored(
    list: AedList,
    scope: Scope | undefined,
    part: Want[],
    annotations: readonly string[],
    answer: Extract<AddAnswer, { ok: true }>,
  ): Promise<void> {
    const { logger, summary } = this.deps
    const stored = new Map(answer.entries.map((e) => [e.value, e]))
    const misfiled: Want[] = []
    part.forEach((want, i) => {
      // A one-value answer is that value, whatever form AED stored it in.
      const entry = part.length === 1 ? answer.entries[0] : stored.get(want.value)
      if (entry?.annotations.includes(annotations[i] ?? '') !== true) return misfiled.push(want)
      // [I: A-AED-LIST-VALUES] lookups find a value by the form AED stores: say when it differs.
      if (entry.value !== want.value)
        logger.warn(
          { list: list.id, sent: want.value, stored: entry.value },
          'AED stored a list value in another form than sent; later lookups may miss it',
        )
      this.confirmed(list, scope, want)
    })
    if (misfiled.length === 0) return
    if (part.length > 1) {
      // [I: A-AED-LIST-ANNOTATIONS] a comma list of annotations maps one to one; if this AED did not, the
      // values are sent again one at a time, so each carries its own.
      logger.warn(
        { list: list.id, values: misfiled.length },
        'AED did not store the annotations one to one; sending those values one at a time',
      )
      for (const want of misfiled) await this.add(list, scope, [want])
      return
    }
    summary.rejected.add('not stored with its annotation')
    logger.warn(
      { list: list.id, value: part[0]?.value, stored: answer.entries[0] },
      'AED did not store the entry with its annotation',
    )
  }

  private confirmed(list: AedList, scope: Scope | undefined, want: Want): void {
    this.deps.ledger.set({ list: list.id, value: want.value, owner: want.owner, scope })
    this.deps.summary.sent.add(list.id)
    this.deps.audit.record({
      action: actionOf(list, false),
      value: want.value,
      type: want.type,
      threatq_id: want.owner,
      list: list.id,
      reason: want.reason ?? 'joined the data collection',
    })
  }

  private spend(list: AedList, n: number): boolean {
    const used = (this.spent.get(list.id) ?? 0) + n
    this.spent.set(list.id, used)
    return used <= REFUSAL_BUDGET
  }

  private outOfBudget(list: AedList, n: number, refusal: WriteRefusal): void {
    this.deps.summary.rejected.add(
      `not tried: the ${list.id} list refused too many adds to trace`,
      n,
    )
    if (this.closed.has(list.id)) return
    this.closed.add(list.id)
    this.deps.summary.problems.push(
      `AED refused adds to its ${list.id} list (HTTP ${String(refusal.status)}: ${refusal.message}) more often than ${String(REFUSAL_BUDGET)} extra requests could trace to single values; the entries not yet stored are counted as rejected and are offered again by the next run`,
    )
  }

  /** Whether a value AED refused alone is in the list after all (adopted or foreign). */
  private async settleRefused(
    list: AedList,
    scope: Scope | undefined,
    want: Want | undefined,
  ): Promise<boolean> {
    if (want === undefined || !this.spend(list, 1)) return false
    const { found, requests } = await lookUpValues(this.deps.lists, list, [want.value])
    this.spend(list, requests - 1)
    const step = refusedStep(
      found.get(want.value),
      { owner: want.owner, scope },
      this.deps.instance,
    )
    if (step === 'refused') return false
    if (step === 'foreign') {
      this.deps.ledger.set({ ...want, list: list.id, scope, foreign: true })
      this.deps.summary.foreign.add(list.id)
      this.deps.foreign(want, scope)
      return true
    }
    this.deps.ledger.set({ list: list.id, value: want.value, owner: want.owner, scope })
    this.deps.summary.unchanged.add(list.id)
    this.deps.seen.add('refused as held already with this annotation and scope: adopted', {
      list: list.id,
      value: want.value,
    })
    return true
  }
}
