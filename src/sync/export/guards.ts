/**
 * Never-block guards (issue 13, DESIGN §2.3.1): values that must never reach an edge blocklist.
 * Loopback, link-local, multicast, unspecified and broadcast addresses, the AED's and ThreatQ's
 * own hosts and the `never_block` list are always refused; private ranges unless
 * `block_private_ranges`; CIDRs broader than `min_cidr_prefix`. A CIDR is refused when it
 * overlaps a protected range, a domain when it is, contains or lies under a protected name.
 */
import ipaddr from 'ipaddr.js'
import { domainToASCII } from 'node:url'
import { ConfigError } from '../../errors.js'
import { urlHost } from '../../stix/patterns.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6
interface Range {
  address: Address
  bits: number
  reason: string
}

export interface GuardOptions {
  neverBlock: readonly string[]
  blockPrivateRanges: boolean
  minPrefixV4: number
  minPrefixV6: number
  /** Hosts the connector talks to (host[:port] or [v6]:port), with who they are. */
  ownHosts: readonly { host: string; who: string }[]
}

const range = (cidr: string, reason: string): Range => {
  const [address, bits] = ipaddr.parseCIDR(cidr)
  return { address, bits, reason }
}

/** Ranges no run ever exports, whatever the options. */
const ALWAYS: readonly Range[] = [
  range('0.0.0.0/8', 'never blocked: unspecified address'),
  range('127.0.0.0/8', 'never blocked: loopback'),
  range('169.254.0.0/16', 'never blocked: link-local'),
  range('224.0.0.0/4', 'never blocked: multicast'),
  range('255.255.255.255/32', 'never blocked: broadcast'),
  range('::/128', 'never blocked: unspecified address'),
  range('::1/128', 'never blocked: loopback'),
  range('fe80::/10', 'never blocked: link-local'),
  range('ff00::/8', 'never blocked: multicast'),
]

const PRIVATE_REASON = 'private range (block_private_ranges is false)'
const PRIVATE: readonly Range[] = [
  range('10.0.0.0/8', PRIVATE_REASON),
  range('172.16.0.0/12', PRIVATE_REASON),
  range('192.168.0.0/16', PRIVATE_REASON),
  range('fc00::/7', PRIVATE_REASON),
]

function overlaps(a: Address, aBits: number, b: Range): boolean {
  if (a.kind() !== b.address.kind()) return false
  return aBits <= b.bits ? b.address.match(a, aBits) : a.match(b.address, b.bits)
}

/** An IPv4-mapped IPv6 address is checked as the IPv4 address it carries. */
function unmapped(address: Address, bits: number): [Address, number] {
  if (address.kind() === 'ipv6' && bits >= 96 && (address as ipaddr.IPv6).isIPv4MappedAddress())
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96]
  return [address, bits]
}

const asciiName = (name: string): string =>
  domainToASCII(name.trim().replace(/\.$/, '').toLowerCase()) || name.trim().toLowerCase()

/** `[v6]:port`, `host:port` or a bare host → the host. */
function hostOnly(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'))
  const colons = host.split(':').length - 1
  return colons === 1 ? (host.split(':')[0] ?? host) : host
}

/** The host of a URL, without the brackets of an IPv6 literal. */
function bareUrlHost(url: string): string | undefined {
  const host = urlHost(url)
  return host?.startsWith('[') === true ? host.slice(1, -1) : host
}

export class Guards {
  private readonly ranges: Range[]
  private readonly names: { name: string; reason: string }[] = []
  private readonly prefixes: { prefix: string; reason: string }[] = []

  constructor(private readonly options: GuardOptions) {
    this.ranges = [...ALWAYS, ...(options.blockPrivateRanges ? [] : PRIVATE)]
    for (const entry of options.neverBlock) this.addNeverBlock(entry)
    for (const { host, who } of options.ownHosts) {
      const bare = hostOnly(host)
      if (ipaddr.isValid(bare)) {
        const address = ipaddr.parse(bare)
        this.ranges.push({
          address,
          bits: address.kind() === 'ipv4' ? 32 : 128,
          reason: `${who}'s own address`,
        })
      } else this.names.push({ name: asciiName(bare), reason: `${who}'s own host` })
    }
  }

