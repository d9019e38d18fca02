/**
 * Notification lines as AED sends them to a syslog destination (docs/aed-api.md, "Syslog
 * notifications"): a syslog prefix (`<PRI>Mmm dd HH:MM:SS host `, RFC 3164 style) and a CEF or LEEF
 * payload, or a [SIM] legacy line. The Blocked Host fields and labels are those of NETSCOUT's
 * Splunk add-on.
 */
import type { RemoteSyslog } from '../routes-remote-syslog.js'

/** What `/summary/` reports and the CEF/LEEF header carries. */
export const SOFTWARE_VERSION = '7.1.1.0'
export const VENDOR = 'NETSCOUT'
export const PRODUCT = 'Arbor Edge Defense'

export const NOTIFICATION_KINDS = [
  'blocked-host',
  'login',
  'config-change',
  'traffic-alert',
] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

/** [SIM] SIM-AED-58: header event class id and name per kind (LEEF carries the class id only). */
export const KIND_HEADER: Record<NotificationKind, { classId: string; name: string }> = {
  'blocked-host': { classId: 'Blocked Host', name: 'Blocked Host' },
  login: { classId: 'System Event', name: 'Login' },
  'config-change': { classId: 'System Event', name: 'Configuration Change' },
  'traffic-alert': { classId: 'Traffic Alert', name: 'Traffic Alert' },
}

/** One notification before it is rendered: the fields in the order they are written. */
export interface SyslogEvent {
  kind: NotificationKind
  /** 1–9, AED's scale (the matching rule's severity for Blocked Host). */
  severity: number
  timeMs: number
  /** CEF keys with their values; null values are left out (with their label). */
  fields: [key: string, value: string | number | null][]
}

/** The blocked-flow fields a Blocked Host notification carries. */
export interface BlockedHostFields {
  src: string | null
  dst: string | null
  srcPort: number | null
  dstPort: number | null
  proto: string | null
  /** AIF element id (cn1), AIF matches only. */
  elementId: number | null
  pgid: number | null
  pgName: string | null
  iocPattern: string | null
  matchType: string | null
  /** STIX matches only. */
  taxiiCollectionId: string | null
  taxiiCollectionTitle: string | null
  /** AIF matches only. */
  threatName: string | null
  threatCategory: string | null
}

/** CEF custom-field labels (docs/aed-api.md, "Syslog notifications"). */
export const LABELS: Record<string, string> = {
  cn1: 'Element Id',
  cn2: 'Protection Group ID',
  cs1: 'IOC Pattern',
  cs2: 'Protection Group Name',
  cs3: 'Match Type',
  cs4: 'TAXII Collection ID',
  cs5: 'TAXII Collection Title',
  cs6: 'Threat Name',
  cs7: 'Threat Category',
}

export function blockedHostEvent(
  b: BlockedHostFields,
  severity: number,
  timeMs: number,
): SyslogEvent {
  return {
    kind: 'blocked-host',
    severity,
    timeMs,
    fields: [
      ['src', b.src],
      ['dst', b.dst],
      ['spt', b.srcPort],
      ['dpt', b.dstPort],
      ['proto', b.proto],
      ['cn1', b.elementId],
      ['cn2', b.pgid],
      ['cs1', b.iocPattern],
      ['cs2', b.pgName],
      ['cs3', b.matchType],
      ['cs4', b.taxiiCollectionId],
      ['cs5', b.taxiiCollectionTitle],
      ['cs6', b.threatName],
      ['cs7', b.threatCategory],
    ],
  }
}

/** A login, config-change or traffic-alert notification: a `msg=` text and `sev=`. */
export function messageEvent(
  kind: Exclude<NotificationKind, 'blocked-host'>,
  msg: string,
  severity: number,
  timeMs: number,
): SyslogEvent {
  return { kind, severity, timeMs, fields: [['msg', msg]] }
}

export interface RenderOptions {
  /** Host name in the syslog prefix. */
  hostname: string
  /** `rt` in epoch milliseconds (CEF's convention) or seconds (the Splunk add-on's comment). */
  rt: 'ms' | 's'
}

/** [SIM] SIM-AED-57: facility local0; warning for blocks and traffic alerts, notice otherwise. */
const FACILITY = 16
const LEVEL: Record<NotificationKind, number> = {
  'blocked-host': 4,
  'traffic-alert': 4,
  login: 5,
  'config-change': 5,
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number): string => String(n).padStart(2, '0')

