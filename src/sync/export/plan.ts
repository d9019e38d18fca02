/**
 * The first half of a sync run (docs/architecture.md, "The export ledger"): read the data
 * collection's membership cheaply, fetch the related objects it reaches, and mark in the ledger
 * what AED should hold. What is marked wanted and differs from the ledger is to be sent; what
 * the ledger holds live and is not marked wanted is to be revoked. Nothing is sent here.
 */
import { createHash } from 'node:crypto'
import type { Logger } from '../../log/logger.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { TqCollection, TqObject, TqRef } from '../../threatq/model.js'
import { relatedRefs, toObject } from '../../threatq/records.js'
import { memberFacts } from '../members.js'
import { forEachConcurrent } from '../pool.js'
import {
  flushScanReasons,
  reportInvalid,
  reportUnexported,
  type ScanSinks,
  scanReasons,
} from '../scan-report.js'
import type { RunSummary } from '../summary.js'
import { type ExportContext, relationshipEnds, STIX_TYPE, stixIdOf } from './convert.js'
import { DROPPED, LIVE, REVOKED } from './key-table.js'
import { type Ledger, objectKey, refOfKey, UNKNOWN_VERSION } from './ledger.js'
import { NumberList } from './number-list.js'
import { type ExportPolicy, MARK, verdict } from '../policy/verdict.js'
import { embeddedOf, memberRefs, separateLinks } from './separate-links.js'

/** Collections followed from an object to its related objects (indicators outside the collection are not exported). */
export const RELATED: readonly TqCollection[] = [
  'adversaries',
  'malware',
  'tool',
  'report',
  'attack_pattern',
]

/** Related-object GETs in flight at once: enough to hide ThreatQ's latency, few enough to be polite. */
const RELATED_CONCURRENCY = 8

export interface RelatedEntry {
  object: TqObject
  refs: TqRef[]
  /** Relationship levels from the collection's indicators (1 = linked to one). */
  level: number
}

export interface ReportPlan {
  key: number
  object: TqObject
  refs: string[]
  digest: number
  /** Epoch seconds of the version to send (after the ledger's when only the refs changed). */
  version: number
}

export interface SyncPlan {
  members: number
  exportable: number
  /** Earliest `updated_at` (ms) of an indicator to send; undefined when none is. */
  sendFrom: number | undefined
  indicatorsToSend: number
  related: Map<number, RelatedEntry>
  /** Related objects (not reports) to send, by ledger key. */
  relatedToSend: number[]
  /** Relationships to send: (source key, target key, created ms, generation) tuples. */
  relationships: NumberList
  reports: ReportPlan[]
}

export interface PlanDeps extends ScanSinks {
  threatq: ThreatqClient
  logger: Logger
  onProgress?: ((done: number, total: number | undefined) => void) | undefined
}

export interface PlanSettings {
  collection: DataCollection
  depth: number
  pageSize: number
  /** --full: send every wanted object again. */
  full: boolean
  /** --since: send every member updated at or after it (epoch ms). */
  sendSince: number | undefined
  policy: ExportPolicy
  ctx: ExportContext
}

export const seconds = (ms: number): number => Math.floor(ms / 1000)

/** Two generations in one ledger version: a relationship is re-sent when an end's id changed. */
export const endsVersion = (sourceGen: number, targetGen: number): number =>
  sourceGen * 0x10000 + targetGen

/** The generation an object is (or will be) exported with: a revoked id is never reused. */
export function generationOf(ledger: Ledger, ref: TqRef): number {
  const slot = ledger.objects.find(objectKey(ref.collection, ref.id))
  if (slot < 0) return 0
  return ledger.objects.gen(slot) + (ledger.objects.state(slot) === REVOKED ? 1 : 0)
}

/** Whether a wanted object must be sent (again): new, revoked, changed, or forced. */
export function wantsSend(
  ledger: Ledger,
  slot: number,
  updatedMs: number,
  settings: Pick<PlanSettings, 'full' | 'sendSince'>,
): boolean {
  const objects = ledger.objects
  return (
    settings.full ||
    slot < 0 ||
    objects.state(slot) !== LIVE ||
    objects.version(slot) !== seconds(updatedMs) ||
    (settings.sendSince !== undefined && updatedMs >= settings.sendSince)
  )
}

/**
 * The generation a wanted relationship is sent under. A revoked one, or one whose ends have new
 * ids, needs an id of its own; one the ledger knows only as sent in an unknown version (a run
 * killed before AED answered) is sent again under the same id, as an indicator would be: AED
 * holds that very relationship or nothing, and a new id would leave the stored copy unrevocable.
 */
