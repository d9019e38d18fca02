/**
 * Stable STIX ids (DESIGN §3): `<type>--<uuid>` derived by hashing (ThreatQ host, object kind,
 * ThreatQ id), so a re-export updates the same object instead of creating a duplicate. The hash
 * is shaped as a version-4, RFC 4122-variant UUID because STIX 2.0 only accepts v4 ids.
 */
import { hash, randomUUID } from 'node:crypto'

export interface IdSource {
  /** The ThreatQ instance, normalised (lower-case host[:port]). */
  host: string
  /** ThreatQ object kind, e.g. `indicator`, `adversary`. */
  kind: string
  id: string | number
}

export function hashUuid(parts: readonly string[]): string {
  // NUL cannot occur in any part, so different part lists never hash the same input.
  const bytes = hash('sha256', parts.join('\0'), 'buffer').subarray(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function stableId(stixType: string, source: IdSource): string {
  return `${stixType}--${hashUuid(['tq-conn-netscout-aed', source.host, source.kind, String(source.id)])}`
}

/** Bundles are envelopes, not identities: a fresh id each time. */
export function bundleId(): string {
  return `bundle--${randomUUID()}`
}
