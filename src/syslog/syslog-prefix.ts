/**
 * The syslog prefix of a line as rsyslog and syslog-ng write it to a file, and where the CEF or
 * LEEF payload starts after it. Forms read (docs/mapping.md, "Import: AED syslog
 * notifications"):
 * - RFC 3164 / BSD, with or without `<PRI>` (rsyslog's default file template leaves it out):
 *   `[<PRI>]Mmm dd hh:mm:ss host [tag: ]message`;
 * - the same with an RFC 3339 timestamp (rsyslog's RSYSLOG_FileFormat, syslog-ng `ts-format(iso)`):
 *   `2026-12-07T22:15:05.123+00:00 host [tag: ]message`;
 * - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA [MSG]`.
 * AED sends no tag, so rsyslog takes `CEF:` for one and writes `CEF: 0|…` (its template puts a
 * space before a message that lacks one): the payload marker allows spaces after the colon.
 */

export interface SyslogPrefix {
  /** Which form the line has; `none`: it starts with the payload; `unknown`: no form matched. */
  form: 'rfc3164' | 'rfc3339' | 'rfc5424' | 'none' | 'unknown'
  pri: number | undefined
  /** The timestamp as written (RFC 3164's has no year nor zone). */
  timestamp: string | undefined
  host: string | undefined
}

export interface Payload {
  prefix: SyslogPrefix
  format: 'cef' | 'leef'
  /** The text after `CEF:`/`LEEF:` and any spaces: starts with the version. */
  text: string
}

const RFC3164 =
  /^(?:<(\d{1,3})>)?((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d) (\S+)(?: |$)/
const RFC3339 =
  /^(?:<(\d{1,3})>)?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (\S+)(?: |$)/
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) \S+ \S+ /

/**
 * `CEF:` or `LEEF:` at the start or after a space or colon, then optional spaces, then a digit.
 * [I: A-SYSLOG-RSYSLOG-TAG] rsyslog's templates write `CEF: 0|…` for AED's untagged messages.
 */
const MARKER = /(?:^|[\s:])(CEF|LEEF):[ \t]*(?=\d)/

function priOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const pri = Number(text)
  return pri <= 191 ? pri : undefined
}

/** Skips RFC 5424 structured data (`-` or `[id k="v" …]…`): the index after it, or -1. */
function skipStructuredData(line: string, at: number): number {
  if (line[at] === '-') return at + 1
  let i = at
  while (line[i] === '[') {
    let quoted = false
    for (i++; i < line.length; i++) {
      const c = line[i]
      if (c === '\\' && quoted) i++
      else if (c === '"') quoted = !quoted
      else if (c === ']' && !quoted) break
    }
    if (i >= line.length) return -1
    i++
  }
  return i === at ? -1 : i
}

/** The prefix and the rest of the line (the message). */
function splitPrefix(line: string): { prefix: SyslogPrefix; message: string } | undefined {
  const m5424 = RFC5424.exec(line)
  if (m5424 !== null) {
    const after = skipStructuredData(line, m5424[0].length)
    if (after !== -1) {
      const msg = line
        .slice(after)
        .replace(/^ /, '')
        .replace(/^\uFEFF/, '')
      // rsyslog made AED's `CEF:` its tag, and RFC 5424 output turns the tag into APP-NAME:
      // `… aed01 CEF - - - 0|NETSCOUT|…` [I: A-SYSLOG-RSYSLOG-5424].
      const app = m5424[4]
      const message = (app === 'CEF' || app === 'LEEF') && /^\d/.test(msg) ? `${app}:${msg}` : msg
      const prefix: SyslogPrefix = {
        form: 'rfc5424',
        pri: priOf(m5424[1]),
        timestamp: m5424[2],
        host: m5424[3] === '-' ? undefined : m5424[3],
      }
      return { prefix, message }
    }
  }
  for (const [form, re] of [
    ['rfc3164', RFC3164],
    ['rfc3339', RFC3339],
  ] as const) {
    const m = re.exec(line)
    if (m === null) continue
    return {
      prefix: { form, pri: priOf(m[1]), timestamp: m[2], host: m[3] },
      message: line.slice(m[0].length),
    }
  }
  return undefined
}

const NO_PREFIX: SyslogPrefix = {
  form: 'none',
  pri: undefined,
  timestamp: undefined,
  host: undefined,
}
const UNKNOWN_PREFIX: SyslogPrefix = { ...NO_PREFIX, form: 'unknown' }

/**
 * The CEF or LEEF payload of a line; `message` when the line is syslog without one (an ordinary
 * log line in the same file); `undefined` when it is neither.
 */
export function findPayload(
  line: string,
): { payload: Payload } | { message: string; prefix: SyslogPrefix } | undefined {
  const split = splitPrefix(line)
  const message = split?.message ?? line
  const marker = MARKER.exec(message)
  if (marker === null) return split === undefined ? undefined : split
  const prefix =
    split?.prefix ?? (marker.index === 0 && !/^\s/.test(message) ? NO_PREFIX : UNKNOWN_PREFIX)
  return {
    payload: {
      prefix,
      format: marker[1] === 'CEF' ? 'cef' : 'leef',
      text: message.slice(marker.index + marker[0].length),
    },
  }
}
