/**
 * The first half of a list delivery: scan the data collection's membership, decide each
 * member's list entries, and compare them with the ledger. Nothing is sent here.
 */
import { type AedList, listById, type Scope } from '../../aed/lists.js'
import type { AuditSink } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import { memberFacts } from '../members.js'
import { flushScanReasons, reportInvalid, reportUnexported, scanReasons } from '../scan-report.js'
import type { RunSummary } from '../summary.js'
import type { ListLedger, ListLedgerEntry } from './ledger.js'
import { FATES, type Fate, OwnerFates } from './owner-fates.js'
import { PlannedAdds, type WantList } from './planned-adds.js'
import { type ListPolicy, type Placement, placements, targetOf } from './targets.js'

export type { Want } from './planned-adds.js'
export { FATES, type Fate } from './owner-fates.js'

/** An entry of the ledger AED should no longer hold (inbound: in these scopes). */
export interface Removal {
  entry: ListLedgerEntry
  list: AedList
  /** The scopes to remove it from: the entry's, or those a scope change gives up. */
  scope: Scope | undefined
  reason: string
  /** Removed from some scopes only, and added in the new ones: not counted by the guard. */
  replaced: boolean
}

export interface ListPlan {
  members: number
  deliverable: number
  /** What to add: a PlannedAdds, made into Wants as they are read. */
  adds: WantList
  removals: Removal[]
}

export interface ListPlanSettings {
  collection: DataCollection
  pageSize: number
  policy: ListPolicy
  scope: Scope
  /** --full: check every wanted entry against AED again. */
  full: boolean
  /** --since (epoch ms): check the entries of members updated at or after it again. */
  sendSince: number | undefined
}

/** What the scan needs beside the data collection. */
export interface ListPlanDeps {
  threatq: ThreatqClient
  logger: Logger
  summary: RunSummary
  audit: AuditSink
  onProgress?: ((done: number, total: number | undefined) => void) | undefined
  onRefusal?: ((refusal: { id: number; value: string; reason: string }) => void) | undefined
}

/**
 * What the scan keeps while it reads: the adds planned (in columns, planned-adds.ts), what became
 * of each member that owns a ledger entry (owner-fates.ts), and the removals; the entries a member
 * claimed are marked in the ledger itself (entries.ts `claim`).
 */
class Scan {
  readonly adding = new PlannedAdds()
  readonly fates: OwnerFates
  readonly removals: Removal[] = []
  members = 0
  deliverable = 0

  constructor(ledger: ListLedger) {
    // Every owner starts as gone: a member read later says what became of it.
    this.fates = new OwnerFates(ledger.owners(), ledger.size)
  }
}

export async function planLists(
  deps: ListPlanDeps,
  ledger: ListLedger,
  settings: ListPlanSettings,
): Promise<ListPlan> {
  const scan = new Scan(ledger)
  const reasons = scanReasons()
  // Members come in id order (the query sorts by id): the first to claim an entry is the oldest,
  // and two indicators AED stores as one value share one entry named after the older.
  for await (const page of deps.threatq.members(settings.collection, {
    pageSize: settings.pageSize,
    with: [],
  })) {
    reportInvalid(deps, reasons, page.invalid)
    for (const record of page.records) {
      scan.members++
      deps.summary.fetched.add('indicator')
      const member = memberFacts(record)
      const target = targetOf(member, settings.policy)
      scan.fates.set(member.id, target.ok ? FATES[target.action][target.kind] : target.reason)
      if (!target.ok) {
        reportUnexported(deps, reasons, member, target)
        continue
      }
      scan.deliverable++
      const forced =
        settings.full ||
        (settings.sendSince !== undefined && record.updated_at.getTime() >= settings.sendSince)
      for (const p of placements(target, settings.policy, settings.scope))
        planPlacement(
          scan,
          ledger,
          deps.summary,
          { ...member, type: internType(member.type) },
          p,
          forced,
        )
    }
    deps.onProgress?.(scan.members + page.invalid.length, page.total)
  }
  flushScanReasons(reasons, deps.logger)
  planLeavers(scan, ledger, settings.policy)
  return {
    members: scan.members,
    deliverable: scan.deliverable,
    adds: scan.adding.seal(),
    removals: scan.removals,
  }
}

/** One of the types ThreatQ names: one string each, not one per member read. */
const TYPES = new Map<string, string>()
function internType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined
  const known = TYPES.get(type)
  if (known !== undefined) return known
  if (TYPES.size < 1000) TYPES.set(type, type)
  return type
}

/** What one placement of a deliverable member changes: nothing, an add, or a scope change too. */
export type PlacementStep =
  | { step: 'skip' }
  | { step: 'unchanged' | 'foreign' }
  | { step: 'add'; reason: string; givenUp: Scope | undefined }

