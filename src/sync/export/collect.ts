/**
 * Streams the STIX objects of one export: the data collection's indicators page by page, the
 * objects related to them up to the relationship depth (breadth of ThreatQ relations, each object
 * fetched once), the relationships between them, and the reports last (their object_refs are the
 * related objects in this export). Memory holds the related objects and one page of converted
 * objects, not the indicators. Objects travel in arrays, one per page: an async generator step per
 * object cost more than converting it (docs/performance.md, session 4).
 */
import type { Logger } from '../../http/logger.js'
import type { StixObject } from '../../stix/types.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { TqCollection, TqObject, TqRef } from '../../threatq/model.js'
import { relatedRefs, toObject } from '../../threatq/records.js'
import type { RunSummary } from '../summary.js'
import {
  convertIndicator,
  convertRelated,
  convertRelationship,
  type ExportContext,
  STIX_TYPE,
  stixIdOf,
} from './convert.js'

/** Collections followed from an object to its related objects (indicators outside the collection are not exported). */
export const RELATED: readonly TqCollection[] = [
  'adversaries',
  'malware',
  'tool',
  'report',
  'attack_pattern',
]

export interface ExportPlan {
  collection: DataCollection
  depth: number
  /** Checkpoint: only indicators updated at or after it … */
  updatedSince?: Date | undefined
  /** … except these, already exported at exactly that time. */
  exportedAtCheckpoint: ReadonlySet<number>
  pageSize: number
}

/** Where the next incremental export starts: the newest `updated_at` seen and who had it. */
export interface ExportHighWater {
  updatedAt: Date | undefined
  ids: Set<number>
}

export interface CollectDeps {
  threatq: ThreatqClient
  logger: Logger
  summary: RunSummary
  onPage?: (done: number, total: number | undefined) => void
}

const key = (ref: TqRef): string => `${ref.collection}:${String(ref.id)}`

/** Related-object GETs in flight at once: enough to hide ThreatQ's latency, few enough to be polite. */
const RELATED_CONCURRENCY = 8

