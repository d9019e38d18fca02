/**
 * One line of the syslog file → a typed AED notification (docs/mapping.md, "Import: AED syslog
 * notifications"): a Blocked Host notification with the fields of NETSCOUT's Splunk add-on
 * (docs/aed-api.md, "Syslog notifications"), another kind of notification (classified, not
 * imported), or a bad line with the reason. Never throws, whatever the bytes.
 */
import { isUtf8 } from 'node:buffer'
import { isIP } from 'node:net'
import { iocType, validated } from '../aed/ioc.js'
import { parseCef, type PayloadRecord } from './cef.js'
import type { SyslogLine } from './file-reader.js'
import { parseLeef } from './leef.js'
import { findPayload, type SyslogPrefix } from './syslog-prefix.js'

export type SeverityLevel = 'low' | 'medium' | 'high'
export type MatchType = 'ip' | 'dns' | 'url'

/** A value that was there but is wrong; the notification is still usable without it. */
export interface FieldFlag {
  field: string
  problem: string
}

export interface BlockedHost {
  format: 'cef' | 'leef'
  formatVersion: string
  vendor: string
  product: string
  productVersion: string
  eventClass: string
  /** CEF Name: the alert sub-type. */
  name: string | undefined
  syslog: SyslogPrefix
  /** `rt`, epoch milliseconds (seconds and milliseconds are both accepted). */
  time: number | undefined
  /** 1–9 (the AIF rule's severity): CEF header or LEEF `sev`. */
  severityScore: number | undefined
  severity: SeverityLevel | undefined
  src: string | undefined
  dst: string | undefined
  srcPort: number | undefined
  dstPort: number | undefined
  proto: string | undefined
  /** `cn1`: the AIF rule that matched (AIF matches only). */
  elementId: number | undefined
  /** `cn2`, `cs2`. */
  pgid: number | undefined
  pgName: string | undefined
  /** `cs1`: the IP, domain or URL that matched, as AED wrote it. */
  iocPattern: string | undefined
  /** The ThreatQ indicator type of `iocPattern` when it is a valid value of one. */
  iocType: string | undefined
  /** `cs3`. */
  matchType: MatchType | undefined
  /** `cs4`, `cs5`: STIX matches only. */
  taxiiCollectionId: string | undefined
  taxiiCollectionTitle: string | undefined
  /** `cs6`, `cs7`: AIF matches only. */
  threatName: string | undefined
  threatCategory: string | undefined
  flags: FieldFlag[]
}

/** Kinds of line that are not Blocked Host notifications: counted, not imported. */
export type OtherKind =
  | 'login'
  | 'config-change'
  | 'traffic-alert'
  | 'license'
  | 'aed-other'
  | 'foreign'
  | 'not-a-notification'

export type ParsedLine =
  | { kind: 'blocked-host'; notification: BlockedHost }
  | { kind: 'other'; other: OtherKind; detail: string }
  | { kind: 'bad'; reason: string }

export interface ParseContext {
  /** Now, epoch ms: `rt` later than this (plus slack) is flagged. */
  now: number
}

/**
 * [I: A-SYSLOG-AED-SOURCE] The CEF/LEEF vendor and product strings of AED and APS: NETSCOUT's
 * add-on matches vendor `NETSCOUT`, product `Arbor Edge Defense` or `Arbor Networks APS`; older
 * APS releases signed as vendor `Arbor Networks`. Compared case-insensitively.
 */
const AED_VENDORS: ReadonlySet<string> = new Set(['netscout', 'arbor networks'])
const AED_PRODUCTS: ReadonlySet<string> = new Set([
  'arbor edge defense',
  'arbor networks aps',
  'arbor aps',
  'aed',
  'aps',
])

/**
 * [I: A-SYSLOG-BLOCKED-HOST] A Blocked Host notification names `Blocked Host` in its CEF
 * Signature ID (the add-on's "alert type") or Name, or its LEEF Event ID; compared without case,
 * spaces or punctuation (`Blocked Host`, `blocked_host`, `BlockedHosts`).
 */
const BLOCKED_HOST = /^blockedhosts?$/

/**
 * [I: A-SYSLOG-RT] `rt` before this is a clock that was not set (1970) or garbage; `rt` may be
 * epoch seconds or milliseconds (MS_THRESHOLD tells them apart).
 */
const EARLIEST_RT_MS = Date.UTC(2000, 0, 1)
/** Clocks differ: `rt` up to this far ahead of the connector's clock is not flagged. */
const FUTURE_SLACK_MS = 10 * 60 * 1000
/**
 * `rt` further ahead than this, or before EARLIEST_RT_MS, is not used (the notification counts as
 * one without a usable rt): an event in 2099 would hold `AED Last Blocked` there for ever and
 * push every saved aggregate out of the import's window (syslog-run.ts `prune`).
 */
const UNUSABLE_AHEAD_MS = 24 * 3_600_000
/** Epoch values at least this large are milliseconds (as seconds they would be after 5138). */
const MS_THRESHOLD = 1e11

