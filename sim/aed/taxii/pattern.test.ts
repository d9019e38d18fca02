import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { enforcementOf } from './enforcement.js'
import { readPattern } from './pattern.js'

const ind = (
  pattern: string,
  extra: Record<string, unknown> = {},
): Parameters<typeof enforcementOf>[0] => ({
  type: 'indicator',
  id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  pattern,
  ...extra,
})

describe('sim-side STIX pattern reader', () => {
  it('reads one comparison and OR-joined comparisons and observations', () => {
    assert.deepEqual(readPattern("[ipv4-addr:value = '198.51.100.1']"), {
      ok: true,
      comparisons: [{ objectType: 'ipv4-addr', path: 'value', value: '198.51.100.1' }],
    })
    const read = readPattern(
      "[domain-name:value = 'a.example' OR url:value = 'http://b/'] OR [ipv6-addr:value == '2001:db8::/32']",
    )
    assert.ok(read.ok)
    assert.deepEqual(
      read.comparisons.map((c) => c.value),
      ['a.example', 'http://b/', '2001:db8::/32'],
    )
  })

  it("unescapes \\\\ and \\' and refuses any other escape", () => {
    const read = readPattern("[url:value = 'http://x/it\\'s\\\\here']")
    assert.ok(read.ok)
    assert.equal(read.comparisons[0]?.value, "http://x/it's\\here")
    const bad = readPattern("[url:value = 'http://x/bad\\escape']")
    assert.equal(bad.ok, false)
    assert.match(bad.reason, /syntax error: invalid escape/)
  })

  it("reads quoted property paths such as hashes.'SHA-256'", () => {
    const read = readPattern("[file:hashes.'SHA-256' = 'ab']")
    assert.ok(read.ok)
    assert.equal(read.comparisons[0]?.path, "hashes.'SHA-256'")
  })

  it('says why richer patterns are not enforceable', () => {
    const cases: [string, RegExp][] = [
      ["[ipv4-addr:value = '1.1.1.1' AND ipv4-addr:value = '2.2.2.2']", /AND/],
      ["[ipv4-addr:value = '1.1.1.1'] FOLLOWEDBY [ipv4-addr:value = '2.2.2.2']", /FOLLOWEDBY/],
      ["[ipv4-addr:value = '1.1.1.1'] WITHIN 10 SECONDS", /WITHIN/],
      ["[ipv4-addr:value != '1.1.1.1']", /operator/],
      ["[ipv4-addr:value ISSUBSET '10.0.0.0/8']", /operator/],
      ["[ipv4-addr:value = '1.1.1.1'", /syntax error/],
      ["ipv4-addr:value = '1.1.1.1'", /expected "\["/],
      ["[ipv4-addr:value = 'unterminated]", /unterminated/],
    ]
    for (const [pattern, reason] of cases) {
      const read = readPattern(pattern)
      assert.equal(read.ok, false, pattern)
      assert.match(read.reason, reason, pattern)
    }
  })
})

describe('STIX indicator → AED enforcement ([SIM] rule)', () => {
  it('maps ipv4/ipv6 addresses and CIDRs to ip, domain-name to dns, url to url', () => {
    const e = enforcementOf(
      ind(
        "[ipv4-addr:value = '198.51.100.7/32' OR ipv6-addr:value = '2001:DB8::1' OR domain-name:value = 'Evil.Example.' OR url:value = 'https://evil.example/a']",
      ),
    )
    assert.deepEqual(
      e.entries.map((x) => [x.matchType, x.value]),
      [
        ['ip', '198.51.100.7'],
        ['ip', '2001:db8::1'],
        ['dns', 'evil.example'],
        ['url', 'evil.example/a'],
      ],
    )
    assert.equal(e.reason, null)
  })

  it('enforces the enforceable part of an OR and names the rest', () => {
    const e = enforcementOf(
      ind("[ipv4-addr:value = '1.1.1.1' OR email-addr:value = 'a@b.example']"),
    )
    assert.deepEqual(
      e.entries.map((x) => x.value),
      ['1.1.1.1'],
    )
    assert.match(e.reason ?? '', /email-addr:value is not an enforceable match type/)
  })

  it('refuses invalid values, wrong address families, revoked objects and non-indicators', () => {
    assert.match(
      enforcementOf(ind("[ipv4-addr:value = '2001:db8::1']")).reason ?? '',
      /not a valid ipv4-addr/,
    )
    assert.match(
      enforcementOf(ind("[domain-name:value = 'bad domain']")).reason ?? '',
      /not a valid domain-name/,
    )
    assert.equal(
      enforcementOf(ind("[ipv4-addr:value = '1.1.1.1']", { revoked: true })).reason,
      'revoked',
    )
    assert.equal(
      enforcementOf(ind("[ipv4-addr:value = '1.1.1.1']", { pattern_type: 'snort' })).entries.length,
      0,
    )
    assert.equal(
      enforcementOf({ type: 'malware', id: 'malware--x' }).reason,
      'only indicators are enforced',
    )
  })
})