export function relationshipGeneration(
  state: number,
  gen: number,
  heldVersion: number,
  version: number,
): number {
  if (state === DROPPED) return gen
  if (state === LIVE && (heldVersion === version || heldVersion === UNKNOWN_VERSION)) return gen
  return gen + 1
}

export function refsDigest(refs: readonly string[]): number {
  return createHash('sha256')
    .update([...refs].sort().join('\n'))
    .digest()
    .readUInt32LE(0)
}

export async function planSync(
  deps: PlanDeps,
  ledger: Ledger,
  settings: PlanSettings,
): Promise<SyncPlan> {
  const { threatq, summary } = deps
  const { policy, depth } = settings
  const objects = ledger.objects
  const wantAgain = (slot: number, updatedMs: number): boolean =>
    wantsSend(ledger, slot, updatedMs, settings)

  const plan: SyncPlan = {
    members: 0,
    exportable: 0,
    sendFrom: undefined,
    indicatorsToSend: 0,
    related: new Map(),
    relatedToSend: [],
    relationships: new NumberList(),
    reports: [],
  }
  // The value checks (patterns, guards) of members AED holds at this version passed under this
  // very policy: only status and expiry can have changed, and checking them again cost 40% of a
  // 100,000-indicator rerun that sends nothing.
  const trusted = ledger.savedPolicy === policy.fingerprint
  ledger.policy = policy.fingerprint
  /** (indicator key, related key, indicator created ms) for every exportable member's link. */
  const links = new NumberList()
  const level1 = new Map<number, TqRef>()
  /** Objects to send that the ledger has no entry for: their entries are made as AED stores them. */
  let unseen = 0

  const separate = depth > 0 ? await separateLinks(threatq, RELATED, settings.pageSize) : undefined
  const reasons = scanReasons()
  for await (const page of threatq.members(settings.collection, {
    pageSize: settings.pageSize,
    with: depth > 0 ? embeddedOf(RELATED) : [],
  })) {
    reportInvalid(deps, reasons, page.invalid)
    for (const record of page.records) {
      plan.members++
      // Every member read, whatever becomes of it: a run with nothing to send read them all.
      summary.fetched.add('indicator')
      const member = memberFacts(record)
      const updatedAt = record.updated_at.getTime()
      const key = objectKey('indicators', member.id)
      const slot = objects.find(key)
      const judged =
        trusted &&
        slot >= 0 &&
        objects.state(slot) === LIVE &&
        objects.version(slot) === seconds(updatedAt)
      const decision = verdict(member, policy, judged)
      if (!decision.ok) {
        if (slot >= 0) objects.setMark(slot, decision.code)
        reportUnexported(deps, reasons, member, decision)
        continue
      }
      plan.exportable++
      if (slot >= 0) objects.setMark(slot, MARK.exportable)
      if (wantAgain(slot, updatedAt)) {
        if (slot < 0) unseen++
        plan.indicatorsToSend++
        plan.sendFrom = Math.min(plan.sendFrom ?? Infinity, updatedAt)
      } else summary.unchanged.add('indicator')
      if (depth > 0) {
        const createdAt = record.created_at.getTime()
        for (const ref of memberRefs(record, separate)) {
          const relatedKey = objectKey(ref.collection, ref.id)
          links.push(key, relatedKey, createdAt)
          level1.set(relatedKey, ref)
        }
      }
    }
    deps.onProgress?.(plan.members + page.invalid.length, page.total)
  }
  flushScanReasons(reasons, deps.logger)

  if (depth > 0) await fetchRelated(threatq, summary, plan.related, [...level1.values()], 1, depth)

  const ctx = settings.ctx
  const gen = (ref: TqRef): number => generationOf(ledger, ref)
  const reportRefs = new Map<number, Set<string>>()
  const addRelationship = (a: TqRef, b: TqRef, created: number): void => {
    const [source, target] = relationshipEnds(a, b, ctx.host)
    const sourceKey = objectKey(source.collection, source.id)
    const targetKey = objectKey(target.collection, target.id)
    const table = ledger.relationships
    const slot = table.slot(sourceKey, targetKey)
    if (table.mark(slot) === MARK.exportable) return
    table.setMark(slot, MARK.exportable)
    const version = endsVersion(gen(source), gen(target))
    const state = table.state(slot)
    const current = state === LIVE && table.version(slot) === version
    if (current && !settings.full) {
      summary.unchanged.add('relationship')
      return
    }
    plan.relationships.push(
      sourceKey,
      targetKey,
      created,
      relationshipGeneration(state, table.gen(slot), table.version(slot), version),
    )
  }
  /** Links two exported objects: a report gains an object ref, anything else a relationship. */
  const link = (a: TqRef, b: TqRef, created: number): void => {
    const report = a.collection === 'report' ? a : b.collection === 'report' ? b : undefined
    if (report === undefined) {
      addRelationship(a, b, created)
      return
    }
    const other = report === a ? b : a
    if (other.collection === 'report') return
    const key = objectKey('report', report.id)
    let refs = reportRefs.get(key)
    if (refs === undefined) reportRefs.set(key, (refs = new Set()))
    refs.add(stixIdOf(other, ctx.host, gen(other)))
  }

  for (let i = 0; i < links.length; i += 3) {
    const entry = plan.related.get(links.at(i + 1))
    if (entry === undefined) continue
    link(
      refOfKey(links.at(i)),
      entry.object,
      Math.max(links.at(i + 2), entry.object.createdAt.getTime()),
    )
  }
  for (const [key, entry] of plan.related) {
    if (entry.level < depth)
      for (const ref of entry.refs) {
        const target = plan.related.get(objectKey(ref.collection, ref.id))
        if (target === undefined) continue
        link(
          entry.object,
          target.object,
          Math.max(entry.object.createdAt.getTime(), target.object.createdAt.getTime()),
        )
      }
    if (entry.object.collection === 'report') continue
    const slot = objects.find(key)
    if (slot >= 0) objects.setMark(slot, MARK.exportable)
    const updated = entry.object.updatedAt.getTime()
    if (wantAgain(slot, updated)) {
      if (slot < 0) unseen++
      plan.relatedToSend.push(key)
    } else summary.unchanged.add(STIX_TYPE[entry.object.collection])
  }
  for (const [key, entry] of plan.related) {
    if (entry.object.collection !== 'report') continue
    const refs = [...(reportRefs.get(key) ?? [])]
    if (refs.length === 0) {
      summary.skipped.add('report with no exported objects')
      continue
    }
    const slot = objects.find(key)
    if (slot >= 0) objects.setMark(slot, MARK.exportable)
    const digest = refsDigest(refs)
    const updated = seconds(entry.object.updatedAt.getTime())
    const sameRefs = ledger.reports.get(key) === digest
    // A version the ledger does not know (a killed run's intent) is no version to be newer than.
    const held =
      slot >= 0 && objects.state(slot) === LIVE && objects.version(slot) !== UNKNOWN_VERSION
        ? objects.version(slot)
        : undefined
    const forced =
      settings.full || (settings.sendSince !== undefined && updated * 1000 >= settings.sendSince)
    if (!forced && held !== undefined && sameRefs && held >= updated) {
      summary.unchanged.add('report')
      continue
    }
    // Only the refs changed: the new version must still be newer than the one AED holds.
    const version = held === undefined || updated > held ? updated : sameRefs ? held : held + 1
    if (slot < 0) unseen++
    plan.reports.push({ key, object: entry.object, refs, digest, version })
  }
  // Room for them now, in one step, rather than growing while the run sends (docs/performance.md).
  objects.reserve(unseen)
  return plan
}

