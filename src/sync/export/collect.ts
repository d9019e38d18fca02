/**
 * The second half of a sync run: the STIX objects the plan says AED lacks, as a stream of arrays
 * (an async step per object cost more than converting it: docs/performance.md, "Session 4: pages
 * and worker conversion"). Changed related objects first, then the indicators to send, read in full
 * from ThreatQ only from the earliest one's `updated_at` on, then new relationships and changed
 * reports. Each object is tracked with the ledger update that lands once AED commits it.
 */
import type { AuditEvent } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import type { StixObject } from '../../stix/types.js'
import type { ThreatqClient } from '../../threatq/client.js'
import type { TqObject } from '../../threatq/model.js'
import { toObject } from '../../threatq/records.js'
import { isoMillis } from '../../utc.js'
import { memberFacts } from '../members.js'
import type { RunSummary } from '../summary.js'
import {
  convertIndicator,
  convertRelated,
  convertRelationship,
  type ExportContext,
} from './convert.js'
import { LIVE } from './key-table.js'
import { type Ledger, type LedgerUpdate, objectKey, refOfKey, UPDATE } from './ledger.js'
import { MARK, verdict } from '../policy/verdict.js'
import {
  endsVersion,
  generationOf,
  type PlanSettings,
  seconds,
  type SyncPlan,
  wantsSend,
} from './sync-plan.js'

export interface CollectDeps {
  threatq: ThreatqClient
  logger: Logger
  summary: RunSummary
  /** `event`: the block to record in the audit trail once AED stored the object. */
  track: (id: string, updates: LedgerUpdate[], event?: AuditEvent) => void
}

/** Why an indicator is sent: what the ledger knew of it before this run. */
export function blockReason(ledger: Ledger, slot: number, updatedMs: number): string {
  if (slot < 0) return 'joined the data collection'
  if (ledger.objects.state(slot) !== LIVE)
    return 'exportable again (back in the data collection, or its status or expiry changed)'
  if (ledger.objects.version(slot) !== seconds(updatedMs)) return 'changed in ThreatQ'
  return 'sent again (--full or --since)'
}

/** The plan's settings but its depth: the plan already read the related objects. */
export type CollectSettings = Omit<PlanSettings, 'depth'>

/** Objects per yielded array for the lists the plan holds (relationships, related objects). */
const CHUNK = 1000

/** What the parts of a collection share: the queue of objects to yield, and how one joins it. */
interface Collecting {
  threatq: ThreatqClient
  ledger: Ledger
  ctx: ExportContext
  queue: StixObject[]
  track: CollectDeps['track']
  /** Queues an object, after the marking definitions it needs that were not sent yet. */
  emit: (object: StixObject, extra?: readonly StixObject[]) => void
  /** The ledger update of an object stored at a version. */
  objectUpdate: (object: TqObject, version: number) => LedgerUpdate
}

function collecting(deps: CollectDeps, ledger: Ledger, settings: CollectSettings): Collecting {
  const { threatq, summary, track } = deps
  const { ctx } = settings
  const queue: StixObject[] = []
  const markings = new Set<string>()
  const emit = (object: StixObject, extra: readonly StixObject[] = []): void => {
    for (const m of extra)
      if (!markings.has(m.id)) {
        markings.add(m.id)
        summary.sent.add(m.type)
        queue.push(m)
      }
    summary.sent.add(object.type)
    queue.push(object)
  }
  const objectUpdate = (object: TqObject, version: number): LedgerUpdate => ({
    kind: UPDATE.OBJECT,
    a: objectKey(object.collection, object.id),
    b: 0,
    state: LIVE,
    gen: generationOf(ledger, object),
    version,
  })
  return { threatq, ledger, ctx, queue, track, emit, objectUpdate }
}

export async function* collectExport(
  deps: CollectDeps,
  ledger: Ledger,
  plan: SyncPlan,
  settings: CollectSettings,
): AsyncGenerator<StixObject[]> {
  const collect = collecting(deps, ledger, settings)
  yield* relatedObjects(collect, plan)
  yield* indicators(collect, plan, settings)
  yield* relationships(collect, plan)
  reports(collect, plan)
  if (collect.queue.length > 0) yield collect.queue.splice(0)
}

