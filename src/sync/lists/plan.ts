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
import { entryKey, type ListLedger, type ListLedgerEntry } from './ledger.js'
import { type ListPolicy, type Placement, placements, targetOf } from './targets.js'

/** An entry AED should hold: checked against AED, then added unless it is there already. */
export type Want = Placement & {
  owner: number
  /** The owner's ThreatQ type, and why the entry is written (for the audit trail). */
  type?: string | undefined
  reason?: string | undefined
}

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
  adds: Want[]
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

export async function planLists(
  deps: {
    threatq: ThreatqClient
    logger: Logger
    summary: RunSummary
    audit: AuditSink
    onProgress?: ((done: number, total: number | undefined) => void) | undefined
    onRefusal?: ((refusal: { id: number; value: string; reason: string }) => void) | undefined
  },
  ledger: ListLedger,
  settings: ListPlanSettings,
): Promise<ListPlan> {
  const { threatq, summary } = deps
  const owners = new Set<number>()
  for (const entry of ledger.entries.values()) owners.add(entry.owner)
  /**
   * What became of each member that owns a ledger entry, for the reasons of removals: the reason
   * it is not delivered, or what it is (one shared object per action and kind: no object per
   * member).
   */
  const fates = new Map<number, string | Fate>()
  /** Ledger entries a member claimed this run. */
  const claimed = new Set<ListLedgerEntry>()
  /** Entries to add, by ledger key. */
  const adding = new Map<string, Want>()
  const plan: ListPlan = { members: 0, deliverable: 0, adds: [], removals: [] }
  const reasons = scanReasons()

  // Members come in id order (the query sorts by id): the first to claim an entry is the oldest,
  // and two indicators AED stores as one value share one entry named after the older.
  for await (const page of threatq.members(settings.collection, {
    pageSize: settings.pageSize,
    with: [],
  })) {
    reportInvalid(deps, reasons, page.invalid)
    for (const record of page.records) {
      plan.members++
      summary.fetched.add('indicator')
      const member = memberFacts(record)
      const target = targetOf(member, settings.policy)
      if (owners.has(member.id))
        fates.set(member.id, target.ok ? FATES[target.action][target.kind] : target.reason)
      if (!target.ok) {
        reportUnexported(deps, reasons, member, target)
        continue
      }
      plan.deliverable++
      const forced =
        settings.full ||
        (settings.sendSince !== undefined && record.updated_at.getTime() >= settings.sendSince)
      for (const p of placements(target, settings.policy, settings.scope)) {
        const key = entryKey(p.list.id, p.value)
        if (adding.has(key)) continue
        const held = ledger.entries.get(key)
        if (held !== undefined) {
          if (claimed.has(held)) continue
          claimed.add(held)
          const given = held.foreign === true ? undefined : givenUp(held.scope, p.scope)
          if (given !== undefined)
            plan.removals.push({
              entry: held,
              list: p.list,
              scope: given,
              reason: 'protection groups changed',
              replaced: true,
            })
          else if (held.owner === member.id && held.scope === p.scope && !forced) {
            if (held.foreign === true) summary.foreign.add(p.list.id)
            else summary.unchanged.add(p.list.id)
            continue
          }
        }
        adding.set(key, {
          ...p,
          owner: member.id,
          type: member.type,
          reason: addReason(held, member, p.list, forced),
        })
      }
    }
    deps.onProgress?.(plan.members + page.invalid.length, page.total)
  }
  flushScanReasons(reasons, deps.logger)

  plan.adds = [...adding.values()]
  for (const [key, entry] of ledger.entries) {
    if (claimed.has(entry) || adding.has(key)) continue
    // Someone else's entry is never removed: it is only no longer of interest.
    if (entry.foreign === true) {
      ledger.entries.delete(key)
      continue
    }
    // The ledger only holds known lists (ledger.ts readEntry).
    const list = listById(entry.list) as AedList
    plan.removals.push({
      entry,
      list,
      scope: entry.scope,
      reason: removalReason(fates.get(entry.owner), list, settings.policy),
      replaced: false,
    })
  }
  return plan
}

/** Why an entry is written this run: what the ledger held at its key before. */
function addReason(
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
function givenUp(held: Scope | undefined, wanted: Scope | undefined): Scope | undefined {
  if (held === undefined || held === wanted) return undefined
  const keep = new Set((wanted ?? '').split(','))
  const dropped = held.split(',').filter((id) => !keep.has(id))
  return dropped.length === 0 ? undefined : dropped.join(',')
}

interface Fate {
  action: 'deny' | 'allow'
  kind: 'host' | 'domain' | 'url'
}
const fate = (action: Fate['action']) => ({
  host: { action, kind: 'host' } as const,
  domain: { action, kind: 'domain' } as const,
  url: { action, kind: 'url' } as const,
})
const FATES = { deny: fate('deny'), allow: fate('allow') }

function removalReason(
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