  private addNeverBlock(raw: string): void {
    const entry = raw.trim()
    const reason = `in never_block (${entry})`
    if (entry.includes('://')) {
      this.prefixes.push({ prefix: normalizeUrlPrefix(entry), reason })
      return
    }
    if (ipaddr.isValidCIDR(entry)) {
      const [address, bits] = ipaddr.parseCIDR(entry)
      this.ranges.push({ address, bits, reason })
      return
    }
    if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry)
      this.ranges.push({ address, bits: address.kind() === 'ipv4' ? 32 : 128, reason })
      return
    }
    const name = asciiName(entry.replace(/^\*?\./, ''))
    if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name))
      throw new ConfigError(
        `options.never_block: ${JSON.stringify(raw)} is not a CIDR, an IP address, a domain or a URL prefix (scheme://host/path)`,
      )
    this.names.push({ name, reason })
  }

  /**
   * Why a validated indicator value must not be exported, or undefined when it may be. `value` is
   * the form buildPattern checked: an address, `address/bits`, an ASCII domain, a URL.
   */
  refusal(objectPath: string, value: string): string | undefined {
    if (objectPath === 'ipv4-addr:value' || objectPath === 'ipv6-addr:value')
      return this.addressRefusal(value)
    if (objectPath === 'domain-name:value') return this.nameRefusal(value)
    if (objectPath === 'url:value') {
      const normalized = normalizeUrlPrefix(value)
      for (const { prefix, reason } of this.prefixes)
        if (normalized.startsWith(prefix)) return reason
      const host = bareUrlHost(value)
      if (host === undefined) return undefined
      return ipaddr.isValid(host) ? this.addressRefusal(host) : this.nameRefusal(host)
    }
    return undefined
  }

  private addressRefusal(value: string): string | undefined {
    const slash = value.indexOf('/')
    let address: Address
    let bits: number
    try {
      address = ipaddr.parse(slash < 0 ? value : value.slice(0, slash))
      bits = slash < 0 ? (address.kind() === 'ipv4' ? 32 : 128) : Number(value.slice(slash + 1))
    } catch {
      return undefined
    }
    const broad = this.breadthRefusal(address, bits)
    if (broad !== undefined) return broad
    ;[address, bits] = unmapped(address, bits)
    return this.ranges.find((r) => overlaps(address, bits, r))?.reason
  }

  private breadthRefusal(address: Address, bits: number): string | undefined {
    const min = address.kind() === 'ipv4' ? this.options.minPrefixV4 : this.options.minPrefixV6
    if (bits < min)
      return `CIDR broader than /${String(min)} (min_cidr_prefix${address.kind() === 'ipv6' ? '_ipv6' : ''})`
    return undefined
  }

  /**
   * Why an address or CIDR must not go to an allow list: only its breadth matters there (an
   * allow entry blocks nothing, but a broad one switches AED's protection off for a network).
   */
  allowRefusal(value: string): string | undefined {
    const slash = value.indexOf('/')
    if (slash < 0 || !ipaddr.isValidCIDR(value)) return undefined
    const [address, bits] = ipaddr.parseCIDR(value)
    return this.breadthRefusal(address, bits)
  }

  private nameRefusal(value: string): string | undefined {
    const name = asciiName(value)
    for (const entry of this.names) {
      if (name === entry.name || name.endsWith(`.${entry.name}`) || entry.name.endsWith(`.${name}`))
        return entry.reason
    }
    return undefined
  }
}

/** scheme and host lower-case and in ASCII; the rest as written. */
function normalizeUrlPrefix(url: string): string {
  const host = bareUrlHost(url)
  const schemeEnd = url.indexOf('://')
  if (host === undefined || schemeEnd < 0) return url.toLowerCase()
  const at = url.indexOf(host, schemeEnd + 3)
  return `${url.slice(0, at).toLowerCase()}${asciiName(host)}${url.slice(at + host.length)}`
}
