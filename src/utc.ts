/**
 * UTC calendar arithmetic on epoch milliseconds, without `Date`: the export reads three ThreatQ
 * times and writes three STIX timestamps per indicator, a million times per run, and `Date`'s
 * field access and `toISOString` cost several times more (docs/performance.md, "Session 3: the
 * connector").
 * Days ↔ civil dates after H. Hinnant, "chrono-compatible low-level date algorithms".
 */

const DAY_MS = 86_400_000

/** 9999-12-31T23:59:59Z in epoch seconds: the last time a STIX (or any 4-digit-year) date holds. */
export const LATEST_EPOCH_SECONDS = 253_402_300_799

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const pad2 = (n: number): string => TWO_DIGITS[n] as string

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` for years 0000–9999; the caller checks the range. */
export function isoMillis(ms: number): string {
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${pad2(Math.floor(year / 100))}${pad2(year % 100)}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(millis).padStart(3, '0')}Z`
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Epoch ms of a UTC civil time, or undefined when a field is out of range (no rollover). */
export function utcMillis(
  year: number,
  month: number,
  day: number,
  hours: number,
  minutes: number,
  seconds: number,
): number | undefined {
  // Written as "not in range" so NaN fields fail too.
  const inRange =
    Number.isInteger(year) &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    hours >= 0 &&
    hours <= 23 &&
    minutes >= 0 &&
    minutes <= 59 &&
    seconds >= 0 &&
    seconds <= 59
  if (!inRange) return undefined
  const monthDays = month === 2 && isLeap(year) ? 29 : (MONTH_DAYS[month - 1] as number)
  if (day > monthDays) return undefined
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  const days = era * 146_097 + doe - 719_468
  return days * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000
}
