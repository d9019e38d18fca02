/**
 * Hostile indicators (docs/reliability.md, "Hostile input"): every spelling of a protected value is
 * refused, over TAXII (the export verdict) and REST (list targets) alike; an oversized never_block
 * is refused.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseOptions } from '../../config/options.js'
import { ConfigError } from '../../errors.js'
import type { Guards } from '../policy/guards.js'
import { DNS, IP, IP6, testGuards as guards, URL_PATH } from '../../../test/helpers/guards.js'
import { verdict } from '../policy/verdict.js'
import { hostValue, type ListPolicy, targetOf } from './targets.js'

const policy = (g: Guards): ListPolicy => ({
  revokeStatuses: [],
  guards: g,
  exportAllTypes: false,
  now: 0,
  fingerprint: '',
  allowStatuses: ['Whitelisted'],
  inbound: false,
})

describe('hostile indicators: IPv6 forms of IPv4 ranges', () => {
  const g = guards({ neverBlock: ['198.51.100.0/24'] })
  const refused: [string, RegExp][] = [
    // Broader than /16 once read as IPv4.
    ['::ffff:128.0.0.0/99', /broader than \/16 \(min_cidr_prefix\) in its IPv4-mapped form/],
    ['::ffff:8000:0/97', /broader than \/16/],
    ['64:ff9b::/96', /broader than \/16 .*NAT64/],
    ['::/96', /unspecified|loopback|broader than \/16/],
    ['2001:0:808::/48', /broader than \/16 .*Teredo/],
    // Supersets of the embedding spaces cover every IPv4 address.
    ['::fffe:0:0/95', /broader than \/16 .*IPv4-mapped/],
    ['::/80', /unspecified|loopback|broader/],
    // Protected IPv4 addresses in every spelling.
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:127.0.0.0/120', /loopback \(IPv4-mapped form\)/],
    ['::127.0.0.1', /loopback \(IPv4-compatible form\)/],
    ['::ffff:0:7f00:1', /loopback \(IPv4-translated form\)/],
    ['64:ff9b::7f00:1', /loopback \(NAT64 form\)/],
    ['64:ff9b::10.1.2.3', /private range .*NAT64/],
    ['64:ff9b:1:7f00:0:100::/96', /loopback \(NAT64 local-use/],
    ['2002:7f00:1::/48', /loopback \(6to4 form\)/],
    ['2002:a01:203::/48', /private range .*6to4/],
    ['2001:0:7f00:1::/64', /loopback \(Teredo server form\)|broader.*Teredo client/],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /loopback \(Teredo client form\)/],
    ['::ffff:203.0.113.9', /ThreatQ's own address \(IPv4-mapped form\)/],
    ['64:ff9b::c633:6407', /never_block \(198\.51\.100\.0\/24\) \(NAT64 form\)/],
  ]
  for (const [value, reason] of refused)
    it(`${value}: refused (${reason.source})`, () => {
      assert.match(g.refusal(IP6, value) ?? '(exported)', reason)
    })

  const exported = [
    '::ffff:198.18.0.1',
    '::ffff:8.8.8.0/120',
    '64:ff9b::808:808',
    '2002:808:808::/48',
    '2001:db8::/48',
    '2a00:1450::/48',
    '2001:0:808:808:8000:63bf:f7f7:f7f7',
  ]
  for (const value of exported)
    it(`${value}: exported`, () => {
      assert.equal(g.refusal(IP6, value), undefined)
    })

  it('with min_cidr_prefix_ipv6 lowered, 6to4 ranges are still held to the IPv4 minimum', () => {
    const low = guards({ minPrefixV6: 8 })
    assert.match(
      low.refusal(IP6, '2002::/16') ?? '',
      /broader than \/16 \(min_cidr_prefix\) in its 6to4 form/,
    )
    assert.match(low.refusal(IP6, '2002:c000::/19') ?? '', /broader than \/16 .*6to4/)
    assert.equal(low.refusal(IP6, '2002:c633:6400::/40'), undefined)
  })

  it('a URL is judged by its host in every spelling', () => {
    for (const url of [
      'http://[::ffff:7f00:1]/x',
      'http://[2002:7f00:1::1]/x',
      'http://[64:ff9b::a00:1]/',
    ])
      assert.notEqual(g.refusal(URL_PATH, url), undefined, url)
  })

  it('REST writes the address that was judged: a compatible address stays compatible', () => {
    assert.equal(hostValue('::8.8.8.8'), '::808:808')
    assert.equal(hostValue('::1.2.3.0/120'), '::102:300/120')
    assert.equal(hostValue('::ffff:8.8.8.8'), '::ffff:808:808')
    assert.equal(hostValue('2001:DB8:0:0:0:0:0:1'), '2001:db8::1')
  })

  it('an IPv6 never_block entry in an embedding space protects its IPv4 addresses', () => {
    const g2 = guards({ neverBlock: ['::ffff:198.51.100.0/120'] })
    assert.match(g2.refusal(IP, '198.51.100.7') ?? '', /never_block/)
    assert.match(g2.refusal(IP6, '64:ff9b::198.51.100.7') ?? '', /never_block/)
    assert.equal(g2.refusal(IP, '198.51.101.7'), undefined)
  })

  it('TAXII: the export verdict refuses them', () => {
    const p = policy(g)
    for (const value of ['::fffe:0:0/95', '::ffff:128.0.0.0/99'])
      assert.equal(
        verdict({ type: 'CIDR Block', value, status: 'Active', expiresAt: undefined }, p).ok,
        false,
        value,
      )
  })

  it('REST: no deny entry, and no allow entry switching off protection for all of IPv4', () => {
    const p = policy(g)
    for (const value of ['::fffe:0:0/95', '::ffff:128.0.0.0/99', '2002::/16']) {
      const deny = targetOf(
        { type: 'CIDR Block', value, status: 'Active', expiresAt: undefined },
        p,
      )
      assert.equal(deny.ok, false, `deny ${value}`)
    }
    for (const value of ['::ffff:0:0/96', '::fffe:0:0/95', '::ffff:128.0.0.0/99']) {
      const allow = targetOf(
        { type: 'CIDR Block', value, status: 'Whitelisted', expiresAt: undefined },
        p,
      )
      assert.equal(allow.ok, false, `allow ${value}`)
    }
    const fine = targetOf(
      {
        type: 'CIDR Block',
        value: '::ffff:8.8.8.0/120',
        status: 'Whitelisted',
        expiresAt: undefined,
      },
      p,
    )
    assert.equal(fine.ok, true)
  })
})

describe('hostile indicators: never_block URL prefixes in other spellings', () => {
  const g = guards({ neverBlock: ['https://intranet.example.org/app'] })
  const covered = [
    'https://intranet.example.org/app',
    'https://intranet.example.org:443/app',
    'https://user@intranet.example.org/app',
    'https://user:pw@intranet.example.org/app',
    'https://intranet.example.org/./app',
    'https://intranet.example.org/x/../app',
    'https://intranet.example.org/%2e/app',
    'https://intranet.example.org/%61pp',
    'https://intranet.example.org//app',
    'https://intranet.example.org/APP',
    'https://INTRANET.example.org./app',
    'http://intranet.example.org/app',
    'https://intranet.example.org/app/x',
    'https://intranet.example.org/app?x=1',
    'https://intranet.example.org/app#frag',
    // Safe side: a text prefix, not a path segment, so /application is covered too.
    'https://intranet.example.org/application',
  ]
  for (const value of covered)
    it(`${value}: refused`, () => {
      assert.match(g.refusal(URL_PATH, value) ?? '(exported)', /never_block/)
    })
  for (const value of [
    'https://intranet.example.org/ap',
    'https://intranet.example.org/other/app',
    'https://intranet.example.org.evil.example/app',
    'https://www.intranet.example.org/app',
  ])
    it(`${value}: exported`, () => {
      assert.equal(g.refusal(URL_PATH, value), undefined)
    })

  it('an IDN entry covers its A-label spelling, and the other way round', () => {
    const idn = guards({ neverBlock: ['https://bücher.example/shop'] })
    assert.match(idn.refusal(URL_PATH, 'https://xn--bcher-kva.example/shop/1') ?? '', /never_block/)
    const ace = guards({ neverBlock: ['https://xn--bcher-kva.example/shop'] })
    assert.match(ace.refusal(URL_PATH, 'https://BÜCHER.example/shop') ?? '', /never_block/)
  })

  it('a domain block of the protected URL host (or a parent) is refused, a URL elsewhere is not', () => {
    assert.match(g.refusal(DNS, 'intranet.example.org') ?? '', /never_block/)
    assert.match(g.refusal(DNS, 'example.org') ?? '', /never_block/)
    assert.equal(g.refusal(DNS, 'www.intranet.example.org'), undefined)
    assert.equal(g.refusal(URL_PATH, 'https://intranet.example.org/other'), undefined)
  })

  it('REST: the scheme-less list value is refused in every spelling', () => {
    const p = policy(g)
    for (const value of covered.slice(0, 12)) {
      const t = targetOf({ type: 'URL', value, status: 'Active', expiresAt: undefined }, p)
      assert.equal(t.ok, false, value)
    }
  })
})

describe('hostile operator input: an oversized never_block', () => {
  const refusedNamingNeverBlock = (e: unknown): boolean =>
    e instanceof ConfigError && e.code === 2 && e.option === 'never_block'

  it('a never_block of a million entries from the connector record is refused, exit 2', () => {
    const huge = Array.from(
      { length: 1_000_000 },
      (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    )
    assert.throws(() => parseOptions({ never_block: huge.join(',') }, {}), refusedNamingNeverBlock)
    assert.throws(() => parseOptions({}, { never_block: huge }), refusedNamingNeverBlock)
  })

  it('ten thousand entries are read; one more is refused', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i)}.example`)
    assert.equal(
      parseOptions({ never_block: list(10_000).join(',') }, {}).options.never_block.length,
      10_000,
    )
    assert.throws(
      () => parseOptions({ never_block: list(10_001).join(',') }, {}),
      refusedNamingNeverBlock,
    )
    assert.throws(() => guards({ neverBlock: list(10_001) }), refusedNamingNeverBlock)
  })

  it('a never_block of 10,000 entries of every kind protects each of them', () => {
    const entries = Array.from(
      { length: 10_000 },
      (_, i) =>
        [
          `198.${String(i % 200)}.${String(i >> 8)}.0/24`,
          `h${String(i)}.example`,
          `https://s${String(i)}.example/p`,
        ][i % 3] ?? '',
    )
    const g = guards({ neverBlock: entries })
    // Speed (looked up, not scanned) is measured in docs/reliability.md, not asserted here.
    for (let i = 0; i < 10_000; i += 997) {
      const n = String(i)
      if (i % 3 === 0) assert.ok(g.refusal(IP, `198.${String(i % 200)}.${String(i >> 8)}.7`), n)
      if (i % 3 === 1) assert.ok(g.refusal(DNS, `www.h${n}.example`), n)
      if (i % 3 === 2) assert.ok(g.refusal(URL_PATH, `https://s${n}.example/p/x`), n)
      assert.equal(g.refusal(DNS, `x${n}.other.example`), undefined, n)
      assert.equal(g.refusal(URL_PATH, `https://s${n}.example/q`), undefined, n)
    }
  })

  it('an unreadable URL entry or a mistyped address is refused naming never_block', () => {
    for (const entry of ['https://exa mple/', '010.1.1.1', '1.2.3.4/33', '1.2.3.4.5'])
      assert.throws(() => guards({ neverBlock: [entry] }), refusedNamingNeverBlock, entry)
  })

  it('a YAML list of few but huge entries is refused too', () => {
    const big = 'x'.repeat(600_000)
    assert.throws(() => parseOptions({}, { never_block: [big, big] }), refusedNamingNeverBlock)
  })
})
