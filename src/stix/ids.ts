/**
 * Stable STIX ids (docs/mapping.md, "Ids"; docs/stix.md, "Ids"): `<type>--<uuid>` derived by
 * hashing (ThreatQ host, object kind, ThreatQ id), so a re-export updates the same object instead
 * of creating a duplicate. The hash is shaped as a version-4, RFC 4122-variant UUID because STIX
 * 2.0 only accepts v4 ids.
 */
import { hash, randomUUID } from 'node:crypto'

export interface IdSource {
  /** The ThreatQ instance, normalised (lower-case host[:port]). */
  host: string
  /** ThreatQ object kind, e.g. `indicator`, `adversary`. */
  kind: string
  id: string | number
}

/** The v4 variant nibble (10xx) of each hex digit, for the UUID's 17th digit. */
const VARIANT = '89ab89ab89ab89ab'

export function hashUuid(parts: readonly string[]): string {
  // NUL cannot occur in any part, so different part lists never hash the same input.
  return uuidOf(parts.join('\0'))
}

/** The UUID of a hashed text: the first 16 bytes, version nibble 4, variant bits 10. */
function uuidOf(text: string): string {
  const hex = hash('sha256', text)
  const variant = VARIANT[parseInt(hex.charAt(16), 16)] as string
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export function stableId(stixType: string, source: IdSource): string {
  // hashUuid's parts, joined here without the array: two ids per exported object.
  return `${stixType}--${uuidOf(`tq-conn-netscout-aed\0${source.host}\0${source.kind}\0${String(source.id)}`)}`
}

/**
 * The namespace exported ids derive from (docs/mapping.md, "Ids"): the ThreatQ host alone
 * (scope `''`: the shared ids every export had before instances were scoped, kept by the default
 * instance and by ledgers written before), or the host and an instance name, so two instances
 * exporting the same ThreatQ object into one AED collection hold two objects and never revoke
 * each other's. It stands where the host stood in the hashed parts; NUL cannot occur in a host
 * or an instance name (a file name), so no scoped namespace hashes like another or a shared one.
 */
export function idNamespace(host: string, scope: string): string {
  return scope === '' ? host : `${host}\0instance\0${scope}`
}

/** Bundles are envelopes, not identities: a fresh id each time. */
export function bundleId(): string {
  return `bundle--${randomUUID()}`
}
