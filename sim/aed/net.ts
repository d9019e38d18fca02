/** Host addresses and CIDRs as AED lists and STIX indicators hold them, and matching flows. */
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

export class HostRange {
  private parsed: ipaddr.IPv4 | ipaddr.IPv6 | undefined

  constructor(
    /** Canonical text: the address alone for a single host, else `address/bits`. */
    readonly text: string,
    readonly family: 4 | 6,
    readonly bits: number,
    private readonly addressText: string,
  ) {}

  /** Parsed on first use: most entries are only ever looked up by their text. */
  get address(): ipaddr.IPv4 | ipaddr.IPv6 {
    this.parsed ??= ipaddr.parse(this.addressText)
    return this.parsed
  }
}

/**
 * Parses an IPv4/IPv6 address or CIDR strictly (no `127.1` shorthands). A full-length prefix
 * (`/32`, `/128`) is stored as the bare address [SIM], as the APS Splunk client does itself.
 */
export function parseHostRange(input: string): HostRange | undefined {
  const trimmed = input.trim()
  const slash = trimmed.indexOf('/')
  const addressText = slash === -1 ? trimmed : trimmed.slice(0, slash)
  const version = isIP(addressText)
  if (version !== 4 && version !== 6) return undefined
  const full = version === 4 ? 32 : 128
  let bits = full
  if (slash !== -1) {
    const bitsText = trimmed.slice(slash + 1)
    if (!/^\d{1,3}$/.test(bitsText)) return undefined
    bits = Number(bitsText)
    if (bits > full) return undefined
  }
  // isIP refuses leading zeros, so a dotted quad is already canonical.
  const canonical = version === 4 ? addressText : ipaddr.parse(addressText).toString()
  return new HostRange(
    bits === full ? canonical : `${canonical}/${String(bits)}`,
    version,
    bits,
    addressText,
  )
}

/** A single address (the remote end of a flow), or undefined when not an IP. */
export function parseAddress(input: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (isIP(input) === 0) return undefined
  const parsed = ipaddr.parse(input)
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) matches IPv4 entries.
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()
    ? (parsed as ipaddr.IPv6).toIPv4Address()
    : parsed
}

export function rangeContains(range: HostRange, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return range.address.kind() === address.kind() && address.match(range.address, range.bits)
}

/**
 * IPv4 before IPv6, then by text: AED's default host order (docs/aed-api.md, "Lists, paging and
 * filters").
 */
export function compareHosts(a: unknown, b: unknown): number {
  const sa = typeof a === 'string' ? a : ''
  const sb = typeof b === 'string' ? b : ''
  const va = sa.includes(':') ? 6 : 4
  const vb = sb.includes(':') ? 6 : 4
  if (va !== vb) return va - vb
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/

/** Lower-cased domain without a trailing dot, or undefined when not a hostname. */
export function normalizeDomain(input: string): string | undefined {
  const domain = input.trim().toLowerCase().replace(/\.$/, '')
  if (domain.length === 0 || domain.length > 253) return undefined
  return domain.split('.').every((label) => LABEL.test(label)) ? domain : undefined
}

/** True when `host` is `domain` or one of its subdomains. */
export function domainMatches(domain: string, host: string): boolean {
  return host === domain || host.endsWith(`.${domain}`)
}

/** AED stores URLs without a scheme (docs/aed-api.md, "List entries"). */
export function normalizeUrl(input: string): string | undefined {
  const url = input.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
  if (url.length === 0 || /\s/.test(url)) return undefined
  return url
}
