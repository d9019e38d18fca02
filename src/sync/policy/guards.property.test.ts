/**
 * The guards judge address sets, not spellings. Ranges are generated in every notation (IPv4,
 * IPv4-mapped, compatible, translated, NAT64 and its local-use prefix, 6to4, Teredo, supersets of
 * those spaces, ordinary IPv6) and compared with an oracle written apart from the guards: bit
 * strings, where an IPv6 range's IPv4 image is a pattern of fixed and free bits. A range is refused
 * exactly when the oracle says it is too broad or meets a protected set.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Guards } from './guards.js'

type Bits = string // '0'/'1' characters, most significant first
/** An IPv4 set: 32 characters, '0', '1' or '*' (free). */
type Pattern = string

const v4Bits = (n: number): Bits => n.toString(2).padStart(32, '0')
const v6Bits = (n: bigint): Bits => n.toString(2).padStart(128, '0')

/** The v6 bit index of each IPv4 bit, per RFC 4291, 6052, 3056, 4380 and 8215. */
interface OracleSpace {
  prefix: Bits
  at: number[]
  inverted: boolean
}
const run = (from: number, length: number): number[] => Array.from({ length }, (_, i) => from + i)
const space = (hexPrefix: bigint, bits: number, at: number[], inverted = false): OracleSpace => ({
  prefix: v6Bits(hexPrefix).slice(0, bits),
  at,
  inverted,
})
const LOCAL = 0x0064ff9b0001n << 80n
const MAPPED = space(0xffffn << 32n, 96, run(96, 32))
const SPACES: OracleSpace[] = [
  MAPPED,
  space(0n, 96, run(96, 32)),
  space(0xffffn << 48n, 96, run(96, 32)),
  space(0x64ff9bn << 96n, 96, run(96, 32)),
  space(LOCAL, 48, [...run(48, 16), ...run(72, 16)]),
  space(LOCAL, 48, [...run(56, 8), ...run(72, 24)]),
  space(LOCAL, 48, run(72, 32)),
  space(LOCAL, 48, run(96, 32)),
  space(0x2002n << 112n, 16, run(16, 32)),
  space(0x2001n << 112n, 32, run(32, 32)),
  space(0x2001n << 112n, 32, run(96, 32), true),
]

/** The IPv4 set an IPv6 prefix covers in one space, or undefined when it misses the space. */
function oracleImage(bits: Bits, length: number, s: OracleSpace): Pattern | undefined {
  const common = Math.min(length, s.prefix.length)
  if (bits.slice(0, common) !== s.prefix.slice(0, common)) return undefined
  return s.at
    .map((pos) => {
      if (pos >= length) return '*'
      const bit = bits[pos] ?? '0'
      return s.inverted ? (bit === '1' ? '0' : '1') : bit
    })
    .join('')
}

const meet = (a: Pattern, b: Pattern): boolean =>
  Array.from(a, (c, i) => c === '*' || b[i] === '*' || b[i] === c).every(Boolean)
const v4Pattern = (n: number, length: number): Pattern => v4Bits(n).slice(0, length).padEnd(32, '*')
const fixedCount = (p: Pattern): number => p.replaceAll('*', '').length

interface Value {
  v6: boolean
  address: bigint
  length: number
  text: string
}

const quad = (n: number): string =>
  [24, 16, 8, 0].map((shift) => String(Math.floor(n / 2 ** shift) % 256)).join('.')