/** Runs `task` over `items` with at most `limit` running at a time; the first failure is thrown. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await task(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

export async function* collectExport(
  deps: CollectDeps,
  ctx: ExportContext,
  plan: ExportPlan,
  highWater: ExportHighWater,
): AsyncGenerator<StixObject[]> {
  const { threatq, logger, summary } = deps
  const queue: StixObject[] = []
  const markings = new Set<string>()
  /** Relationships among related objects already sent (their number is bounded by theirs). */
  const edges = new Set<string>()
  /** Related objects by key: fetched (with their own refs), or null when missing or on the way. */
  const related = new Map<string, { object: TqObject; refs: TqRef[] } | null>()
  const visited = new Set<string>()
  const reports = new Map<string, { object: TqObject; refs: Set<string> }>()

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

  /** Links two objects once per `seen`: a report gains an object ref, anything else a relationship. */
  const link = (a: TqObject, b: TqObject, seen: Set<string>): void => {
    const report = a.collection === 'report' ? a : b.collection === 'report' ? b : undefined
    if (report !== undefined) {
      const other = report === a ? b : a
      if (other.collection !== 'report')
        reports.get(key(report))?.refs.add(stixIdOf(other, ctx.host))
      return
    }
    const relationship = convertRelationship(a, b, ctx)
    if (seen.has(relationship.id)) return
    seen.add(relationship.id)
    emit(relationship)
  }

  /**
   * Fetches the related objects not seen yet, several at a time, then what they relate to, until
   * `level` reaches the depth. Each object is fetched once, at the level it is first met.
   */
  const fetchRelated = async (refs: readonly TqRef[], level: number): Promise<void> => {
    const fresh = [...new Map(refs.map((r) => [key(r), r])).values()].filter(
      (r) => r.collection !== 'indicators' && !related.has(key(r)),
    )
    for (const ref of fresh) related.set(key(ref), null)
    const next: TqRef[] = []
    await forEachLimited(fresh, RELATED_CONCURRENCY, async (ref) => {
      const record = await threatq.getObject(
        ref.collection,
        ref.id,
        level < plan.depth ? RELATED : [],
      )
      if (record === undefined) {
        summary.skipped.add('related object not found')
        return
      }
      related.set(key(ref), { object: toObject(ref.collection, record), refs: relatedRefs(record) })
      summary.fetched.add(STIX_TYPE[ref.collection])
      if (level < plan.depth) next.push(...relatedRefs(record))
    })
    if (next.length > 0) await fetchRelated(next, level + 1)
  }

  /** Emits a fetched related object the first time it is met, and links it to what it relates to. */
  const visit = (ref: TqRef, level: number): TqObject | undefined => {
    const k = key(ref)
    const entry = related.get(k)
    if (entry === null || entry === undefined) return undefined
    if (visited.has(k)) return entry.object
    visited.add(k)
    const { object } = entry
    if (ref.collection === 'report') reports.set(k, { object, refs: new Set() })
    else {
      const converted = convertRelated(object, ctx)
      emit(converted.object, converted.markings)
    }
    if (level < plan.depth)
      for (const next of entry.refs) {
        if (next.collection === 'indicators') continue
        const target = visit(next, level + 1)
        if (target !== undefined) link(object, target, edges)
      }
    return object
  }

  const since = plan.updatedSince
  const pages = threatq.query('indicators', plan.collection.query, {
    // The query's +gt is second-precise: ask from a second earlier, drop what was already sent.
    updatedAfter: since === undefined ? undefined : new Date(since.getTime() - 1000),
    pageSize: plan.pageSize,
    with: plan.depth > 0 ? RELATED : [],
  })
  let done = 0
  for await (const page of pages) {
    for (const bad of page.invalid) {
      summary.skipped.add('invalid ThreatQ record')
      logger.warn(
        { id: bad.id, reason: bad.reason },
        'skipped an indicator record ThreatQ sent malformed',
      )
    }
    const fresh = page.records.filter((record) => {
      if (since === undefined) return true
      const updatedAt = record.updated_at.getTime()
      return (
        updatedAt > since.getTime() ||
        (updatedAt === since.getTime() && !plan.exportedAtCheckpoint.has(record.id))
      )
    })
    if (plan.depth > 0) await fetchRelated(fresh.flatMap(relatedRefs), 1)
    for (const record of fresh) {
      const indicator = toObject('indicators', record)
      summary.fetched.add('indicator')
      advance(highWater, indicator)
      const converted = convertIndicator(indicator, ctx)
      if (!converted.ok) {
        summary.skipped.add(converted.reason)
        logger.info(
          { id: indicator.id, type: indicator.type, reason: converted.detail },
          `indicator skipped: ${converted.reason}`,
        )
        continue
      }
      emit(converted.object, converted.markings)
      const refs = plan.depth > 0 ? relatedRefs(record) : []
      if (refs.length > 0) {
        // Only this indicator links itself to its related objects: its own set of edges suffices.
        const own = new Set<string>()
        for (const ref of refs) {
          if (ref.collection === 'indicators') continue
          const target = visit(ref, 1)
          if (target !== undefined) link(indicator, target, own)
        }
      }
    }
    if (queue.length > 0) yield queue.splice(0)
    done += page.records.length + page.invalid.length
    deps.onPage?.(done, page.total)
  }

  for (const { object, refs } of reports.values()) {
    if (refs.size === 0) {
      summary.skipped.add('report with no exported objects')
      continue
    }
    const converted = convertRelated(object, ctx, [...refs])
    emit(converted.object, converted.markings)
  }
  if (queue.length > 0) yield queue.splice(0)
}

function advance(highWater: ExportHighWater, indicator: TqObject): void {
  const current = highWater.updatedAt
  if (current === undefined || indicator.updatedAt > current) {
    highWater.updatedAt = indicator.updatedAt
    highWater.ids = new Set([indicator.id])
  } else if (indicator.updatedAt.getTime() === current.getTime()) highWater.ids.add(indicator.id)
}