const normalized = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '')
const isBlockedHost = (s: string): boolean =>
  s === 'Blocked Host' || BLOCKED_HOST.test(normalized(s))

/** Parses one line of the syslog file. Never throws. */
export function parseLine(line: Buffer | string, ctx: ParseContext): ParsedLine {
  let text: string
  if (typeof line === 'string') text = line
  else {
    if (line.includes(0))
      return { kind: 'bad', reason: 'holds NUL bytes (a hole left by a truncated file?)' }
    if (!isUtf8(line)) return { kind: 'bad', reason: 'not valid UTF-8' }
    text = line.toString('utf8')
  }
  if (text.includes('\0'))
    return { kind: 'bad', reason: 'holds NUL bytes (a hole left by a truncated file?)' }
  if (text.endsWith('\r')) text = text.slice(0, -1)
  try {
    return parseText(text, ctx)
  } catch (error) {
    // Nothing above is meant to throw; if it does, the line is bad, the run goes on.
    return { kind: 'bad', reason: `unreadable: ${(error as Error).message}` }
  }
}

/** A line as the reader hands it out. */
export function parseSyslogLine(line: SyslogLine, ctx: ParseContext): ParsedLine {
  if (line.kind === 'too-long')
    return { kind: 'bad', reason: `too long (${String(line.length)} bytes)` }
  const parsed = parseLine(line.bytes, ctx)
  if (parsed.kind === 'bad' && line.partial)
    return { kind: 'bad', reason: `${parsed.reason} (unterminated last line of a rotated file)` }
  return parsed
}

function parseText(text: string, ctx: ParseContext): ParsedLine {
  const found = findPayload(text)
  if (found === undefined)
    return { kind: 'bad', reason: 'neither a syslog line nor a CEF or LEEF record' }
  if (!('payload' in found))
    return { kind: 'other', other: 'not-a-notification', detail: found.message.slice(0, 80) }
  const { payload } = found
  const parsed = payload.format === 'cef' ? parseCef(payload.text) : parseLeef(payload.text)
  if (!parsed.ok) return { kind: 'bad', reason: parsed.reason }
  const record = parsed.record
  if (
    !AED_VENDORS.has(record.vendor.trim().toLowerCase()) ||
    !AED_PRODUCTS.has(record.product.trim().toLowerCase())
  )
    return { kind: 'other', other: 'foreign', detail: `${record.vendor} ${record.product}` }
  if (!isBlockedHost(record.eventClass) && !isBlockedHost(record.name ?? ''))
    return { kind: 'other', other: otherKind(record), detail: record.eventClass }
  return blockedHost(record, payload.prefix, ctx)
}

/**
 * [I: A-SYSLOG-OTHER-KINDS] What another AED notification is about, from its names and `msg`
 * (the add-on's cases: user activity, traffic over a threshold, license limit).
 */
function otherKind(record: PayloadRecord): OtherKind {
  const text = `${record.eventClass} ${record.name ?? ''} ${record.fields.get('msg') ?? ''}`
  if (/\blog(?:ged)?[ -]?(?:in|out|on|off)\b|\blog(?:in|out|on)\b|authenticat/i.test(text))
    return 'login'
  if (/licen[cs]e/i.test(text)) return 'license'
  if (/traffic|\b\d+(?:\.\d+)?\s*[kmg]?[bp]ps\b/i.test(text)) return 'traffic-alert'
  if (/subsystem:|config|chang|modif|added|deleted|removed|created|updated/i.test(text))
    return 'config-change'
  return 'aed-other'
}

