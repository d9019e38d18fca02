/**
 * The connector's view of ThreatQ objects, independent of the wire format: the ThreatQ client
 * parses responses into these, the export pipeline converts them to STIX.
 */
import type { TlpLevel } from '../stix/tlp.js'

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
  attributes: TqAttribute[]
  /** Most restrictive TLP of the object's sources, when any source has one. */
  tlp?: TlpLevel | undefined
}

const THREATQ_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|\+00:?00)?$/

/** `YYYY-MM-DD HH:MM:SS` as ThreatQ writes it: always UTC. */
export function parseThreatqTime(text: string): Date | undefined {
  const m = THREATQ_TIME.exec(text.trim())
  if (m === null) return undefined
  const field = (i: number): number => Number(m[i])
  const [y, mo, d, h, mi, s] = [field(1), field(2), field(3), field(4), field(5), field(6)]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  // Date.UTC rolls 2024-02-30 over into March (and 24:00 into the next day, years 0-99 into the
  // 1900s): refuse, never guess. An invalid date fails every comparison.
  const exact =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  return exact ? date : undefined
}

export function formatThreatqTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}
