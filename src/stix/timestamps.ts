import { isoMillis, LATEST_EPOCH_SECONDS } from '../utc.js'
import { StixError } from './errors.js'

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in ms. */
const YEAR_0 = -62_167_219_200_000
const YEAR_10000 = (LATEST_EPOCH_SECONDS + 1) * 1000

/**
 * A STIX timestamp with exactly millisecond precision (`…T12:00:00.000Z`): what STIX 2.0 requires
 * for created/modified and 2.1 accepts. Always UTC, whatever the host's zone.
 */
export function stixTimestamp(date: Date): string {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new StixError('invalid date for a STIX timestamp')
  // STIX has no ±YYYYYY years (toISOString's form outside 0..9999).
  if (ms < YEAR_0 || ms >= YEAR_10000)
    throw new StixError(`year ${String(date.getUTCFullYear())} is outside 0000-9999`)
  return isoMillis(ms)
}
