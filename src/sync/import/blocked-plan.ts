/**
 * The decisions of one write of the syslog/EDM import (syslog-run.ts), as functions of data: which
 * notifications are kept, how a key's blocks are gathered, and what a part writes — its events
 * with their totals, what is set in place, what the summary counts. Tested without sockets.
 */
import { add, aggregateAttributes, AGGREGATE_ATTRIBUTES, blockedEvent } from './blocked-events.js'
import type { Aggregate, EventFields, Notification } from './blocked-events.js'
import type { EventItem, ImportContext, IndicatorItem } from './convert.js'
import { indicatorKey } from './link.js'
import type { SyslogAggregates } from './syslog-state.js'
import type { KeySet } from './key-set.js'
import type { ImportWrite } from './writer.js'
import type { SeverityLevel } from '../../syslog/notification.js'

const AGGREGATE_NAMES: ReadonlySet<string> = new Set(Object.values(AGGREGATE_ATTRIBUTES))

const RANK: Record<SeverityLevel, number> = { low: 1, medium: 2, high: 3 }

/** `alert_severity` and `query_keywords`, as the filter reads them. */
export interface NotificationFilter {
  severity: 'Low' | 'Medium' | 'High'
  keywords: readonly string[]
}

/** `query_keywords`: every keyword appears (case-insensitively) in one of the text fields. */
function matchesKeywords(n: Notification, keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true
  const text = [
    n.iocPattern,
    n.src,
    n.dst,
    n.pgName,
    n.threatName,
    n.threatCategory,
    n.taxiiCollectionTitle,
    n.name,
  ]
    .filter((v) => v !== undefined)
    .join('\n')
    .toLowerCase()
  return keywords.every((k) => text.includes(k.toLowerCase()))
}

/** Why a Blocked Host notification is not imported, or undefined when it is. */
export function skipReason(n: Notification, filter: NotificationFilter): string | undefined {
  if (n.time === undefined) return 'Blocked Host without a usable rt'
  const minRank = RANK[filter.severity.toLowerCase() as SeverityLevel]
  if (n.severity !== undefined ? RANK[n.severity] < minRank : minRank > 1)
    return 'below alert_severity'
  if (!matchesKeywords(n, filter.keywords)) return 'no query_keywords match'
  return undefined
}

/** One key's blocks gathered since the last write (its counts inline: no object per block). */
export interface Pending {
  first: EventFields
  count: number
  firstMs: number
  lastMs: number
  /** Exported indicators it fired on (NO_OWN, shared, while none). */
  own: number[]
}

const NO_OWN: readonly number[] = Object.freeze([])

/** A key's first block. */
export function firstBlock(first: EventFields, time: number, own: readonly number[]): Pending {
  return {
    first,
    count: 1,
    firstMs: time,
    lastMs: time,
    own: own.length === 0 ? (NO_OWN as number[]) : [...own],
  }
}

/** One more block of a key. */
export function addBlock(p: Pending, time: number, own: readonly number[]): void {
  p.count++
  if (time < p.firstMs) p.firstMs = time
  if (time > p.lastMs) p.lastMs = time
  for (const id of own) {
    if (p.own.includes(id)) continue
    if (p.own === NO_OWN) p.own = []
    p.own.push(id)
  }
}

export const aggregateOf = (p: Pending): Aggregate => ({
  count: p.count,
  first: p.firstMs,
  last: p.lastMs,
})

/** What a part writes and what comes of it, decided before anything is sent. */
export interface PartPlan {
  write: ImportWrite & { indicators: IndicatorItem[]; events: EventItem[] }
  /** Each key's new total: the saved total plus the blocks gathered. */
  eventTotals: Map<string, Aggregate>
  /** Each exported indicator's new total, by id. */
  indicatorTotals: Map<number, Aggregate>
  /** Events new to ThreatQ, and events it held before the run, each counted once a run. */
  created: number
  updated: number
  skipped: { value: string; reason: string }[]
}

/**
 * One part: per key, its event with the saved total plus the blocks gathered, linked to the
 * exported indicators it fired on. An event ThreatQ already holds (a saved total) gets its totals
 * set in place: consume would add values. `written`: the keys written earlier this run; an event
 * is counted under created or updated by what ThreatQ held before the run, once.
 */
export function planPart(
  pending: ReadonlyMap<string, Pending>,
  saved: SyslogAggregates,
  context: ImportContext,
  loopAttributes: { count: string; last: string },
  written: Pick<KeySet, 'has'>,
): PartPlan {
  const indicators = new Map<string, IndicatorItem>()
  const events: EventItem[] = []
  const links: number[][] = []
  const eventValues = new Map<string, Record<string, string>>()
  const eventTotals = new Map<string, Aggregate>()
  const ownBlocks = new Map<number, Aggregate>()
  const skipped: PartPlan['skipped'] = []
  let created = 0
  let updated = 0
  for (const [key, p] of pending) {
    const before = saved.events[key]
    if (!written.has(key)) {
      if (before === undefined) created++
      else updated++
    }
    const aggregate = aggregateOf(p)
    const total = add(before, aggregate)
    eventTotals.set(key, total)
    const built = blockedEvent(key, p.first, total, context, p.own.length > 0)
    skipped.push(...built.skipped)
    for (const i of built.indicators) indicators.set(indicatorKey(i.type.name, i.value), i)
    if (before !== undefined) {
      built.event.attributes = built.event.attributes.filter((a) => !AGGREGATE_NAMES.has(a.name))
      eventValues.set(built.event.title, aggregateAttributes(total))
    }
    events.push(built.event)
    links.push(p.own)
    for (const id of p.own) ownBlocks.set(id, add(ownBlocks.get(id), aggregate))
  }
  const indicatorTotals = new Map<number, Aggregate>()
  const indicatorValues = new Map<number, Record<string, string>>()
  for (const [id, blocks] of ownBlocks) {
    const total = add(saved.indicators[String(id)], blocks)
    indicatorTotals.set(id, total)
    indicatorValues.set(id, {
      [loopAttributes.count]: String(total.count),
      [loopAttributes.last]: new Date(total.last).toISOString(),
    })
  }
  return {
    write: { indicators: [...indicators.values()], events, links, eventValues, indicatorValues },
    eventTotals,
    indicatorTotals,
    created,
    updated,
    skipped,
  }
}

/** After the part is in ThreatQ: its new totals into `saved`, its keys into `written`. */
export function applyPart(
  plan: PartPlan,
  saved: SyslogAggregates,
  written: Pick<KeySet, 'add'>,
): void {
  for (const [key, total] of plan.eventTotals) {
    saved.events[key] = total
    written.add(key)
  }
  for (const [id, total] of plan.indicatorTotals) saved.indicators[String(id)] = total
}
