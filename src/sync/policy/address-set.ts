/**
 * Address sets for the never-block guards (README.md, "The export is a sync"): a value is judged by
 * the addresses it covers, not by how it is spelt. IPv4 ranges are 32-bit numbers, IPv6 ranges
 * 128-bit BigInts; an IPv6 range that overlaps a space embedding IPv4 addresses (mapped,
 * compatible, NAT64, 6to4, Teredo) also covers the IPv4 prefix its fixed bits spell there.
 */

/** An inclusive range of addresses; `bits` is the prefix length it was written with. */
export interface Span<T extends number | bigint> {
  lo: T
  hi: T
  bits: number
}
export type V4 = Span<number>
export type V6 = Span<bigint>

/**
 * A dotted quad to its 32-bit number, or undefined (the common case: no BigInt). Leading zeros
 * are refused, as node's isIPv4 does: `010` is 8 to some parsers and 10 to others.
 */
function quad(text: string): number | undefined {
  let n = 0
  let octet = -1
  let dots = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) {
      if (octet < 0 || dots === 3) return undefined
      n = n * 256 + octet
      octet = -1
      dots++
    } else if (c >= 48 && c <= 57) {
      if (octet === 0) return undefined
      octet = octet < 0 ? c - 48 : octet * 10 + c - 48
      if (octet > 255) return undefined
    } else return undefined
  }
  return dots === 3 && octet >= 0 ? n * 256 + octet : undefined
}

/**
 * An IPv6 address (RFC 4291 text, a dotted-quad tail allowed) to its 128-bit number, or undefined.
 * Not ipaddr.js: it reads `::127.0.0.1` (compatible) as `::ffff:127.0.0.1` (mapped), another
 * address. One pass over the characters: this runs for every IPv6 value of an export.
 */
function parseV6(text: string): bigint | undefined {
  const groups: number[] = []
  let gap = -1
  let group = 0
  let digits = 0
  let i = 0
  if (text.startsWith('::')) {
    gap = 0
    i = 2
  }
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const hex =
      c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1
    if (hex >= 0) {
      if (++digits > 4) return undefined
      group = group * 16 + hex
    } else if (c === 58) {
      if (digits === 0) return undefined
      groups.push(group)
      group = 0
      digits = 0
      if (text.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return undefined
        gap = groups.length
        i++
        if (i === text.length - 1) break
      }
    } else if (c === 46) {
      // The last 32 bits as a dotted quad: from the start of this group.
      const v4 = quad(text.slice(i - digits))
      if (v4 === undefined || digits === 0) return undefined
      groups.push(Math.floor(v4 / 65536), v4 % 65536)
      digits = -1
      break
    } else return undefined
  }
  if (digits > 0) groups.push(group)
  else if (digits === 0 && gap !== groups.length) return undefined
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined
  let high = 0n
  let low = 0n
  const full =
    gap < 0
      ? groups
      : [...groups.slice(0, gap), ...Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)]
  for (let k = 0; k < 4; k++) {
    high = (high << 16n) | BigInt(full[k] ?? 0)
    low = (low << 16n) | BigInt(full[k + 4] ?? 0)
  }
  return (high << 64n) | low
}

/** The eight 16-bit groups of an IPv6 address, or undefined (for formatting it, e.g. RFC 5952). */
export function ipv6Groups(text: string): number[] | undefined {
  const n = parseV6(text)
  if (n === undefined) return undefined
  return Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn))
}

export function v4Span(address: number, bits: number): V4 {
  const size = 2 ** (32 - bits)
  const lo = address - (address % size)
  return { lo, hi: lo + size - 1, bits }
}

export function v6Span(address: bigint, bits: number): V6 {
  const free = BigInt(128 - bits)
  const lo = (address >> free) << free
  return { lo, hi: lo + (1n << free) - 1n, bits }
}

/** `address` or `address/bits` (either family) as a span, or undefined when it is neither. */
export function parseSpan(text: string): { v4: V4 } | { v6: V6 } | undefined {
  const slash = text.indexOf('/')
  const host = slash < 0 ? text : text.slice(0, slash)
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1)
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined
  const v4 = quad(host)
  if (v4 !== undefined) {
    const bits = bitsText === undefined ? 32 : Number(bitsText)
    return bits <= 32 ? { v4: v4Span(v4, bits) } : undefined
  }
  const v6 = host.includes(':') ? parseV6(host) : undefined
  const bits = bitsText === undefined ? 128 : Number(bitsText)
  return v6 === undefined || bits > 128 ? undefined : { v6: v6Span(v6, bits) }
}

/** Where a space carries IPv4 bits: [first IPv6 bit, length] segments, most significant first. */
interface Embedding {
  /** How the refusal names the form ("IPv4-mapped"). */
  form: string
  base: bigint
  bits: number
  segments: readonly (readonly [number, number])[]
  /** Teredo stores the client address inverted. */
  inverted: boolean
}

