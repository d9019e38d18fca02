/**
 * [SIM] AED alerts (docs/sim-aed.md, "Alerts"). No public source documents AED's `/alerts/` fields
 * (docs/aed-api.md, "Alerts over REST"); this model follows AED's conventions (camelCase, epoch
 * seconds, list key named after the resource) and the blocked-host syslog fields (docs/aed-api.md,
 * "Syslog notifications"). Alerts are kept sorted by (startTime, alertId) so
 * a time window is found by binary search, not by scanning every alert.
 */
import { z } from 'zod'
import { badField, notFound } from './json.js'
import {
  matchesTerms,
  pageOf,
  project,
  queryTerms,
  slicePage,
  sortDirection,
  compareValues,
} from './listing.js'
import type { Params } from './params.js'

export const ALERT_TYPES = ['blocked-host', 'ddos', 'bandwidth', 'system'] as const
export type AlertType = (typeof ALERT_TYPES)[number]

/** Keys in alphabetical order, as AED serialises them. */
export interface Alert {
  alertId: number
  alertType: AlertType
  category: string
  description: string
  direction: 'inbound' | 'outbound'
  dst: string | null
  dstPort: number | null
  endTime: number | null
  iocPattern: string | null
  matchType: 'ip' | 'dns' | 'url' | null
  pgName: string | null
  pgid: number | null
  proto: string | null
  severity: number
  src: string | null
  srcPort: number | null
  startTime: number
  taxiiCollectionId: string | null
  taxiiCollectionTitle: string | null
  threatCategory: string | null
  threatName: string | null
  updateTime: number
}

/** [SIM] Category per alert type when none is given. */
export const DEFAULT_CATEGORY: Record<AlertType, string> = {
  'blocked-host': 'Blocked Host',
  ddos: 'DDoS',
  bandwidth: 'Bandwidth',
  system: 'System',
}

/**
 * [SIM] Severity words accepted by the `severity` filter: the lower bound of each band (EDM's:
 * docs/aed-api.md, "EDM alerts API").
 */
export const SEVERITY_WORDS: Record<string, number> = { low: 1, medium: 4, high: 7 }

const nullableInt = z.number().int().nullable()
const nullableString = z.string().nullable()

/** A partial alert as `POST /_sim/alerts` takes it: every field optional. */
export const partialAlertSchema = z.object({
  alertId: z.number().int().positive().optional(),
  alertType: z.enum(ALERT_TYPES).optional(),
  category: z.string().optional(),
  description: z.string().optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  dst: nullableString.optional(),
  dstPort: nullableInt.optional(),
  endTime: nullableInt.optional(),
  iocPattern: nullableString.optional(),
  matchType: z.enum(['ip', 'dns', 'url']).nullable().optional(),
  pgName: nullableString.optional(),
  pgid: nullableInt.optional(),
  proto: nullableString.optional(),
  severity: z.number().int().min(1).max(9).optional(),
  src: nullableString.optional(),
  srcPort: nullableInt.optional(),
  startTime: z.number().int().nonnegative().optional(),
  taxiiCollectionId: nullableString.optional(),
  taxiiCollectionTitle: nullableString.optional(),
  threatCategory: nullableString.optional(),
  threatName: nullableString.optional(),
  updateTime: z.number().int().nonnegative().optional(),
})
export type PartialAlert = z.infer<typeof partialAlertSchema>

function describe(a: Omit<Alert, 'description'>): string {
  if (a.alertType === 'blocked-host') {
    const via =
      a.taxiiCollectionTitle === null ? 'deny list' : `STIX collection "${a.taxiiCollectionTitle}"`
    return `Blocked ${a.direction} traffic from ${a.src ?? '?'} to ${a.dst ?? '?'}: ${a.matchType ?? 'ip'} ${a.iocPattern ?? '?'} matched the ${via}`
  }
  const group = a.pgName === null ? '' : ` on protection group '${a.pgName}'`
  return `${a.category} alert${group}`
}

