/**
 * EDM threat records (docs/aed-api.md, "EDM alerts API"): one per blocked connection on a managed
 * AED, in the shape of NETSCOUT's EDM API documentation, kept sorted by (time, _id) so a time
 * window is a binary search.
 */
import { createHash } from 'node:crypto'
import type { Block } from '../aed/blocks.js'

export interface ThreatIntel {
  indicatorUid: number
  threatTypes: string[]
  threatDstPorts: number[]
  confidence: number
  direction: 'inbound' | 'outbound'
  indicator: string
  threatCategories: string[]
  threatClassifications: string[]
  severity: number
  indicatorType: string
}

export interface ThreatRecord {
  _id: string
  hostIp: string
  hostname: string
  pgName: string | null
  pgServerName: string
  pgid: number | null
  pkt: {
    src: string | null
    dst: string | null
    srcPort: number | null
    dstPort: number | null
    proto: string | null
    appStr: string
    direction: 'inbound' | 'outbound'
  }
  reason: string
  /** Only for ATLAS (AIF) matches (docs/aed-api.md, "EDM alerts API"). */
  threatIntel?: ThreatIntel
  /** `2018-07-31T20:00:30Z`: UTC, whole seconds, as in the documented record. */
  time: string
}

/** [SIM] SIM-EDM-05: `reason` per block source; only "ATLAS Threat Categories" is attested. */
export const REASONS: Record<Block['source'], string> = {
  'deny-list': 'Blocked Hosts',
  stix: 'STIX Indicators',
  aif: 'ATLAS Threat Categories',
}

/** [SIM] SIM-EDM-06: `indicatorType` per match type; only `http.request.uri` is attested. */
const INDICATOR_TYPES = { ip: 'ip.addr', dns: 'dns.query', url: 'http.request.uri' } as const

/** [SIM] SIM-EDM-06: application names by destination port. */
const APPS: Record<number, string> = { 53: 'dns', 80: 'http', 443: 'https', 25: 'smtp' }

/** An Elasticsearch-style id (20 URL-safe characters), the same for the same input. */
export function recordId(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 20)
}

export const isoSeconds = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')

/** One record per connection of a block; `feedKey` tells AEDs with equal names apart. */
export function recordsOfBlock(
  block: Block,
  aed: { hostname: string; hostIp: string; feedKey: string },
): ThreatRecord[] {
  const a = block.alert
  const intel: ThreatIntel | undefined =
    block.source === 'aif'
      ? {
          indicatorUid: block.elementId ?? 0,
          threatTypes: a.threatName === null ? [] : [a.threatName],
          threatDstPorts: a.dstPort === null ? [] : [a.dstPort],
          // [SIM] SIM-EDM-06: AIF confidence is not in the notification; 80 = "High".
          confidence: 80,
          direction: a.direction,
          // The documented record quotes the indicator (`http%3A//…`).
          indicator: encodeURIComponent(a.iocPattern ?? '').replace(/%2F/g, '/'),
          threatCategories: a.threatCategory === null ? [] : [a.threatCategory],
          threatClassifications: [],
          severity: a.severity,
          indicatorType: INDICATOR_TYPES[a.matchType ?? 'ip'],
        }
      : undefined
  const out: ThreatRecord[] = []
  for (let i = 0; i < block.connections; i++) {
    out.push({
      _id: recordId(`${aed.feedKey}|${String(block.seq)}|${String(i)}`),
      hostIp: aed.hostIp,
      hostname: aed.hostname,
      pgName: a.pgName,
      pgServerName: 'Generic Server',
      pgid: a.pgid,
      pkt: {
        src: a.src,
        dst: a.dst,
        srcPort: a.srcPort,
        dstPort: a.dstPort,
        proto: a.proto,
        appStr: APPS[a.dstPort ?? -1] ?? 'unknown',
        direction: a.direction,
      },
      reason: REASONS[block.source],
      ...(intel === undefined ? {} : { threatIntel: intel }),
      time: isoSeconds(block.timeMs),
    })
  }
  return out
}

const before = (a: ThreatRecord, b: ThreatRecord): boolean =>
  a.time < b.time || (a.time === b.time && a._id < b._id)

export class RecordStore {
  private sorted: ThreatRecord[] = []
  private unordered = false
  private readonly ids = new Set<string>()

  get size(): number {
    return this.sorted.length
  }

  clear(): void {
    this.sorted = []
    this.unordered = false
    this.ids.clear()
  }

  /** Adds records; one whose `_id` is held already is skipped. Returns how many were new. */
  add(records: readonly ThreatRecord[]): number {
    let added = 0
    for (const r of records) {
      if (this.ids.has(r._id)) continue
      this.ids.add(r._id)
      const last = this.sorted.at(-1)
      if (last !== undefined && !before(last, r)) this.unordered = true
      this.sorted.push(r)
      added++
    }
    return added
  }

  /** Records with `from <= time <= to` (ISO texts compare as times), in (time, _id) order. */
  window(from: string, to: string): ThreatRecord[] {
    if (this.unordered) {
      this.sorted.sort((a, b) => (before(a, b) ? -1 : 1))
      this.unordered = false
    }
    const bound = (isBefore: (r: ThreatRecord) => boolean): number => {
      let lo = 0
      let hi = this.sorted.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (isBefore(this.sorted[mid] as ThreatRecord)) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    return this.sorted.slice(
      bound((r) => r.time < from),
      bound((r) => r.time <= to),
    )
  }

  snapshot(): unknown {
    return this.window('', '\uffff')
  }

  restore(data: unknown): void {
    this.clear()
    this.add(Array.isArray(data) ? (data as ThreatRecord[]) : [])
  }
}