const embedding = (
  form: string,
  prefix: string,
  segments: readonly (readonly [number, number])[],
  inverted = false,
): Embedding => {
  const span = parseSpan(prefix)
  if (span === undefined || !('v6' in span)) throw new Error(`bad embedding prefix ${prefix}`)
  return { form, base: span.v6.lo, bits: span.v6.bits, segments, inverted }
}

const LAST_32 = [[96, 32]] as const

/**
 * Every space that embeds IPv4 addresses. NAT64's local-use prefix (RFC 8215) may be cut at any
 * RFC 6052 length from /48 to /96, each placing the address differently, and which one a site uses
 * cannot be known here: a range there is judged under every placement (safe side).
 */
export const EMBEDDINGS: readonly Embedding[] = [
  embedding('IPv4-mapped', '::ffff:0:0/96', LAST_32),
  embedding('IPv4-compatible', '::/96', LAST_32),
  embedding('IPv4-translated', '::ffff:0:0:0/96', LAST_32),
  embedding('NAT64', '64:ff9b::/96', LAST_32),
  embedding('NAT64 local-use /48', '64:ff9b:1::/48', [
    [48, 16],
    [72, 16],
  ]),
  embedding('NAT64 local-use /56', '64:ff9b:1::/48', [
    [56, 8],
    [72, 24],
  ]),
  embedding('NAT64 local-use /64', '64:ff9b:1::/48', [[72, 32]]),
  embedding('NAT64 local-use /96', '64:ff9b:1::/48', LAST_32),
  embedding('6to4', '2002::/16', [[16, 32]]),
  embedding('Teredo server', '2001::/32', [[32, 32]]),
  embedding('Teredo client', '2001::/32', LAST_32, true),
]

/** First 16 bits of every embedding space: any other range of /16 or longer embeds nothing. */
const EMBEDDING_HEADS = new Set(EMBEDDINGS.map((e) => Number(e.base >> 112n)))

/**
 * The IPv4 prefix a range covers in one embedding space, or undefined when it does not meet it.
 * Only the IPv4 bits the range's prefix fixes are known; the rest are free, so the image is a
 * prefix too (a range broader than the space covers every IPv4 address).
 */
function image(span: V6, e: Embedding): V4 | undefined {
  const common = BigInt(128 - Math.min(span.bits, e.bits))
  if (span.lo >> common !== e.base >> common) return undefined
  let value = 0
  let fixed = 0
  for (const [start, length] of e.segments) {
    const part = Number((span.lo >> BigInt(128 - start - length)) & ((1n << BigInt(length)) - 1n))
    value = value * 2 ** length + part
    fixed += Math.max(0, Math.min(length, span.bits - start))
  }
  if (e.inverted) value = 2 ** 32 - 1 - value
  return v4Span(value, fixed)
}

/** The IPv4 prefixes an IPv6 range covers through embedding spaces, with the form of each. */
export function ipv4Images(span: V6): { form: string; v4: V4 }[] {
  if (span.bits >= 16 && !EMBEDDING_HEADS.has(Number(span.lo >> 112n))) return []
  const out: { form: string; v4: V4 }[] = []
  for (const e of EMBEDDINGS) {
    const v4 = image(span, e)
    if (v4 !== undefined) out.push({ form: e.form, v4 })
  }
  return out
}

/**
 * Labelled ranges, found by overlap in O(log n): sorted by start, with the running maximum end
 * (and whose it is), so "does anything starting at or before `hi` reach `lo`" is one search.
 */
export class RangeIndex<T extends number | bigint> {
  private readonly starts: T[] = []
  private readonly reach: T[] = []
  private readonly owner: string[] = []

  constructor(entries: readonly (Span<T> & { reason: string })[]) {
    const sorted = [...entries].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0))
    let best: (Span<T> & { reason: string }) | undefined
    for (const entry of sorted) {
      if (best === undefined || entry.hi > best.hi) best = entry
      this.starts.push(entry.lo)
      this.reach.push(best.hi)
      this.owner.push(best.reason)
    }
  }

  get size(): number {
    return this.starts.length
  }

  /** The reason of a range overlapping [lo, hi], or undefined. */
  overlap(lo: T, hi: T): string | undefined {
    let low = 0
    let high = this.starts.length - 1
    let last = -1
    while (low <= high) {
      const mid = (low + high) >> 1
      if ((this.starts[mid] as T) <= hi) {
        last = mid
        low = mid + 1
      } else high = mid - 1
    }
    if (last < 0 || (this.reach[last] as T) < lo) return undefined
    return this.owner[last]
  }
}
