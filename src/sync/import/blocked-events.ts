/**
 * Blocked Host notifications → ThreatQ events, aggregated (docs/mapping.md, "Import: AED syslog
 * notifications"): a busy edge writes a notification per blocked connection, so one event stands
 * for all the blocks of one thing in one hour. Its key — match type, what matched (the IOC
 * pattern, else the src→dst host pair) and the UTC hour of `rt` — is also its title, so a rerun
 * over the same window upserts the same event.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { BlockedHostFields } from '../../edm/notification.js'
import type { BlockedHost } from '../../syslog/notification.js'
import { formatThreatqTime } from '../../threatq/model.js'
import { indicatorGatherer, severityName, type EventItem, type ImportContext } from './convert.js'
import type { IndicatorItem } from './convert.js'

/**
 * A Blocked Host notification whatever its source: EDM's records have the fields the import
 * aggregates, a syslog line also its header and prefix.
 */
export type Notification = BlockedHostFields & Partial<BlockedHost>

const HOUR_MS = 3_600_000

/** What an event is built from: the fields every block of its key shares. */
export const EVENT_FIELDS = [
  'matchType',
  'iocPattern',
  'iocType',
  'src',
  'dst',
  'severityScore',
  'pgName',
  'pgid',
  'threatName',
  'threatCategory',
  'taxiiCollectionTitle',
  'taxiiCollectionId',
] as const

export type EventFields = Pick<Notification, (typeof EVENT_FIELDS)[number]>

/** Blocks counted and the first and last `rt` (epoch ms). */
export interface Aggregate {
  count: number
  first: number
  last: number
}

/** What matched: the IOC pattern as AED wrote it, else the host pair. */
function subject(n: EventFields): string {
  if (n.iocPattern !== undefined) return n.iocPattern.trim().toLowerCase()
  return `${n.src ?? '?'} > ${n.dst ?? '?'}`
}

/** The event key of a notification with a time; stable across runs. */
export function eventKey(n: Notification & { time: number }): string {
  const hour = new Date(Math.floor(n.time / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)
  return `${n.matchType ?? 'host'} ${subject(n)} ${hour}:00Z`
}

/**
 * Aggregates are kept for the hour of the newest block and the KEEP_HOURS before it; older hours
 * are final (their events hold their totals), so the state stays the size of a few hours whatever
 * the file's length. A block for a dropped hour arriving later starts that event's count again.
 */
const KEEP_HOURS = 2

/** The start of the oldest hour whose aggregates are kept, given the newest block (epoch ms). */
export const keptFrom = (newest: number): number =>
  (Math.floor(newest / HOUR_MS) - KEEP_HOURS) * HOUR_MS

export function add(a: Aggregate | undefined, b: Aggregate): Aggregate {
  if (a === undefined) return { ...b }
  return {
    count: a.count + b.count,
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
  }
}

/** The attributes an event's aggregate is kept in: changed in place as blocks arrive. */
export const AGGREGATE_ATTRIBUTES = {
  count: 'Block Count',
  first: 'First Seen',
  last: 'Last Seen',
} as const

export function aggregateAttributes(a: Aggregate): Record<string, string> {
  return {
    [AGGREGATE_ATTRIBUTES.count]: String(a.count),
    [AGGREGATE_ATTRIBUTES.first]: new Date(a.first).toISOString(),
    [AGGREGATE_ATTRIBUTES.last]: new Date(a.last).toISOString(),
  }
}

const isV6 = (value: string): boolean => value.includes(':') && isIPv6(value)
const hostType = (v: string): string | undefined =>
  isIPv4(v) ? 'IP Address' : isV6(v) ? 'IPv6 Address' : undefined

export interface BlockedEvent {
  event: EventItem
  /** New indicators to upsert: the hosts, and the IOC unless it is one this instance exported. */
  indicators: IndicatorItem[]
  skipped: { value: string; reason: string }[]
}

/**
 * The event of a key, from its first notification (the fields every block of the key shares) and
 * its aggregate. `ownIoc`: the IOC is an indicator this instance exported, linked by id instead.
 */
export function blockedEvent(
  key: string,
  n: EventFields,
  aggregate: Aggregate,
  ctx: ImportContext,
  ownIoc: boolean,
): BlockedEvent {
  const sources = [{ name: ctx.sourceName }]
  const attributes: { name: string; value: string }[] = []
  const put = (name: string, value: string | number | undefined): void => {
    if (value !== undefined && String(value).trim() !== '')
      attributes.push({ name, value: String(value) })
  }
  put('Aggregation Key', key)
  put('AED Host', ctx.aedHost)
  put('Alert Type', 'Blocked Host')
  put('Match Type', n.matchType)
  put('IOC Pattern', n.iocPattern)
  if (n.severityScore !== undefined) put('Severity', severityName(n.severityScore))
  put('Severity Score', n.severityScore)
  put('Protection Group', n.pgName)
  put('Protection Group ID', n.pgid)
  put('Threat Name', n.threatName)
  put('Threat Category', n.threatCategory)
  put('TAXII Collection', n.taxiiCollectionTitle)
  put('TAXII Collection ID', n.taxiiCollectionId)
  for (const [name, value] of Object.entries(aggregateAttributes(aggregate))) put(name, value)

  const { indicators, skipped, consider: gather } = indicatorGatherer(ctx.indicatorStatus, sources)
  const consider = (type: string | undefined, value: string | undefined): void => {
    if (value !== undefined) gather(type, value)
  }
  // A host pair's event names both ends; an IOC's event names the IOC (its hosts vary). An IOC
  // that is no valid value of any type (iocType unset) is counted as skipped, never dropped unsaid.
  if (n.iocPattern === undefined) {
    if (n.src !== undefined) consider(hostType(n.src), n.src)
    if (n.dst !== undefined) consider(hostType(n.dst), n.dst)
  } else if (!ownIoc) consider(n.iocType, n.iocPattern.trim())

  const list = [...indicators.values()]
  const what = n.iocPattern ?? `${n.src ?? '?'} → ${n.dst ?? '?'}`
  return {
    event: {
      title: `AED ${ctx.aedHost} blocked ${key}`,
      type: { name: ctx.eventType },
      happened_at: formatThreatqTime(new Date(aggregate.first)),
      description: `AED ${ctx.aedHost} blocked traffic matching ${what}${n.matchType === undefined ? '' : ` (${n.matchType} match)`}; one event per hour (aggregation key "${key}")`,
      sources,
      attributes,
      indicators: list.map((i) => ({ value: i.value, type: i.type.name })),
    },
    indicators: list,
    skipped,
  }
}