/** Changed related objects (not reports). */
function* relatedObjects(collect: Collecting, plan: SyncPlan): Generator<StixObject[]> {
  const { queue, emit, track, objectUpdate, ctx } = collect
  for (const key of plan.relatedToSend) {
    const entry = plan.related.get(key)
    if (entry === undefined) continue
    const converted = convertRelated(entry.object, ctx)
    emit(converted.object, converted.markings)
    track(converted.object.id, [
      objectUpdate(entry.object, seconds(entry.object.updatedAt.getTime())),
    ])
    if (queue.length >= CHUNK) yield queue.splice(0)
  }
  if (queue.length > 0) yield queue.splice(0)
}

/** The indicators to send, read in full from the earliest one's `updated_at` on. */
async function* indicators(
  collect: Collecting,
  plan: SyncPlan,
  settings: CollectSettings,
): AsyncGenerator<StixObject[]> {
  const { threatq, ledger, queue, emit, track, objectUpdate, ctx } = collect
  if (plan.sendFrom !== undefined) {
    const pages = threatq.query('indicators', settings.collection.query, {
      // The query's +gt is second-precise: ask from a second earlier.
      updatedAfter: new Date(plan.sendFrom - 1000),
      pageSize: settings.pageSize,
    })
    for await (const page of pages) {
      for (const record of page.records) {
        const slot = ledger.objects.find(objectKey('indicators', record.id))
        // An entry the scan did not mark wanted is being revoked, or was counted as skipped.
        if (slot >= 0 && ledger.objects.mark(slot) !== MARK.exportable) continue
        const updated = record.updated_at.getTime()
        if (!wantsSend(ledger, slot, updated, settings)) continue
        const indicator = toObject('indicators', record)
        // New since the scan: the same verdict, counted there if it was seen there. Its read
        // is the scan's (`fetched` counts each member once), not this one.
        if (!verdict(memberFacts(record), settings.policy).ok) continue
        const converted = convertIndicator(indicator, ctx)
        if (!converted.ok) continue
        emit(converted.object, converted.markings)
        track(converted.object.id, [objectUpdate(indicator, seconds(updated))], {
          action: 'block',
          value: typeof converted.object.name === 'string' ? converted.object.name : indicator.name,
          type: indicator.type,
          threatq_id: indicator.id,
          stix_id: converted.object.id,
          reason: blockReason(ledger, slot, updated),
        })
      }
      if (queue.length > 0) yield queue.splice(0)
    }
  }
}

/** New relationships, and those re-sent under a new id. */
function* relationships(collect: Collecting, plan: SyncPlan): Generator<StixObject[]> {
  const { ledger, queue, emit, track, ctx } = collect
  const rels = plan.relationships
  for (let i = 0; i < rels.length; i += 4) {
    const source = refOfKey(rels.at(i))
    const target = refOfKey(rels.at(i + 1))
    const createdAt = new Date(rels.at(i + 2))
    const generation = rels.at(i + 3)
    const relationship = convertRelationship(
      { ...source, createdAt },
      { ...target, createdAt },
      ctx,
      generation,
    )
    emit(relationship)
    track(relationship.id, [
      {
        kind: UPDATE.RELATIONSHIP,
        a: rels.at(i),
        b: rels.at(i + 1),
        state: LIVE,
        gen: generation,
        version: endsVersion(generationOf(ledger, source), generationOf(ledger, target)),
      },
    ])
    if (queue.length >= CHUNK) yield queue.splice(0)
  }
}

/** Changed reports, each with its object refs (queued: the caller yields them). */
function reports(collect: Collecting, plan: SyncPlan): void {
  const { emit, track, objectUpdate, ctx } = collect
  for (const report of plan.reports) {
    const converted = convertRelated(report.object, ctx, report.refs)
    if (report.version > seconds(report.object.updatedAt.getTime()))
      converted.object.modified = isoMillis(report.version * 1000)
    emit(converted.object, converted.markings)
    track(converted.object.id, [
      objectUpdate(report.object, report.version),
      {
        kind: UPDATE.REPORT_DIGEST,
        a: report.key,
        b: 0,
        state: LIVE,
        gen: 0,
        version: report.digest,
      },
    ])
  }
}
