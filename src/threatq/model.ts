/**
 * The connector's view of ThreatQ objects, independent of the wire format: the ThreatQ client
 * parses responses into these, the export pipeline converts them to STIX.
 */
import type { TlpLevel } from '../stix/tlp.js'
import { isoMillis, utcMillis } from '../utc.js'

/** ThreatQ object collections the export follows, by their API collection name. */
export const EXPORT_COLLECTIONS = [
  'indicators',
  'adversaries',
  'malware',
  'tool',
  'report',
  'attack_pattern',
] as const
export type TqCollection = (typeof EXPORT_COLLECTIONS)[number]

export interface TqAttribute {
  name: string
  value: string
}

export interface TqRef {
  collection: TqCollection
  id: number
}

export interface TqObject {
  collection: TqCollection
  id: number
  /** Indicator value, adversary name, or the `value` of the STIX-style collections. */
  name: string
  /** Indicator type name (IP Address, FQDN, …). */
  type?: string | undefined
  status?: string | undefined
  description?: string | undefined
  createdAt: Date
  updatedAt: Date
  publishedAt?: Date | undefined
  /** ThreatQ `expires_at`: the indicator stops being a threat then. */
  expiresAt?: Date | undefined
  attributes: TqAttribute[]
  /** Most restrictive TLP of the object's sources, when any source has one. */
  tlp?: TlpLevel | undefined
}

/** `Z`, `+00:00` or `+0000` after the seconds (and any fraction): all say UTC. */
const UTC_SUFFIXES = new Set(['', 'Z', '+00:00', '+0000'])

/** The digits at `from`..`from+count`, or NaN when any is not an ASCII digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
  }
  return n
}

/**
 * `YYYY-MM-DD HH:MM:SS` as ThreatQ writes it (or with `T`, a fraction, a UTC suffix): always UTC.
 * Read by hand, not with a regex and `Date`: the export reads three per indicator.
 */
export function parseThreatqTime(raw: string): Date | undefined {
  const text = raw.trim()
  if (text.length < 19) return undefined
  const sep = text[10]
  if (text[4] !== '-' || text[7] !== '-' || (sep !== ' ' && sep !== 'T')) return undefined
  if (text[13] !== ':' || text[16] !== ':') return undefined
  let end = 19
  if (text[end] === '.') {
    end++
    while (end < text.length && digits(text, end, 1) >= 0) end++
    if (end === 20) return undefined
  }
  if (!UTC_SUFFIXES.has(text.slice(end))) return undefined
  const year = digits(text, 0, 4)
  // Years before 100 are refused, as Date.UTC (which maps them into the 1900s) made us do before.
  if (!(year >= 100)) return undefined
  const ms = utcMillis(
    year,
    digits(text, 5, 2),
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
  )
  // A NaN field fails every range check, so it lands here too; 2024-02-30 never rolls over.
  return ms === undefined ? undefined : new Date(ms)
}

export function formatThreatqTime(date: Date): string {
  const iso = isoMillis(date.getTime())
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
}