/**
 * Fetches the related objects not seen yet, several at a time, then what they relate to, until
 * `level` reaches the depth. Each object is fetched once, at the level it is first met.
 */
async function fetchRelated(
  threatq: ThreatqClient,
  summary: RunSummary,
  related: Map<number, RelatedEntry>,
  refs: readonly TqRef[],
  level: number,
  depth: number,
): Promise<void> {
  const fresh = new Map<number, TqRef>()
  for (const ref of refs) {
    if (ref.collection === 'indicators') continue
    const key = objectKey(ref.collection, ref.id)
    if (!related.has(key) && !fresh.has(key)) fresh.set(key, ref)
  }
  const next: TqRef[] = []
  await forEachConcurrent([...fresh], RELATED_CONCURRENCY, async ([key, ref]) => {
    const record = await threatq.getObject(ref.collection, ref.id, level < depth ? RELATED : [])
    if (record === undefined) {
      summary.skipped.add('related object not found')
      return
    }
    const refsOf = relatedRefs(record)
    related.set(key, { object: toObject(ref.collection, record), refs: refsOf, level })
    summary.fetched.add(STIX_TYPE[ref.collection])
    if (level < depth) next.push(...refsOf)
  })
  if (next.length > 0) await fetchRelated(threatq, summary, related, next, level + 1, depth)
}