/** RFC 3164 `Mmm dd HH:MM:SS` (day space-padded), in UTC ([SIM] SIM-AED-57). */
export function rfc3164Time(ms: number): string {
  const d = new Date(ms)
  const day = String(d.getUTCDate()).padStart(2, ' ')
  return `${MONTHS[d.getUTCMonth()] ?? 'Jan'} ${day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
}

/** CEF header fields: backslash and pipe escaped; newlines cannot occur in a header. */
export const cefHeaderEscape = (text: string): string =>
  text.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, ' ')

/** CEF extension values: backslash, equals sign and newlines escaped (CEF rules). */
export const cefValueEscape = (text: string): string =>
  text
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r\n|\n|\r/g, (c) => (c === '\r' ? '\\r' : '\\n'))

/** [SIM] SIM-AED-59: LEEF values: backslash, tab and newlines escaped (LEEF defines none). */
export const leefValueEscape = (text: string): string =>
  text.replace(/[\\\t\r\n]/g, (c) =>
    c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\',
  )

const LEEF_KEYS: Record<string, string> = { spt: 'srcPort', dpt: 'dstPort' }

function rtOf(event: SyslogEvent, rt: RenderOptions['rt']): number {
  return rt === 'ms' ? event.timeMs : Math.floor(event.timeMs / 1000)
}

/** Present fields, each custom one followed by its label, after `rt`. */
function extension(event: SyslogEvent, rt: RenderOptions['rt']): [string, string][] {
  const out: [string, string][] = [['rt', String(rtOf(event, rt))]]
  for (const [key, value] of event.fields) {
    if (value === null) continue
    out.push([key, String(value)])
    const label = LABELS[key]
    if (label !== undefined) out.push([`${key}Label`, label])
  }
  return out
}

export function renderCef(event: SyslogEvent, rt: RenderOptions['rt']): string {
  const { classId, name } = KIND_HEADER[event.kind]
  const header = ['CEF:0', VENDOR, PRODUCT, SOFTWARE_VERSION, classId, name, String(event.severity)]
    .map((h, i) => (i === 0 ? h : cefHeaderEscape(h)))
    .join('|')
  const ext = extension(event, rt)
    .map(([k, v]) => `${k}=${cefValueEscape(v)}`)
    .join(' ')
  return `${header}|${ext}`
}

/** LEEF 2.0, tab-delimited (`x09` in the header); `sev=` in the body, CEF's ports renamed. */
export function renderLeef(event: SyslogEvent, rt: RenderOptions['rt']): string {
  const { classId } = KIND_HEADER[event.kind]
  const header = ['LEEF:2.0', VENDOR, PRODUCT, SOFTWARE_VERSION, classId, 'x09']
    .map((h, i) => (i === 0 ? h : cefHeaderEscape(h)))
    .join('|')
  const [rtPair, ...rest] = extension(event, rt)
  const pairs: [string, string][] = [
    ...(rtPair === undefined ? [] : [rtPair]),
    ['sev', String(event.severity)],
    ...rest,
  ]
  const body = pairs.map(([k, v]) => `${LEEF_KEYS[k] ?? k}=${leefValueEscape(v)}`).join('\t')
  return `${header}|${body}`
}

/**
 * [SIM] SIM-AED-60: the `legacy` format is not public (NETSCOUT's add-on does not support it): a
 * free-text line, neither CEF nor LEEF, so a consumer meets a line it has to count and skip.
 */
export function renderLegacy(event: SyslogEvent): string {
  const text = event.fields
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ')
  return `aed: ${KIND_HEADER[event.kind].name} (severity ${String(event.severity)}): ${text.replace(/[\r\n]+/g, ' ')}`
}

/** The whole line as sent, without framing. */
export function renderLine(
  event: SyslogEvent,
  format: RemoteSyslog['format'],
  options: RenderOptions,
): string {
  const pri = FACILITY * 8 + LEVEL[event.kind]
  const payload =
    format === 'cef'
      ? renderCef(event, options.rt)
      : format === 'leef'
        ? renderLeef(event, options.rt)
        : renderLegacy(event)
  return `<${String(pri)}>${rfc3164Time(event.timeMs)} ${options.hostname} ${payload}`
}
