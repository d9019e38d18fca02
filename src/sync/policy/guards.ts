/**
 * Never-block guards (README.md, "The export is a sync"): values that must never reach an edge
 * blocklist. Loopback, link-local, multicast, unspecified and broadcast addresses, the AED's and
 * ThreatQ's own hosts and the `never_block` list are always refused; private ranges unless
 * `block_private_ranges`; CIDRs broader than `min_cidr_prefix`. A value is judged by the set of
 * addresses it covers, whatever its notation (address-set.ts): a CIDR is refused when it overlaps
 * a protected range, an IPv6 range also by the IPv4 addresses it embeds. A domain is refused when
 * it is, contains or lies under a protected name; a URL when its normalised form (url-key.ts) lies
 * under a `never_block` URL prefix, or its host is refused.
 */
import { domainToASCII } from 'node:url'
import { NEVER_BLOCK_MAX_ENTRIES } from '../../config/options.js'
import { ConfigError } from '../../errors.js'
import { urlHost } from '../../stix/patterns.js'
import { ipv4Images, parseSpan, RangeIndex, type Span, type V4, type V6 } from './address-set.js'
import { urlKey } from './url-key.js'

/**
 * Bumped whenever a guard refuses more than before: it is part of the export policy's fingerprint,
 * so members the ledger passed under older guards are judged again.
 */
export const GUARDS_VERSION = 2

export interface GuardOptions {
  neverBlock: readonly string[]
  blockPrivateRanges: boolean
  minPrefixV4: number
  minPrefixV6: number
  /** Hosts the connector talks to (host[:port] or [v6]:port), with who they are. */
  ownHosts: readonly { host: string; who: string }[]
}

type Labelled<T extends number | bigint> = Span<T> & { reason: string }

/** Ranges no run ever exports, whatever the options. */
const ALWAYS: readonly [string, string][] = [
  ['0.0.0.0/8', 'never blocked: unspecified address'],
  ['127.0.0.0/8', 'never blocked: loopback'],
  ['169.254.0.0/16', 'never blocked: link-local'],
  ['224.0.0.0/4', 'never blocked: multicast'],
  ['255.255.255.255/32', 'never blocked: broadcast'],
  ['::/128', 'never blocked: unspecified address'],
  ['::1/128', 'never blocked: loopback'],
  ['fe80::/10', 'never blocked: link-local'],
  ['ff00::/8', 'never blocked: multicast'],
]

const PRIVATE_REASON = 'private range (block_private_ranges is false)'
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']

/** Protected ranges of one tier, each family indexed; IPv6 ones lend their IPv4 images. */
class Tier {
  private readonly v4: Labelled<number>[] = []
  private readonly v6: Labelled<bigint>[] = []
  private index4 = new RangeIndex<number>([])
  private index6 = new RangeIndex<bigint>([])

  /** False when `text` is not an address or CIDR. */
  add(text: string, reason: string): boolean {
    const span = parseSpan(text)
    if (span === undefined) return false
    if ('v4' in span) this.v4.push({ ...span.v4, reason })
    else {
      this.v6.push({ ...span.v6, reason })
      // A protected IPv6 form of IPv4 addresses protects those addresses in every spelling.
      for (const { v4 } of ipv4Images(span.v6)) this.v4.push({ ...v4, reason })
    }
    return true
  }

  seal(): void {
    this.index4 = new RangeIndex(this.v4)
    this.index6 = new RangeIndex(this.v6)
  }

  overlap4(span: V4): string | undefined {
    return this.index4.overlap(span.lo, span.hi)
  }

  overlap6(span: V6): string | undefined {
    return this.index6.overlap(span.lo, span.hi)
  }
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

/** `a.b.c` → `a.b.c`, `b.c`, `c`. */
function selfAndParents(name: string): string[] {
  const out = [name]
  for (let at = name.indexOf('.'); at >= 0; at = name.indexOf('.', at + 1))
    out.push(name.slice(at + 1))
  return out
}

export class Guards {
  private readonly fixed = new Tier()
  private readonly listed = new Tier()
  /** Protected names: a name at or under one is refused. */
  private readonly names = new Map<string, string>()
  /** Every name at or above a protected one: refused too. */
  private readonly above = new Map<string, string>()
  /**
   * Hosts of never_block URLs, and every name above them: a domain or address block of such a
   * host would block the protected URL, but a URL elsewhere on that host is fine.
   */
  private readonly urlHostsAbove = new Map<string, string>()
  private readonly urlHostAddresses = new Tier()
  /** never_block URL prefixes by host. */
  private readonly prefixes = new Map<string, { path: string; reason: string }[]>()

  constructor(private readonly options: GuardOptions) {
    if (options.neverBlock.length > NEVER_BLOCK_MAX_ENTRIES)
      throw new ConfigError(
        `options.never_block: ${String(options.neverBlock.length)} entries, at most ${String(NEVER_BLOCK_MAX_ENTRIES)} are read`,
        { option: 'never_block' },
      )
    for (const [cidr, reason] of ALWAYS) this.fixed.add(cidr, reason)
    if (!options.blockPrivateRanges)
      for (const cidr of PRIVATE) this.fixed.add(cidr, PRIVATE_REASON)
    for (const entry of options.neverBlock) this.addNeverBlock(entry)
    for (const { host, who } of options.ownHosts) {
      const bare = hostOnly(host)
      if (!this.fixed.add(bare, `${who}'s own address`))
        this.addName(asciiName(bare), `${who}'s own host`)
    }
    this.fixed.seal()
    this.listed.seal()
    this.urlHostAddresses.seal()
  }

