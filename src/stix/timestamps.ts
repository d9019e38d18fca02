import { StixError } from './errors.js'

/**
 * A STIX timestamp with exactly millisecond precision (`…T12:00:00.000Z`): what STIX 2.0 requires
 * for created/modified and 2.1 accepts. Always UTC, whatever the host's zone.
 */
export function stixTimestamp(date: Date): string {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new StixError('invalid date for a STIX timestamp')
  const year = date.getUTCFullYear()
  // toISOString switches to ±YYYYYY outside 0..9999, which STIX does not allow.
  if (year < 0 || year > 9999) throw new StixError(`year ${String(year)} is outside 0000-9999`)
  return date.toISOString()
}
