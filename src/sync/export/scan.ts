/**
 * The membership scan of a sync run: every member of the data collection is read once, cheaply,
 * judged by the policy against the ledger (marking its entry), and counted; the links of the
 * exportable ones are kept for the related objects and relationships (link.ts).
 */
import type { DataCollection } from '../../threatq/client.js'
import type { TqRef } from '../../threatq/model.js'
import type { TqRecord } from '../../threatq/records.js'
import { type MemberFacts, memberFacts } from '../members.js'
import { flushScanReasons, reportInvalid, reportUnexported, scanReasons } from '../scan-report.js'
import { LIVE } from './key-table.js'
import { type Ledger, objectKey } from './ledger.js'
import { NumberList } from './number-list.js'
import { type ExportPolicy, MARK, type Verdict, verdict } from '../policy/verdict.js'
import { embeddedOf, memberRefs, type SeparateLinks, separateLinks } from './separate-links.js'
import {
  type PlanDeps,
  type PlanSettings,
  RELATED,
  type SendForce,
  seconds,
  type SyncPlan,
  wantsSend,
} from './sync-plan.js'

/** A member the policy does not export: why, and the mark its ledger entry gets. */
export type Unexported = Extract<Verdict, { ok: false }>

/** What the scan keeps beyond the plan's counts. */
export interface ScanFindings {
  /** (indicator key, related key, indicator created ms) for every exportable member's link. */
  links: NumberList
  /** The related objects the exportable members link to: level 1 of the related fetch. */
  level1: Map<number, TqRef>
  /** Objects to send that the ledger has no entry for: their entries are made as AED stores them. */
  unseen: number
}

/**
 * One member against the ledger: marks its entry with the verdict, and answers why it is not
 * exported, or whether it is to be sent (new, exportable again, changed, --full, --since: true)
 * or AED holds it as it is (false). `trusted`: the ledger was saved under this very policy, so
 * the value checks of a member AED holds at this version passed already (docs/performance.md).
 */
export function judgeMember(
  ledger: Ledger,
  slot: number,
  member: MemberFacts,
  updatedAt: number,
  policy: ExportPolicy,
  trusted: boolean,
  force: SendForce,
): Unexported | boolean {
  const objects = ledger.objects
  const judged =
    trusted &&
    slot >= 0 &&
    objects.state(slot) === LIVE &&
    objects.version(slot) === seconds(updatedAt)
  const decision = verdict(member, policy, judged)
  if (!decision.ok) {
    if (slot >= 0) objects.setMark(slot, decision.code)
    return decision
  }
  if (slot >= 0) objects.setMark(slot, MARK.exportable)
  return wantsSend(ledger, slot, updatedAt, force)
}

/** Counts an exportable member in the plan: one more to send (from its `updated_at`) or not. */
export function countExportable(
  plan: SyncPlan,
  found: ScanFindings,
  send: boolean,
  known: boolean,
  updatedAt: number,
): void {
  plan.exportable++
  if (!send) return
  if (!known) found.unseen++
  plan.indicatorsToSend++
  plan.sendFrom = Math.min(plan.sendFrom ?? Infinity, updatedAt)
}

/** Reads the membership into the plan's counts and the ledger's marks. */
export async function scanMembers(
  deps: PlanDeps,
  ledger: Ledger,
  settings: PlanSettings,
  plan: SyncPlan,
): Promise<ScanFindings> {
  const { threatq, summary } = deps
  const { policy, depth } = settings
  // The value checks (patterns, guards) of members AED holds at this version passed under this
  // very policy: only status and expiry can have changed, and checking them again cost 40% of a
  // 100,000-indicator rerun that sends nothing.
  const trusted = ledger.savedPolicy === policy.fingerprint
  ledger.policy = policy.fingerprint
  const found: ScanFindings = { links: new NumberList(), level1: new Map(), unseen: 0 }
  const separate = depth > 0 ? await separateLinks(threatq, RELATED, settings.pageSize) : undefined
  const reasons = scanReasons()
  for await (const page of memberPages(deps, settings)) {
    reportInvalid(deps, reasons, page.invalid)
    for (const record of page.records) {
      plan.members++
      // Every member read, whatever becomes of it: a run with nothing to send read them all.
      summary.fetched.add('indicator')
      const member = memberFacts(record)
      const updatedAt = record.updated_at.getTime()
      const key = objectKey('indicators', member.id)
      const slot = ledger.objects.find(key)
      const judged = judgeMember(ledger, slot, member, updatedAt, policy, trusted, settings)
      if (typeof judged !== 'boolean') {
        reportUnexported(deps, reasons, member, judged)
        continue
      }
      countExportable(plan, found, judged, slot >= 0, updatedAt)
      if (!judged) summary.unchanged.add('indicator')
      if (depth > 0) keepLinks(found, key, record, separate)
    }
    deps.onProgress?.(plan.members + page.invalid.length, page.total)
  }
  flushScanReasons(reasons, deps.logger)
  return found
}

function memberPages(
  deps: PlanDeps,
  settings: Pick<PlanSettings, 'collection' | 'depth' | 'pageSize'>,
) {
  const collection: DataCollection = settings.collection
  return deps.threatq.members(collection, {
    pageSize: settings.pageSize,
    with: settings.depth > 0 ? embeddedOf(RELATED) : [],
  })
}

/** Keeps an exportable member's links: to follow (level 1), and to relate once fetched. */
export function keepLinks(
  found: Pick<ScanFindings, 'links' | 'level1'>,
  key: number,
  record: TqRecord,
  separate: SeparateLinks | undefined,
): void {
  const createdAt = record.created_at.getTime()
  for (const ref of memberRefs(record, separate)) {
    const relatedKey = objectKey(ref.collection, ref.id)
    found.links.push(key, relatedKey, createdAt)
    found.level1.set(relatedKey, ref)
  }
}
