import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../../errors.js'
import { DNS, IP, IP6, testGuards as guards, URL_PATH } from '../../../test/helpers/guards.js'

describe('never-block guards', () => {
  const g = guards()
  const cases: [string, string, RegExp | undefined][] = [
    [IP, '127.0.0.1', /loopback/],
    [IP, '169.254.10.1', /link-local/],
    [IP, '224.0.0.251', /multicast/],
    [IP, '0.0.0.0', /unspecified/],
    [IP, '255.255.255.255', /broadcast/],
    [IP6, '::1', /loopback/],
    [IP6, 'fe80::1', /link-local/],
    [IP6, 'ff02::1', /multicast/],
    [IP6, '::ffff:127.0.0.1', /loopback/],
    [IP, '10.1.2.3', /private range/],
    [IP, '192.168.1.1', /private range/],
    [IP6, 'fd00::1', /private range/],
    [IP, '10.0.0.0/8', /CIDR broader than \/16/],
    [IP, '126.0.0.0/7', /CIDR broader than \/16/],
    [IP6, '2001:db8::/32', /CIDR broader than \/48/],
    [IP, '127.0.0.0/24', /loopback/],
    [IP, '203.0.113.0/24', /ThreatQ's own address/],
    [IP, '203.0.113.9', /ThreatQ's own address/],
    [DNS, 'aed.corp.example', /the AED's own host/],
    [DNS, 'corp.example', /the AED's own host/],
    [URL_PATH, 'https://aed.corp.example/x', /the AED's own host/],
    [URL_PATH, 'http://127.0.0.1:8080/x', /loopback/],
    [URL_PATH, 'http://[::1]/x', /loopback/],
    [IP, '198.51.100.7', undefined],
    [IP, '198.51.100.0/24', undefined],
    [IP6, '2001:db8::1', undefined],
    [DNS, 'evil.example', undefined],
    [DNS, 'other.corp2.example', undefined],
    [URL_PATH, 'http://evil.example/corp.example', undefined],
  ]
  for (const [path, value, reason] of cases)
    it(`${value}: ${reason === undefined ? 'exported' : reason.source}`, () => {
      const got = g.refusal(path, value)
      if (reason === undefined) assert.equal(got, undefined)
      else assert.match(got ?? '(exported)', reason)
    })

  it('exports private ranges when block_private_ranges is true, never loopback', () => {
    const open = guards({ blockPrivateRanges: true })
    assert.equal(open.refusal(IP, '10.1.2.3'), undefined)
    assert.equal(open.refusal(IP6, 'fd00::1'), undefined)
    assert.match(open.refusal(IP, '127.0.0.1') ?? '', /loopback/)
  })

  it('honours never_block CIDRs, domains with their subdomains, and URL prefixes', () => {
    const g2 = guards({
      neverBlock: [
        '198.51.100.0/24',
        '2001:db8:1::5',
        'partner.example',
        'https://cdn.example/safe/',
      ],
    })
    assert.match(g2.refusal(IP, '198.51.100.7') ?? '', /never_block \(198\.51\.100\.0\/24\)/)
    assert.match(g2.refusal(IP, '198.51.0.0/16') ?? '', /never_block/)
    assert.match(g2.refusal(IP6, '2001:db8:1::5') ?? '', /never_block/)
    assert.match(g2.refusal(DNS, 'partner.example') ?? '', /never_block \(partner\.example\)/)
    assert.match(g2.refusal(DNS, 'www.partner.example') ?? '', /never_block/)
    assert.match(g2.refusal(URL_PATH, 'http://mail.partner.example/a') ?? '', /never_block/)
    assert.match(g2.refusal(URL_PATH, 'https://CDN.example/safe/x.js') ?? '', /never_block/)
    assert.equal(g2.refusal(URL_PATH, 'https://cdn.example/other'), undefined)
    assert.equal(g2.refusal(DNS, 'notpartner.example'), undefined)
  })

  it('refuses a never_block entry it cannot read, naming it', () => {
    assert.throws(
      () => guards({ neverBlock: ['not a host!'] }),
      (e: unknown) => e instanceof ConfigError && /"not a host!"/.test(e.message),
    )
  })
})
