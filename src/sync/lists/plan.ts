/**
 * The first half of a list delivery: scan the data collection's membership, decide each
 * member's list entries, and compare them with the ledger. Nothing is sent here.
 */
import type { AedList, Scope } from '../../aed/lists.js'
import { listById } from '../../aed/lists.js'
import type { Logger } from '../../http/logger.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import { nameOf } from '../../threatq/records.js'
import type { RunSummary } from '../summary.js'
import { entryKey, type ListLedger, type ListLedgerEntry } from './ledger.js'
import { type ListPolicy, placements, type Target, targetOf } from './targets.js'

/** An entry AED should hold: checked against AED, then added unless it is there already. */
export interface Want {
  list: AedList
  value: string
  owner: number
  scope: Scope | undefined
}

/** An entry of the ledger AED should no longer hold. */
export interface Removal {
  entry: ListLedgerEntry
  list: AedList
  reason: string
  /** Removed only to be added again in another scope: not counted by the mass-removal guard. */
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
    onProgress?: ((done: number, total: number | undefined) => void) | undefined
    onRefusal?: ((refusal: { id: number; value: string; reason: string }) => void) | undefined
  },
  ledger: ListLedger,
  settings: ListPlanSettings,
): Promise<ListPlan> {
  const { threatq, logger, summary } = deps
  const owners = new Set<number>()
  for (const entry of ledger.entries.values()) owners.add(entry.owner)
  /** What became of each member that owns a ledger entry, for the reasons of removals. */
  const ownerTargets = new Map<number, Target>()
  const wanted = new Map<string, Want & { forced: boolean }>()
  const plan: ListPlan = { members: 0, deliverable: 0, adds: [], removals: [] }

  for await (const page of threatq.members(settings.collection.query, {
    pageSize: settings.pageSize,
    with: [],
  })) {
    for (const bad of page.invalid) {
      summary.skipped.add('invalid ThreatQ record')
      logger.warn(
        { id: bad.id, reason: bad.reason },
        'skipped an indicator record ThreatQ sent malformed',
      )
    }
    for (const record of page.records) {
      plan.members++
      summary.fetched.add('indicator')
      const member = {
        id: record.id,
        value: record.value ?? '',
        type: nameOf(record.type),
        status: nameOf(record.status),
        expiresAt: record.expires_at?.getTime(),
      }
      const target = targetOf(member, settings.policy)
      if (owners.has(member.id)) ownerTargets.set(member.id, target)
      if (!target.ok) {
        if (target.kind === 'refused') {
          summary.refused.add(target.reason)
          logger.info(
            { id: member.id, value: member.value, reason: target.reason },
            'indicator refused',
          )
          deps.onRefusal?.({ id: member.id, value: member.value, reason: target.reason })
        } else {
          summary.skipped.add(target.reason)
          logger.info(
            { id: member.id, type: member.type, reason: target.detail ?? target.reason },
            `indicator skipped: ${target.reason}`,
          )
        }
        continue
      }
      plan.deliverable++
      const forced =
        settings.full ||
        (settings.sendSince !== undefined && record.updated_at.getTime() >= settings.sendSince)
      for (const p of placements(target, settings.policy, settings.scope)) {
        const key = entryKey(p.list.id, p.value)
        const existing = wanted.get(key)
        // Two indicators AED stores as one value: the entry names the older one.
        if (existing === undefined || member.id < existing.owner)
          wanted.set(key, { ...p, owner: member.id, forced: forced || existing?.forced === true })
        else if (forced) existing.forced = true
      }
    }
    deps.onProgress?.(plan.members + page.invalid.length, page.total)
  }

  for (const [key, want] of wanted) {
    const held = ledger.entries.get(key)
    if (held !== undefined && held.scope !== want.scope && held.foreign !== true)
      plan.removals.push({
        entry: held,
        list: want.list,
        reason: 'protection groups changed',
        replaced: true,
      })
    else if (held?.owner === want.owner && held.scope === want.scope && !want.forced) {
      if (held.foreign === true) summary.foreign.add(want.list.id)
      else summary.unchanged++
      continue
    }
    plan.adds.push({ list: want.list, value: want.value, owner: want.owner, scope: want.scope })
  }
  for (const [key, entry] of ledger.entries) {
    if (wanted.has(key)) continue
    // Someone else's entry is never removed: it is only no longer of interest.
    if (entry.foreign === true) {
      ledger.entries.delete(key)
      continue
    }
    const list = listById(entry.list)
    if (list === undefined) continue
    plan.removals.push({
      entry,
      list,
      reason: removalReason(ownerTargets.get(entry.owner), list, settings.policy),
      replaced: false,
    })
  }
  return plan
}

function removalReason(target: Target | undefined, list: AedList, policy: ListPolicy): string {
  if (target === undefined) return 'left the data collection or deleted'
  if (!target.ok) return target.reason
  if (target.action !== list.action)
    return target.action === 'allow' ? 'moved to the allow list' : 'moved to the deny list'
  if (list.direction === 'inbound' && target.kind === 'host' && !policy.inbound)
    return 'rest_inbound is off'
  return 'value changed'
}
