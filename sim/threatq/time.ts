/**
 * ThreatQ dates are `YYYY-MM-DD HH:MM:SS` strings in UTC. The store keeps epoch seconds; these
 * convert at the edges without ever consulting the host's time zone.
 */

const two = (n: number): string => (n < 10 ? `0${String(n)}` : String(n))
/** " HH:MM:SS" for every second of a day (86,400 short strings, built once). */
const TIMES = Array.from(
  { length: 86400 },
  (_, s) => ` ${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`,
)
const dayTexts = new Map<number, string>()

/**
 * Hot path (every timestamp of every served object): date parts are cached per day and the time
 * part taken from a table, instead of a Date per call.
 */
export function formatTq(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / 86400)
  let dayText = dayTexts.get(day)
  if (dayText === undefined) {
    if (dayTexts.size > 100_000) dayTexts.clear()
    dayText = new Date(day * 86_400_000).toISOString().slice(0, 10)
    dayTexts.set(day, dayText)
  }
  return dayText + (TIMES[epochSeconds - day * 86400] ?? '')
}

export function formatTqOrNull(epochSeconds: number | null): string | null {
  return epochSeconds === null ? null : formatTq(epochSeconds)
}

const TQ_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/
const RELATIVE = /^now\s*(?:([+-])\s*(\d+)\s*(second|minute|hour|day|week|month|year)s?)?$/i
const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 7 * 86400,
  month: 30 * 86400,
  year: 365 * 86400,
}

/**
 * Parses a ThreatQ date (UTC unless an offset is given), ISO-8601, or a relative `NOW`,
 * `NOW-7 days` (the Laravel-style relative dates query filters accept). Undefined when unparsable.
 */
export function parseTq(text: string, nowSeconds: number): number | undefined {
  return parseCanonical(text) ?? parseGeneral(text, nowSeconds)
}

/** `parseTq` for every form (its fast path's reference, checked against it in time.test.ts). */
export function parseGeneral(text: string, nowSeconds: number): number | undefined {
  const trimmed = text.trim()
  const rel = /^\d/.test(trimmed) ? null : RELATIVE.exec(trimmed)
  if (rel !== null) {
    const [, sign, amount, unit] = rel
    if (sign === undefined || amount === undefined || unit === undefined) return nowSeconds
    const delta = Number(amount) * (UNIT_SECONDS[unit.toLowerCase()] ?? 0)
    return sign === '-' ? nowSeconds - delta : nowSeconds + delta
  }
  const m = TQ_DATE.exec(trimmed)
  if (m === null) return undefined
  const [, y, mo, d, h, mi, s, zone] = m
  let ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  )
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

/** The two digits at `i` of `s` as a number, -1 when either is not a digit. */
function pair(s: string, i: number): number {
  const hi = s.charCodeAt(i) - 48
  const lo = s.charCodeAt(i + 1) - 48
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1
}

/**
 * `YYYY-MM-DD HH:MM:SS` exactly (what clients send, a date or two per consumed object) without the
 * regular expression: the same `Date.UTC` of the same numbers as `parseGeneral`. Undefined for any
 * other text, which then takes that path.
 */
export function parseCanonical(s: string): number | undefined {
  if (s.length !== 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined
  const sep = s.charCodeAt(10)
  if ((sep !== 32 && sep !== 84) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return undefined
  }
  const century = pair(s, 0)
  const year = pair(s, 2)
  const month = pair(s, 5)
  const day = pair(s, 8)
  const hour = pair(s, 11)
  const minute = pair(s, 14)
  const second = pair(s, 17)
  if (Math.min(century, year, month, day, hour, minute, second) < 0) return undefined
  return Math.floor(Date.UTC(century * 100 + year, month - 1, day, hour, minute, second) / 1000)
}