/** Fills the defaults of a partial alert ([SIM] rules, docs/sim-aed.md). */
export function completeAlert(p: PartialAlert, alertId: number, now: number): Alert {
  const alertType = p.alertType ?? 'blocked-host'
  const startTime = p.startTime ?? now
  const base: Omit<Alert, 'description'> = {
    alertId,
    alertType,
    category: p.category ?? DEFAULT_CATEGORY[alertType],
    direction: p.direction ?? 'inbound',
    dst: p.dst ?? null,
    dstPort: p.dstPort ?? null,
    // Blocked hosts are single events; the other types stay ongoing until an end is posted.
    endTime: p.endTime !== undefined ? p.endTime : alertType === 'blocked-host' ? startTime : null,
    iocPattern: p.iocPattern ?? null,
    matchType: p.matchType ?? null,
    pgName: p.pgName ?? null,
    pgid: p.pgid ?? null,
    proto: p.proto ?? null,
    severity: p.severity ?? 5,
    src: p.src ?? null,
    srcPort: p.srcPort ?? null,
    startTime,
    taxiiCollectionId: p.taxiiCollectionId ?? null,
    taxiiCollectionTitle: p.taxiiCollectionTitle ?? null,
    threatCategory: p.threatCategory ?? null,
    threatName: p.threatName ?? null,
    updateTime: p.updateTime ?? Math.max(now, startTime),
  }
  const description = p.description ?? describe(base)
  // Keys in alphabetical order, so listings can skip sorting them (see aedJsonText).
  const { alertId: id, alertType: type, category, ...rest } = base
  return { alertId: id, alertType: type, category, description, ...rest }
}

/** Every parameter that selects or orders alerts; page, perPage and select only cut the list. */
const LISTING_PARAMS = [
  'startTime',
  'endTime',
  'severity',
  'alertType',
  'alertId',
  'q',
  'sort',
  'direction',
] as const

const before = (a: Alert, b: Alert): boolean =>
  a.startTime < b.startTime || (a.startTime === b.startTime && a.alertId < b.alertId)

export class AlertStore {
  private readonly byId = new Map<number, Alert>()
  /** By (startTime, alertId) once `inOrder()` has run: alerts added out of order wait at the end. */
  private sorted: Alert[] = []
  /** Whether `sorted` has an alert added out of order since it was last sorted. */
  private unordered = false
  /** Longest finished alert, so a window's lower bound can be found by binary search. */
  private maxSpan = 0
  private readonly ongoing = new Set<Alert>()
  private nextId = 1
  /**
   * The last listing's alerts in order, before paging, while the store is unchanged: a client
   * paging through N alerts would otherwise make the simulator filter all N for every page
   * (quadratic; 5 CPU-s for the connector's 100k-alert import bench). Same store, same list.
   */
  private listing: { key: string; alerts: Alert[] } | undefined

  get size(): number {
    return this.byId.size
  }

  get(alertId: number): Alert | undefined {
    return this.byId.get(alertId)
  }

  clear(): void {
    this.listing = undefined
    this.byId.clear()
    this.sorted = []
    this.unordered = false
    this.ongoing.clear()
    this.maxSpan = 0
    this.nextId = 1
  }

  /** Adds (or, with a known alertId, replaces) alerts; returns them completed. */
  addAll(partials: readonly PartialAlert[], now: number): Alert[] {
    return partials.map((p) => {
      const id = p.alertId ?? this.nextId
      this.nextId = Math.max(this.nextId, id + 1)
      const previous = this.byId.get(id)
      if (previous !== undefined) this.unlink(previous)
      const alert = completeAlert(p, id, now)
      this.link(alert)
      return alert
    })
  }

  private link(alert: Alert): void {
    this.listing = undefined
    this.byId.set(alert.alertId, alert)
    if (alert.endTime === null) this.ongoing.add(alert)
    else this.maxSpan = Math.max(this.maxSpan, alert.endTime - alert.startTime)
    const last = this.sorted[this.sorted.length - 1]
    // Sorted once when next read, not inserted in place: a batch of alerts out of time order cost
    // a splice each, quadratic in the store's size.
    if (last !== undefined && !before(last, alert)) this.unordered = true
    this.sorted.push(alert)
  }

  /** `sorted`, sorted. */
  private inOrder(): Alert[] {
    if (this.unordered) {
      this.sorted.sort((a, b) => (before(a, b) ? -1 : 1))
      this.unordered = false
    }
    return this.sorted
  }

  private unlink(alert: Alert): void {
    this.listing = undefined
    this.byId.delete(alert.alertId)
    this.ongoing.delete(alert)
    const index = this.unordered
      ? this.sorted.indexOf(alert)
      : this.lowerBound((a) => before(a, alert))
    if (this.sorted[index] === alert) this.sorted.splice(index, 1)
  }