/**
 * The decision for one placement, against what the ledger holds at its list and value (`held`,
 * and whether a member read earlier claimed it this run): a pure function of those.
 */
export function placementStep(
  held: ListLedgerEntry | undefined,
  claimedBefore: boolean,
  member: { id: number; status: string | undefined },
  p: Placement,
  forced: boolean,
): PlacementStep {
  if (held !== undefined && claimedBefore) return { step: 'skip' }
  const given =
    held === undefined || held.foreign === true ? undefined : givenUp(held.scope, p.scope)
  if (
    held !== undefined &&
    given === undefined &&
    held.owner === member.id &&
    held.scope === p.scope &&
    !forced
  )
    return { step: held.foreign === true ? 'foreign' : 'unchanged' }
  return { step: 'add', reason: addReason(held, member, p.list, forced), givenUp: given }
}

function planPlacement(
  scan: Scan,
  ledger: ListLedger,
  summary: RunSummary,
  member: { id: number; status: string | undefined; type: string | undefined },
  p: Placement,
  forced: boolean,
): void {
  if (scan.adding.has(p.list.id, p.value)) return
  const held = ledger.get(p.list.id, p.value)
  const decision = placementStep(held, ledger.claimed(p.list.id, p.value), member, p, forced)
  if (held !== undefined) ledger.claim(p.list.id, p.value)
  if (decision.step === 'skip') return
  if (decision.step !== 'add') {
    ;(decision.step === 'foreign' ? summary.foreign : summary.unchanged).add(p.list.id)
    return
  }
  if (held !== undefined && decision.givenUp !== undefined)
    scan.removals.push({
      entry: held,
      list: p.list,
      scope: decision.givenUp,
      reason: 'protection groups changed',
      replaced: true,
    })
  scan.adding.push({ ...p, owner: member.id, type: member.type, reason: decision.reason })
}

/** The ledger entries no member claimed: removed, or (someone else's) forgotten. */
function planLeavers(scan: Scan, ledger: ListLedger, policy: ListPolicy): void {
  for (const id of [...ledger.lists()]) {
    for (const entry of ledger.ofList(id)) {
      if (ledger.claimed(id, entry.value) || scan.adding.has(id, entry.value)) continue
      const leaving = leaverStep(entry, scan.fates.get(entry.owner), policy)
      if (leaving === undefined) ledger.delete(id, entry.value)
      else scan.removals.push(leaving)
    }
  }
  ledger.releaseClaims()
}

/**
 * What becomes of a ledger entry no member claimed, given what became of its owner: a removal,
 * or undefined for someone else's entry, which is never removed, only no longer of interest.
 */
export function leaverStep(
  entry: ListLedgerEntry,
  fate: string | Fate | undefined,
  policy: ListPolicy,
): Removal | undefined {
  if (entry.foreign === true) return undefined
  // The ledger only holds known lists (ledger.ts readEntry).
  const list = listById(entry.list) as AedList
  return {
    entry,
    list,
    scope: entry.scope,
    reason: removalReason(fate, list, policy),
    replaced: false,
  }
}

/** Why an entry is written this run: what the ledger held at its key before. */
export function addReason(
  held: ListLedgerEntry | undefined,
  member: { id: number; status: string | undefined },
  list: AedList,
  forced: boolean,
): string {
  const why =
    held === undefined
      ? 'joined the data collection'
      : held.owner !== member.id
        ? `now delivered for ThreatQ indicator ${String(member.id)}`
        : forced
          ? 'sent again (--full or --since)'
          : 'protection groups changed'
  return list.action === 'allow'
    ? `${why}; status ${member.status ?? '?'} is in allow_list_statuses`
    : why
}

/**
 * The scopes a change from `held` to `wanted` gives up (a comma list), or undefined when none:
 * only those are removed, so the entry stays in force where both agree.
 */
export function givenUp(held: Scope | undefined, wanted: Scope | undefined): Scope | undefined {
  if (held === undefined || held === wanted) return undefined
  const keep = new Set((wanted ?? '').split(','))
  const dropped = held.split(',').filter((id) => !keep.has(id))
  return dropped.length === 0 ? undefined : dropped.join(',')
}

export function removalReason(
  target: string | Fate | undefined,
  list: AedList,
  policy: ListPolicy,
): string {
  if (target === undefined) return 'left the data collection or deleted'
  if (typeof target === 'string') return target
  if (target.action !== list.action)
    return target.action === 'allow' ? 'moved to the allow list' : 'moved to the deny list'
  if (list.direction === 'inbound' && target.kind === 'host' && !policy.inbound)
    return 'rest_inbound is off'
  return 'value changed'
}