function v6Text(address: bigint, style: number): string {
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((address >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  )
  if (style === 0) return groups.join(':')
  if (style === 1) return `${groups.slice(0, 6).join(':')}:${quad(Number(address & 0xffffffffn))}`
  // Compressed: the first longest run of zero groups as `::`.
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLength) [best, bestLength] = [i, j - i]
    i = j === i ? i + 1 : j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`
}

const withLength = (text: string, length: number, full: number): string =>
  length === full ? text : `${text}/${String(length)}`

/** IPv4 addresses near the protected ones, so that generated ranges meet them often. */
const ANCHORS = [
  '127.0.0.1',
  '10.1.2.3',
  '172.16.5.4',
  '192.168.1.1',
  '169.254.1.1',
  '224.0.0.1',
  '255.255.255.255',
  '0.0.0.1',
  '203.0.113.9',
  '198.51.100.7',
  '8.8.8.8',
].map((a) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0))

const v4Address = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc
    .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: 0, max: 255 }))
    .map(([a, noise]) => (a ^ noise) >>> 0),
)
const v4Length = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 12, max: 32 }))

/** An address of an embedding space carrying `v4`, with random bits elsewhere. */
function embed(s: OracleSpace, v4: number, noise: bigint): bigint {
  const bits = v6Bits(noise).split('')
  for (let i = 0; i < s.prefix.length; i++) bits[i] = s.prefix[i] ?? '0'
  const v4b = v4Bits(v4)
  s.at.forEach((pos, j) => {
    const bit = v4b[j] ?? '0'
    bits[pos] = s.inverted ? (bit === '1' ? '0' : '1') : bit
  })
  return BigInt(`0b${bits.join('')}`)
}

const anyBig = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })

const v6Value: fc.Arbitrary<Value> = fc
  .tuple(
    fc.oneof(
      // In an embedding space, cut so that its IPv4 bits are partly fixed.
      fc
        .tuple(fc.integer({ min: 0, max: SPACES.length - 1 }), v4Address, anyBig, v4Length)
        .map(([i, v4, noise, fixed]) => {
          const s = SPACES[i] ?? MAPPED
          const last = fixed === 0 ? s.prefix.length : (s.at[fixed - 1] ?? 127) + 1
          return { address: embed(s, v4, noise), length: Math.min(128, last) }
        }),
      // Around an embedding space, often broader than it.
      fc
        .tuple(
          fc.integer({ min: 0, max: SPACES.length - 1 }),
          anyBig,
          fc.integer({ min: 0, max: 128 }),
        )
        .map(([i, noise, length]) => {
          const s = SPACES[i] ?? MAPPED
          return { address: embed(s, 0, noise), length }
        }),
      fc
        .tuple(anyBig, fc.integer({ min: 0, max: 128 }))
        .map(([address, length]) => ({ address, length })),
    ),
    fc.integer({ min: 0, max: 2 }),
  )
  .map(([{ address, length }, style]) => ({
    v6: true,
    address,
    length,
    text: withLength(v6Text(address, style), length, 128),
  }))

const v4Value: fc.Arbitrary<Value> = fc.tuple(v4Address, v4Length).map(([a, length]) => ({
  v6: false,
  address: BigInt(a),
  length,
  text: withLength(quad(a), length, 32),
}))

interface Setup {
  minV4: number
  minV6: number
  blockPrivate: boolean
  neverBlock: Value[]
}

const setup: fc.Arbitrary<Setup> = fc.record({
  minV4: fc.constantFrom(0, 8, 16, 24),
  minV6: fc.constantFrom(0, 16, 32, 48, 64),
  blockPrivate: fc.boolean(),
  neverBlock: fc.array(
    fc.oneof(
      v4Value.filter((v) => v.length >= 8),
      v6Value.filter((v) => v.length >= 8),
    ),
    { maxLength: 3 },
  ),
})

/** The protected sets of a setup, as the oracle sees them. */
function protectedSets(s: Setup): { v4: Pattern[]; v6: Bits[] } {
  const v4: Pattern[] = []
  const v6: Bits[] = []
  const addV4 = (a: number, length: number) => v4.push(v4Pattern(a, length))
  const addV6 = (a: bigint, length: number) => {
    const bits = v6Bits(a)
    v6.push(bits.slice(0, length))
    for (const sp of SPACES) {
      const image = oracleImage(bits, length, sp)
      if (image !== undefined) v4.push(image)
    }
  }
  const cidr4 = (text: string) => {
    const [a = '', l = '32'] = text.split('/')
    addV4(
      a.split('.').reduce((n, o) => n * 256 + Number(o), 0),
      Number(l),
    )
  }
  for (const c of [
    '0.0.0.0/8',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '224.0.0.0/4',
    '255.255.255.255/32',
  ])
    cidr4(c)
  addV6(0n, 128)
  addV6(1n, 128)
  addV6(0xfe80n << 112n, 10)
  addV6(0xff00n << 112n, 8)
  if (!s.blockPrivate) {
    for (const c of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) cidr4(c)
    addV6(0xfc00n << 112n, 7)
  }
  cidr4('203.0.113.9/32')
  for (const e of s.neverBlock)
    if (e.v6) addV6(e.address, e.length)
    else addV4(Number(e.address), e.length)
  return { v4, v6 }
}

/** Whether the oracle refuses `value`: too broad, or meeting a protected set, in any reading. */
function oracleRefuses(value: Value, s: Setup): boolean {
  const sets = protectedSets(s)
  if (!value.v6) {
    if (value.length < s.minV4) return true
    const p = v4Pattern(Number(value.address), value.length)
    return sets.v4.some((q) => meet(p, q))
  }
  if (value.length < s.minV6) return true
  const bits = v6Bits(value.address)
  const mine = bits.slice(0, value.length)
  if (sets.v6.some((q) => q.startsWith(mine) || mine.startsWith(q))) return true
  return SPACES.some((sp) => {
    const image = oracleImage(bits, value.length, sp)
    return (
      image !== undefined && (fixedCount(image) < s.minV4 || sets.v4.some((q) => meet(image, q)))
    )
  })
}

const guardsOf = (s: Setup): Guards =>
  new Guards({
    neverBlock: s.neverBlock.map((v) => v.text),
    blockPrivateRanges: s.blockPrivate,
    minPrefixV4: s.minV4,
    minPrefixV6: s.minV6,
    ownHosts: [
      { host: 'aed.corp.example:8443', who: 'the AED' },
      { host: '203.0.113.9', who: 'ThreatQ' },
    ],
  })

describe('never-block guards judge address sets in every notation (property)', () => {
  it('a range is refused exactly when it is too broad or meets a protected set', () => {
    fc.assert(
      fc.property(
        setup,
        fc.array(fc.oneof(v4Value, v6Value, v6Value), { minLength: 1, maxLength: 8 }),
        (s, values) => {
          const g = guardsOf(s)
          for (const value of values) {
            const refusal = g.refusal(value.v6 ? 'ipv6-addr:value' : 'ipv4-addr:value', value.text)
            const expected = oracleRefuses(value, s)
            assert.equal(
              refusal !== undefined,
              expected,
              `${value.text}: guards say ${refusal ?? 'export'}, oracle says ${expected ? 'refuse' : 'export'}`,
            )
          }
        },
      ),
      { numRuns: 400 },
    )
  })
})

describe('never_block URL prefixes hold for every spelling (property)', () => {
  const segment = fc.stringMatching(/^[a-z0-9_~-]{1,6}$/)
  const host = fc.constantFrom('intranet.example.org', 'cdn.example', 'bücher.example')
  /** Percent-encodes one unreserved character of `text` (upper or lower hex), never a `/`. */
  const encodeOne = (text: string, at: number, upper: boolean): string => {
    const positions = Array.from(text, (c, i) => (c === '/' ? -1 : i)).filter((i) => i >= 0)
    const i = positions[at % positions.length] ?? 0
    const hex = (text.codePointAt(i) ?? 0).toString(16)
    return `${text.slice(0, i)}%${upper ? hex.toUpperCase() : hex}${text.slice(i + 1)}`
  }
  const spelling = fc.record({
    scheme: fc.constantFrom('https', 'http', 'HTTPS'),
    upperHost: fc.boolean(),
    trailingDot: fc.boolean(),
    port: fc.constantFrom('', ':443', ':80'),
    userinfo: fc.constantFrom('', 'user@', 'user:pw@'),
    dotSegment: fc.constantFrom('', '/.', '/x/..', '/%2e', '/X/%2E%2E'),
    encode: fc.option(fc.tuple(fc.nat(), fc.boolean()), { nil: undefined }),
    doubleSlash: fc.boolean(),
    suffix: fc.constantFrom('', '/', '/more', '?q=1', '#f', 'lication'),
  })

  it('a value spelling a protected prefix differently is refused', () => {
    fc.assert(
      fc.property(
        host,
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        spelling,
        (h, segs, s) => {
          const g = guardsOf({ minV4: 16, minV6: 48, blockPrivate: false, neverBlock: [] })
          const entry = `https://${h}/${segs.join('/')}`
          const guarded = new Guards({
            neverBlock: [entry],
            blockPrivateRanges: false,
            minPrefixV4: 16,
            minPrefixV6: 48,
            ownHosts: [],
          })
          let path = segs.join('/')
          if (s.encode !== undefined) path = encodeOne(path, s.encode[0], s.encode[1])
          const hostText = `${s.upperHost ? h.toUpperCase() : h}${s.trailingDot ? '.' : ''}`
          const value = `${s.scheme}://${s.userinfo}${hostText}${s.port}${s.dotSegment}${s.doubleSlash ? '//' : '/'}${path}${s.suffix}`
          assert.match(guarded.refusal('url:value', value) ?? '(exported)', /never_block/, value)
          // Without the entry, the same value is exported: the refusal is the entry's doing.
          assert.equal(g.refusal('url:value', value), undefined, value)
        },
      ),
      { numRuns: 300 },
    )
  })
})
