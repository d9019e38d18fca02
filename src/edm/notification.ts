/**
 * An EDM threat record → the Blocked Host model the syslog parser produces (src/syslog/
 * notification.ts), so the import aggregates both sources the same way (docs/mapping.md, "Import:
 * EDM threat records"). Never throws: a value that is there but wrong is flagged, as syslog does.
 */
import { isIP } from 'node:net'
import { iocType, validated } from '../aed/ioc.js'
import {
  severityLevel,
  type BlockedHost,
  type FieldFlag,
  type MatchType,
} from '../syslog/notification.js'
import type { EdmRecord } from './record.js'

/** What only a syslog line has (its CEF/LEEF header and syslog prefix): EDM has no counterpart. */
export type SyslogOnlyField =
  | 'format'
  | 'formatVersion'
  | 'vendor'
  | 'product'
  | 'productVersion'
  | 'eventClass'
  | 'name'
  | 'syslog'

/** The fields of a Blocked Host notification whatever its source: what the import aggregates. */
export type BlockedHostFields = Omit<BlockedHost, SyslogOnlyField>

export interface EdmBlockedHost extends BlockedHostFields {
  source: 'edm'
  /** EDM's fields with no syslog counterpart. */
  edm: {
    id: string
    /** The record's time as EDM wrote it. */
    time: string
    /** The AED as EDM names it, and its address. */
    hostname: string | undefined
    hostIp: string | undefined
    reason: string | undefined
    direction: string | undefined
    appStr: string | undefined
    pgServerName: string | undefined
    confidence: number | undefined
    threatClassifications: string[]
  }
}

/**
 * [I: A-EDM-INDICATOR-TYPE] `threatIntel.indicatorType` → match type: `http.request.uri` is
 * attested (docs/aed-api.md, "EDM alerts API"); `ip.addr` and `dns.query` are the same naming for
 * the other two.
 */
const MATCH_TYPES: Readonly<Record<string, MatchType>> = {
  'ip.addr': 'ip',
  'dns.query': 'dns',
  'http.request.uri': 'url',
}

/**
 * [I: A-EDM-BLOCKED-HOSTS-REASON] A record whose `reason` is this came from a deny list: it carries
 * no `threatIntel`, and the host blocked is the remote end of the connection (`pkt.src` inbound,
 * `pkt.dst` outbound), which is taken as its IOC.
 */
const DENY_LIST_REASON = 'blocked hosts'

const blank = (v: string | null | undefined): string | undefined => {
  const t = v?.trim()
  return t === undefined || t === '' ? undefined : t
}

/**
 * `http%3A//www.example.party/ne/` as EDM quotes it (docs/aed-api.md, "EDM alerts API") → the
 * plain value.
 */
function unquoted(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** Maps one checked record. */
export function edmNotification(record: EdmRecord): EdmBlockedHost {
  const flags: FieldFlag[] = []
  const flag = (field: string, problem: string): void => {
    flags.push({ field, problem })
  }
  const pkt = record.pkt ?? {}
  const intel = record.threatIntel ?? undefined
  const address = (field: string, v: string | null | undefined): string | undefined => {
    const t = blank(v)
    if (t === undefined || isIP(t) !== 0) return t
    flag(field, `"${t.slice(0, 60)}" is not an IP address`)
    return undefined
  }
  const src = address('pkt.src', pkt.src)
  const dst = address('pkt.dst', pkt.dst)
  const direction = blank(pkt.direction)?.toLowerCase()
  const reason = blank(record.reason)

  let matchType: MatchType | undefined
  let iocPattern: string | undefined
  const rawType = blank(intel?.indicatorType)
  if (rawType !== undefined) {
    matchType = MATCH_TYPES[rawType.toLowerCase()]
    if (matchType === undefined)
      flag('threatIntel.indicatorType', `"${rawType.slice(0, 40)}" is no known match type`)
  }
  const indicator = blank(intel?.indicator)
  if (indicator !== undefined) iocPattern = unquoted(indicator)
  else if (reason?.toLowerCase() === DENY_LIST_REASON) {
    const remote = direction === 'outbound' ? dst : direction === 'inbound' ? src : undefined
    if (remote !== undefined) {
      iocPattern = remote
      matchType = 'ip'
    }
  }

  let type: string | undefined
  if (iocPattern !== undefined) {
    const candidate = iocType(matchType, iocPattern)
    const checked = candidate === undefined ? undefined : validated(candidate, iocPattern)
    if (candidate === undefined)
      flag('threatIntel.indicator', 'not an IP address, host name or URL')
    else if (checked !== undefined && !checked.ok) flag('threatIntel.indicator', checked.reason)
    else type = candidate
  }

  const score = intel?.severity ?? undefined
  let severityScore: number | undefined
  if (score !== undefined) {
    if (score >= 1 && score <= 10) severityScore = score
    else flag('threatIntel.severity', `${String(score)} is not from 1 to 10`)
  }
  const list = (v: readonly string[] | null | undefined): string | undefined =>
    v == null || v.length === 0 ? undefined : v.join(', ')

  return {
    source: 'edm',
    time: Date.parse(record.time),
    severityScore,
    severity: severityScore === undefined ? undefined : severityLevel(severityScore),
    src,
    dst,
    srcPort: pkt.srcPort ?? undefined,
    dstPort: pkt.dstPort ?? undefined,
    proto: blank(pkt.proto),
    elementId: intel?.indicatorUid ?? undefined,
    pgid: record.pgid ?? undefined,
    pgName: blank(record.pgName),
    iocPattern,
    iocType: type,
    matchType,
    // STIX matches: EDM's records name no TAXII collection (docs/aed-api.md, "EDM alerts API").
    taxiiCollectionId: undefined,
    taxiiCollectionTitle: undefined,
    threatName: list(intel?.threatTypes),
    threatCategory: list(intel?.threatCategories),
    flags,
    edm: {
      id: record._id,
      time: record.time,
      hostname: blank(record.hostname),
      hostIp: blank(record.hostIp),
      reason,
      direction,
      appStr: blank(pkt.appStr),
      pgServerName: blank(record.pgServerName),
      confidence: intel?.confidence ?? undefined,
      threatClassifications: intel?.threatClassifications ?? [],
    },
  }
}