  /** First index whose alert does not satisfy `isBefore` (the array is partitioned by it). */
  private lowerBound(isBefore: (a: Alert) => boolean): number {
    const sorted = this.inOrder()
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (isBefore(sorted[mid] as Alert)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /**
   * [SIM] Alerts active at some point of [from, to]: `startTime <= to` and `endTime` (null =
   * ongoing) `>= from`. In (startTime, alertId) order.
   */
  window(from: number | undefined, to: number | undefined): Alert[] {
    const sorted = this.inOrder()
    const hi = to === undefined ? sorted.length : this.lowerBound((a) => a.startTime <= to)
    if (from === undefined) return sorted.slice(0, hi)
    const lo = Math.min(
      hi,
      this.lowerBound((a) => a.startTime < from - this.maxSpan),
    )
    // Ongoing alerts that started before the scanned range still overlap the window.
    const boundary = sorted[lo]
    const out = [...this.ongoing].filter(
      (a) => (boundary === undefined || before(a, boundary)) && a.startTime <= (to ?? Infinity),
    )
    out.sort((a, b) => (before(a, b) ? -1 : 1))
    for (let i = lo; i < hi; i++) {
      const a = sorted[i] as Alert
      if (a.endTime === null || a.endTime >= from) out.push(a)
    }
    return out
  }

  /** `GET /alerts/` with the filters of docs/sim-aed.md, "Alerts". */
  query(params: Params): Record<string, unknown>[] {
    const page = slicePage(this.ordered(params), pageOf(params)) as unknown as Record<
      string,
      unknown
    >[]
    return project(page, params)
  }

  /** Every alert the query selects, in its order (before paging and `select`). */
  private ordered(params: Params): Alert[] {
    // The raw values: different forms of one filter may only share a list when they are equal.
    const key = JSON.stringify(LISTING_PARAMS.map((name) => params.raw(name) ?? null))
    if (this.listing?.key === key) return this.listing.alerts
    const from = params.int('startTime', 0)
    const to = params.int('endTime', 0)
    let alerts = this.window(from, to)
    const minSeverity = severityParam(params)
    const types = params.list('alertType')
    for (const t of types) {
      if (!(ALERT_TYPES as readonly string[]).includes(t)) {
        throw badField(
          'alertType',
          `"alertType" must be one of ${ALERT_TYPES.join(', ')}, got "${t}".`,
        )
      }
    }
    const ids = new Set(params.intList('alertId'))
    const terms = queryTerms(params)
    if (minSeverity !== undefined || types.length > 0 || ids.size > 0 || terms.length > 0) {
      alerts = alerts.filter(
        (a) =>
          (minSeverity === undefined || a.severity >= minSeverity) &&
          (types.length === 0 || types.includes(a.alertType)) &&
          (ids.size === 0 || ids.has(a.alertId)) &&
          matchesTerms(a as unknown as Record<string, unknown>, terms),
      )
    }
    const sortKey = params.string('sort') ?? 'startTime'
    const direction = sortDirection(params)
    if (sortKey !== 'startTime') {
      if (!(sortKey in ALERT_KEYS)) throw badField('sort', `Cannot sort alerts on "${sortKey}".`)
      const field = sortKey as keyof Alert
      alerts.sort((a, b) => compareValues(a[field], b[field]) || a.alertId - b.alertId)
    }
    if (direction === -1) alerts.reverse()
    this.listing = { key, alerts }
    return alerts
  }

  require(alertId: number): Alert {
    const alert = this.byId.get(alertId)
    if (alert === undefined) throw notFound(String(alertId))
    return alert
  }

  snapshot(): unknown {
    return { nextId: this.nextId, alerts: this.inOrder() }
  }

  restore(data: unknown): void {
    this.clear()
    const d = data as { nextId?: number; alerts?: Alert[] } | undefined
    for (const alert of d?.alerts ?? []) this.link(alert)
    this.nextId = Math.max(d?.nextId ?? 1, this.byId.size + 1)
  }
}

const ALERT_KEYS: Record<keyof Alert, true> = Object.fromEntries(
  Object.keys(partialAlertSchema.shape).map((k) => [k, true]),
) as Record<keyof Alert, true>

function severityParam(params: Params): number | undefined {
  const text = params.string('severity')
  if (text === undefined) return undefined
  const word = SEVERITY_WORDS[text.toLowerCase()]
  if (word !== undefined) return word
  if (!/^[1-9]$/.test(text)) {
    throw badField('severity', `"severity" must be 1-9 or low, medium, high; got "${text}".`)
  }
  return Number(text)
}
