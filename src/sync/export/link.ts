/**
 * The part of a sync plan that follows the links: which relationships between exported objects
 * are new or re-sent, which related objects changed, and which reports (an object ref for each
 * exported object they link to) are sent in a new version. Each decision is a function of the
 * ledger and the objects fetched; each marks the ledger entry it keeps.
 */
import type { TqObject, TqRef } from '../../threatq/model.js'
import type { RunSummary } from '../summary.js'
import { relationshipEnds, STIX_TYPE, stixIdOf } from './convert.js'
import { LIVE } from './key-table.js'
import { type Ledger, objectKey, refOfKey, UNKNOWN_VERSION } from './ledger.js'
import type { NumberList } from './number-list.js'
import { MARK } from '../policy/verdict.js'
import {
  endsVersion,
  generationOf,
  type PlanSettings,
  type RelatedEntry,
  relationshipGeneration,
  type ReportPlan,
  refsDigest,
  type SendForce,
  seconds,
  type SyncPlan,
  wantsSend,
} from './sync-plan.js'

export type LinkSettings = Pick<PlanSettings, 'depth' | 'full' | 'sendSince' | 'ctx'>

/**
 * A relationship met (again) this run: `seen` when another link already made it, `unchanged`
 * when AED holds it with its ends' current ids (and no --full), else the generation to send it
 * under. Marks it exportable.
 */
export function judgeRelationship(
  ledger: Ledger,
  sourceKey: number,
  targetKey: number,
  version: number,
  full: boolean,
): 'seen' | 'unchanged' | number {
  const table = ledger.relationships
  const slot = table.slot(sourceKey, targetKey)
  if (table.mark(slot) === MARK.exportable) return 'seen'
  table.setMark(slot, MARK.exportable)
  const state = table.state(slot)
  if (state === LIVE && table.version(slot) === version && !full) return 'unchanged'
  return relationshipGeneration(state, table.gen(slot), table.version(slot), version)
}

/**
 * A report's version to send, or undefined when AED holds it as it is: `held` is the version AED
 * holds (undefined: none, or one the ledger does not know), `updated` ThreatQ's (epoch seconds).
 * When only the refs changed, the new version must still be newer than the one AED holds.
 */
export function reportVersion(
  held: number | undefined,
  updated: number,
  sameRefs: boolean,
  forced: boolean,
): number | undefined {
  if (!forced && held !== undefined && sameRefs && held >= updated) return undefined
  return held === undefined || updated > held ? updated : sameRefs ? held : held + 1
}

/**
 * A report against the ledger: skipped when it links to no exported object, unchanged, or the
 * version to send with its refs. Marks it exportable unless skipped.
 */
export function judgeReport(
  ledger: Ledger,
  key: number,
  object: TqObject,
  refs: string[],
  force: SendForce,
): 'skipped' | 'unchanged' | ReportPlan {
  if (refs.length === 0) return 'skipped'
  const objects = ledger.objects
  const slot = objects.find(key)
  if (slot >= 0) objects.setMark(slot, MARK.exportable)
  const digest = refsDigest(refs)
  const updated = seconds(object.updatedAt.getTime())
  // A version the ledger does not know (a killed run's intent) is no version to be newer than.
  const held =
    slot >= 0 && objects.state(slot) === LIVE && objects.version(slot) !== UNKNOWN_VERSION
      ? objects.version(slot)
      : undefined
  const forced = force.full || (force.sendSince !== undefined && updated * 1000 >= force.sendSince)
  const version = reportVersion(held, updated, ledger.reports.get(key) === digest, forced)
  if (version === undefined) return 'unchanged'
  return { key, object, refs, digest, version }
}

/**
 * Relationships, related objects and reports to send, from the scan's links and the related
 * objects fetched. Answers how many of them the ledger has no entry for.
 */
export function planLinks(
  ledger: Ledger,
  plan: SyncPlan,
  links: NumberList,
  settings: LinkSettings,
  summary: Pick<RunSummary, 'unchanged' | 'skipped'>,
): number {
  const linker = new Linker(ledger, plan, settings, summary)
  for (let i = 0; i < links.length; i += 3) {
    const entry = plan.related.get(links.at(i + 1))
    if (entry === undefined) continue
    linker.link(
      refOfKey(links.at(i)),
      entry.object,
      Math.max(links.at(i + 2), entry.object.createdAt.getTime()),
    )
  }
  let unseen = 0
  for (const [key, entry] of plan.related) {
    if (entry.level < settings.depth) linker.linkRelated(entry)
    if (entry.object.collection === 'report') continue
    const slot = ledger.objects.find(key)
    if (slot >= 0) ledger.objects.setMark(slot, MARK.exportable)
    if (wantsSend(ledger, slot, entry.object.updatedAt.getTime(), settings)) {
      if (slot < 0) unseen++
      plan.relatedToSend.push(key)
    } else summary.unchanged.add(STIX_TYPE[entry.object.collection])
  }
  for (const [key, entry] of plan.related) {
    if (entry.object.collection !== 'report') continue
    const judged = judgeReport(ledger, key, entry.object, linker.refsOf(key), settings)
    if (judged === 'skipped') summary.skipped.add('report with no exported objects')
    else if (judged === 'unchanged') summary.unchanged.add('report')
    else {
      if (ledger.objects.find(key) < 0) unseen++
      plan.reports.push(judged)
    }
  }
  return unseen
}

/** Links two exported objects: a report gains an object ref, anything else a relationship. */
class Linker {
  private readonly reportRefs = new Map<number, Set<string>>()

  constructor(
    private readonly ledger: Ledger,
    private readonly plan: SyncPlan,
    private readonly settings: LinkSettings,
    private readonly summary: Pick<RunSummary, 'unchanged'>,
  ) {}

  private gen(ref: TqRef): number {
    return generationOf(this.ledger, ref)
  }

  link(a: TqRef, b: TqRef, created: number): void {
    const report = a.collection === 'report' ? a : b.collection === 'report' ? b : undefined
    if (report === undefined) {
      this.relate(a, b, created)
      return
    }
    const other = report === a ? b : a
    if (other.collection === 'report') return
    const key = objectKey('report', report.id)
    let refs = this.reportRefs.get(key)
    if (refs === undefined) this.reportRefs.set(key, (refs = new Set()))
    refs.add(stixIdOf(other, this.settings.ctx.host, this.gen(other)))
  }

  /** Links a related object to what it relates to, among the objects fetched. */
  linkRelated(entry: RelatedEntry): void {
    for (const ref of entry.refs) {
      const target = this.plan.related.get(objectKey(ref.collection, ref.id))
      if (target === undefined) continue
      this.link(
        entry.object,
        target.object,
        Math.max(entry.object.createdAt.getTime(), target.object.createdAt.getTime()),
      )
    }
  }

  refsOf(key: number): string[] {
    return [...(this.reportRefs.get(key) ?? [])]
  }

  private relate(a: TqRef, b: TqRef, created: number): void {
    const [source, target] = relationshipEnds(a, b, this.settings.ctx.host)
    const sourceKey = objectKey(source.collection, source.id)
    const targetKey = objectKey(target.collection, target.id)
    const version = endsVersion(this.gen(source), this.gen(target))
    const judged = judgeRelationship(this.ledger, sourceKey, targetKey, version, this.settings.full)
    if (judged === 'seen') return
    if (judged === 'unchanged') this.summary.unchanged.add('relationship')
    else this.plan.relationships.push(sourceKey, targetKey, created, judged)
  }
}
