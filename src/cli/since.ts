/**
 * `--since WHEN`: ISO-8601 (a date alone is UTC midnight; a time without a zone is UTC) or a
 * relative phrase such as "7 days ago". The host's time zone never changes the result.
 */
import { ConfigError } from '../errors.js'

/** What a --since error concerns, for its log line. */
const SINCE_OPTION = { option: '--since' }

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

function parseIso(text: string): Date | undefined {
  const m = ISO.exec(text)
  if (m === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const normalisedZone =
    zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  const ms = frac.padEnd(3, '0').slice(0, 3)
  const iso = `${y ?? ''}-${mo ?? ''}-${d ?? ''}T${h}:${mi}:${s}.${ms}${normalisedZone}`
  const date = new Date(iso)
  // Date accepts 2026-02-31 by rolling over; refuse it instead.
  if (
    Number.isNaN(date.getTime()) ||
    (zone === 'Z' && date.toISOString().slice(0, 10) !== `${y ?? ''}-${mo ?? ''}-${d ?? ''}`)
  )
    return undefined
  return date
}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
}

/**
 * "N units ago" in seconds to weeks, the phrases cron lines use: fixed lengths in UTC, exactly as
 * chrono reads them (property-tested against it), without chrono's ~0.4 s of start-up CPU.
 */
const FIXED_AGO = /^(\d{1,7}) *(second|minute|hour|day|week)s? +ago$/i

export function parseFixedAgo(text: string, now: Date): Date | undefined {
  const m = FIXED_AGO.exec(text)
  const unit = UNIT_MS[m?.[2]?.toLowerCase() ?? '']
  if (m === null || unit === undefined) return undefined
  return new Date(now.getTime() - Number(m[1]) * unit)
}

/** Any other relative phrase, read by chrono; loaded only then, since it is the CLI's slowest import. */
async function parsePhrase(text: string, now: Date): Promise<Date | undefined> {
  const fixed = parseFixedAgo(text, now)
  if (fixed !== undefined) return fixed
  const chrono = await import('chrono-node')
  return inUtc(
    () =>
      chrono.parseDate(text, { instant: now, timezone: 'UTC' }, { forwardDate: false }) ??
      undefined,
  )
}

/**
 * Runs `read` with the process clock in UTC. chrono builds wall-clock times through the host zone
 * even when told `timezone: 'UTC'`, so a UTC wall time the host zone skips for daylight saving
 * ("0 seconds ago" at 02:45Z on 2028-09-24 in Pacific/Chatham) comes back an hour off.
 */
function inUtc<T>(read: () => T): T {
  const hostZone = process.env.TZ
  process.env.TZ = 'UTC'
  try {
    return read()
  } finally {
    if (hostZone === undefined) delete process.env.TZ
    else process.env.TZ = hostZone
  }
}

export async function parseSince(text: string, now: Date): Promise<Date> {
  const trimmed = text.trim()
  const date =
    parseIso(trimmed) ??
    // Something ISO-shaped that did not parse is an error, not a phrase for chrono to guess at.
    (/^\d{4}-/.test(trimmed) ? undefined : await parsePhrase(trimmed, now))
  if (date === undefined)
    throw new ConfigError(
      `--since ${JSON.stringify(text)}: not a date; use ISO-8601 (2026-01-31, 2026-01-31T08:00:00Z) or a relative time ("7 days ago", "12 hours ago")`,
      SINCE_OPTION,
    )
  // Neither AED's epoch seconds nor ThreatQ's date filters go further back; --full takes everything.
  if (date.getTime() < 0)
    throw new ConfigError(
      `--since ${JSON.stringify(text)} is before 1970-01-01; use --full to take everything`,
      SINCE_OPTION,
    )
  if (date.getTime() > now.getTime())
    throw new ConfigError(
      `--since ${JSON.stringify(text)} is in the future (${date.toISOString()})`,
      SINCE_OPTION,
    )
  return date
}
