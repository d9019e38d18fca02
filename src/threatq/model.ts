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

/** `YYYY-MM-DD HH:MM:SS` as ThreatQ writes it: always UTC. */
export function parseThreatqTime(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|\+00:?00)?$/.exec(
    text.trim(),
  )
  if (m === null) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number)
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0))
  // Date.UTC rolls 2024-02-30 over into March (and 24:00 into the next day): refuse, never guess.
  const fields = [y, mo, d, h, mi, s].join()
  const back = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ].join()
  return Number.isNaN(date.getTime()) || back !== fields ? undefined : date
}

export function formatThreatqTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}