  private addName(name: string, reason: string): void {
    if (!this.names.has(name)) this.names.set(name, reason)
    for (const parent of selfAndParents(name))
      if (!this.above.has(parent)) this.above.set(parent, reason)
  }

  private addNeverBlock(raw: string): void {
    const entry = raw.trim()
    const reason = `in never_block (${entry})`
    if (entry.includes('://')) {
      const key = urlKey(entry)
      if (key === undefined)
        throw new ConfigError(`options.never_block: ${JSON.stringify(raw)} is not a URL`, {
          option: 'never_block',
        })
      const list = this.prefixes.get(key.host) ?? []
      list.push({ path: key.path, reason })
      this.prefixes.set(key.host, list)
      // A domain block of the host (or a parent) would block the protected URL as well.
      const host = key.host.startsWith('[') ? key.host.slice(1, -1) : key.host
      if (!this.urlHostAddresses.add(host, reason))
        for (const parent of selfAndParents(host))
          if (!this.urlHostsAbove.has(parent)) this.urlHostsAbove.set(parent, reason)
      return
    }
    if (this.listed.add(entry, reason)) return
    const name = asciiName(entry.replace(/^\*?\./, ''))
    // `010.1.1.1` or `1.2.3.4/33` is a mistyped address, not a domain to protect.
    if (/^[\d./]+$/.test(name) || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name))
      throw new ConfigError(
        `options.never_block: ${JSON.stringify(raw)} is not a CIDR, an IP address, a domain or a URL prefix (scheme://host/path)`,
        { option: 'never_block' },
      )
    this.addName(name, reason)
  }

  /**
   * Why a validated indicator value must not be exported, or undefined when it may be. `value` is
   * the form buildPattern checked: an address, `address/bits`, an ASCII domain, a URL.
   */
  refusal(objectPath: string, value: string): string | undefined {
    if (objectPath === 'ipv4-addr:value' || objectPath === 'ipv6-addr:value')
      return this.addressRefusal(value, this.urlHostAddresses)
    if (objectPath === 'domain-name:value') {
      const name = asciiName(value)
      return this.nameRefusal(name) ?? this.urlHostsAbove.get(name)
    }
    if (objectPath === 'url:value') {
      const key = urlKey(value)
      if (key !== undefined)
        for (const { path, reason } of this.prefixes.get(key.host) ?? [])
          // A plain prefix: `/app` covers `/app/x`, `/app?x` and also `/application` (safe side).
          if (key.path.startsWith(path)) return reason
      const host = bareUrlHost(value)
      if (host === undefined) return undefined
      return parseSpan(host) !== undefined
        ? this.addressRefusal(host)
        : this.nameRefusal(asciiName(host))
    }
    return undefined
  }

  /** `extra`: the hosts of never_block URLs, when the value is an address (not a URL's host). */
  private addressRefusal(value: string, extra?: Tier): string | undefined {
    const span = parseSpan(value)
    if (span === undefined) return undefined
    if ('v4' in span) return this.breadth4(span.v4, '') ?? this.overlap4(span.v4, extra)
    const v6 = span.v6
    const own =
      this.breadth6(v6) ??
      this.fixed.overlap6(v6) ??
      this.listed.overlap6(v6) ??
      extra?.overlap6(v6)
    if (own !== undefined) return own
    for (const { form, v4 } of ipv4Images(v6)) {
      const broad = this.breadth4(v4, ` in its ${form} form`)
      if (broad !== undefined) return broad
      const why = this.overlap4(v4, extra)
      if (why !== undefined) return `${why} (${form} form)`
    }
    return undefined
  }

  private overlap4(span: V4, extra: Tier | undefined): string | undefined {
    return this.fixed.overlap4(span) ?? this.listed.overlap4(span) ?? extra?.overlap4(span)
  }

  private breadth4(span: V4, form: string): string | undefined {
    const min = this.options.minPrefixV4
    return span.bits < min
      ? `CIDR broader than /${String(min)} (min_cidr_prefix)${form}`
      : undefined
  }

  private breadth6(span: V6): string | undefined {
    const min = this.options.minPrefixV6
    return span.bits < min ? `CIDR broader than /${String(min)} (min_cidr_prefix_ipv6)` : undefined
  }

  /**
   * Why an address or CIDR must not go to an allow list: only its breadth matters there (an
   * allow entry blocks nothing, but a broad one switches AED's protection off for a network),
   * in every notation: `::ffff:0:0/96` would allow all of IPv4.
   */
  allowRefusal(value: string): string | undefined {
    if (!value.includes('/')) return undefined
    const span = parseSpan(value)
    if (span === undefined) return undefined
    if ('v4' in span) return this.breadth4(span.v4, '')
    const own = this.breadth6(span.v6)
    if (own !== undefined) return own
    for (const { form, v4 } of ipv4Images(span.v6)) {
      const why = this.breadth4(v4, ` in its ${form} form`)
      if (why !== undefined) return why
    }
    return undefined
  }

  /** `name`: ASCII, lower case. */
  private nameRefusal(name: string): string | undefined {
    const above = this.above.get(name)
    if (above !== undefined) return above
    // The name and each parent, without building them all: most names meet nothing.
    for (let at = -1; ;) {
      const reason = this.names.get(at < 0 ? name : name.slice(at + 1))
      if (reason !== undefined) return reason
      at = name.indexOf('.', at + 1)
      if (at < 0) return undefined
    }
  }
}