function blockedHost(record: PayloadRecord, prefix: SyslogPrefix, ctx: ParseContext): ParsedLine {
  const f = record.fields
  const flags: FieldFlag[] = []
  const flag = (field: string, problem: string): void => {
    flags.push({ field, problem })
  }
  const text = (key: string): string | undefined => {
    const v = f.get(key)?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const int = (key: string, max: number): number | undefined => {
    const v = text(key)
    if (v === undefined) return undefined
    if (/^\d{1,10}$/.test(v) && Number(v) <= max) return Number(v)
    flag(key, `"${v.slice(0, 40)}" is not a number from 0 to ${String(max)}`)
    return undefined
  }
  const address = (key: string): string | undefined => {
    const v = text(key)
    if (v === undefined || isIP(v) !== 0) return v
    flag(key, `"${v.slice(0, 60)}" is not an IP address`)
    return undefined
  }
  const port = (...keys: string[]): number | undefined => {
    const key = keys.find((k) => text(k) !== undefined)
    return key === undefined ? undefined : int(key, 65535)
  }

  const src = address('src')
  const dst = address('dst')
  const iocPattern = text('cs1')
  if (src === undefined && dst === undefined && iocPattern === undefined)
    return { kind: 'bad', reason: 'a Blocked Host notification without src, dst or cs1' }

  const rawMatch = text('cs3')?.toLowerCase()
  let matchType: MatchType | undefined
  if (rawMatch === 'ip' || rawMatch === 'dns' || rawMatch === 'url') matchType = rawMatch
  else if (rawMatch !== undefined)
    flag('cs3', `match type "${rawMatch.slice(0, 20)}" is not ip, dns or url`)

  let type: string | undefined
  if (iocPattern !== undefined) {
    const candidate = iocType(matchType, iocPattern)
    const checked = candidate === undefined ? undefined : validated(candidate, iocPattern)
    if (candidate === undefined) flag('cs1', 'not an IP address, host name or URL')
    else if (checked !== undefined && !checked.ok) flag('cs1', checked.reason)
    else type = candidate
  }

  const severityText = record.format === 'cef' ? record.severity : text('sev')
  const { score, level } = severityOf(
    severityText,
    record.format === 'cef' ? 'severity' : 'sev',
    flag,
  )

  return {
    kind: 'blocked-host',
    notification: {
      format: record.format,
      formatVersion: record.version,
      vendor: record.vendor,
      product: record.product,
      productVersion: record.productVersion,
      eventClass: record.eventClass,
      name: record.name,
      syslog: prefix,
      time: timeOf(text('rt'), ctx, flag),
      severityScore: score,
      severity: level,
      src,
      dst,
      srcPort: port('spt', 'srcPort'),
      dstPort: port('dpt', 'dstPort'),
      proto: text('proto'),
      elementId: int('cn1', Number.MAX_SAFE_INTEGER),
      pgid: int('cn2', Number.MAX_SAFE_INTEGER),
      pgName: text('cs2'),
      iocPattern,
      iocType: type,
      matchType,
      taxiiCollectionId: text('cs4'),
      taxiiCollectionTitle: text('cs5'),
      threatName: text('cs6'),
      threatCategory: text('cs7'),
      flags,
    },
  }
}

/**
 * Severity 1–3 low, 4–6 medium, 7–9 high (NETSCOUT's bands for EDM, docs/aed-api.md, "EDM alerts
 * API"). [I: A-SYSLOG-SEVERITY]
 * CEF's 0 and 10 fall in low and high, and CEF's names (Low … Very-High) are read too.
 */
export function severityLevel(score: number): SeverityLevel {
  return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low'
}

const SEVERITY_NAMES: Readonly<Record<string, SeverityLevel>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  veryhigh: 'high',
}

function severityOf(
  value: string | undefined,
  field: string,
  flag: (field: string, problem: string) => void,
): { score: number | undefined; level: SeverityLevel | undefined } {
  const v = value?.trim()
  if (v === undefined || v === '') return { score: undefined, level: undefined }
  if (/^\d{1,2}$/.test(v) && Number(v) <= 10)
    return { score: Number(v), level: severityLevel(Number(v)) }
  const named = SEVERITY_NAMES[normalized(v)]
  if (named !== undefined) return { score: undefined, level: named }
  flag(field, `severity "${v.slice(0, 20)}" is neither 0–10 nor Low/Medium/High`)
  return { score: undefined, level: undefined }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/**
 * `rt` as epoch ms: epoch seconds or milliseconds (the add-on says "EPOCH", CEF says ms), an
 * RFC 3339 time with its zone, or CEF's `MMM dd yyyy HH:mm:ss[.SSS]`, read as UTC. A time a
 * little in the future is kept and flagged; one before 2000 or over a day ahead is flagged and
 * not used.
 */
function timeOf(
  value: string | undefined,
  ctx: ParseContext,
  flag: (field: string, problem: string) => void,
): number | undefined {
  if (value === undefined) {
    flag('rt', 'missing')
    return undefined
  }
  let ms: number | undefined
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value)
    ms = n >= MS_THRESHOLD ? n : n * 1000
  } else if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(value)) {
    ms = Date.parse(value)
  } else {
    const m = /^([A-Z][a-z]{2}) (\d{1,2}) (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?$/.exec(value)
    const month = m === null ? -1 : MONTHS.indexOf(m[1] as string)
    if (m !== null && month !== -1)
      ms = Date.UTC(
        Number(m[3]),
        month,
        Number(m[2]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6]),
        Number(m[7] ?? 0),
      )
  }
  // Beyond ±8.64e15 ms a Date is invalid (and toISOString throws).
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    flag('rt', `"${value.slice(0, 40)}" is not a time`)
    return undefined
  }
  if (ms < EARLIEST_RT_MS) {
    flag('rt', `${new Date(ms).toISOString()} is before 2000 (an unset clock?): not used`)
    return undefined
  }
  if (ms > ctx.now + UNUSABLE_AHEAD_MS) {
    flag('rt', `${new Date(ms).toISOString()} is more than a day in the future: not used`)
    return undefined
  }
  if (ms > ctx.now + FUTURE_SLACK_MS) flag('rt', `${new Date(ms).toISOString()} is in the future`)
  return ms
}
