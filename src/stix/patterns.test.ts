import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { buildPattern, escapePatternLiteral, unescapePatternLiteral } from './patterns.js'

function pattern(type: string, value: string): string {
  const result = buildPattern(type, value)
  assert.ok(result.ok, `${type} ${value}: ${result.ok ? '' : result.reason}`)
  return result.pattern
}

function rejected(type: string, value: string): string {
  const result = buildPattern(type, value)
  assert.ok(
    !result.ok,
    `${type} "${value}" should be rejected, got ${result.ok ? result.pattern : ''}`,
  )
  return result.reason
}

/**
 * Reads `[<path> = '<literal>']` the way the STIX grammar does: StringLiteral is
 * ' ( ~['\\] | \\' | \\\\ )* '. Returns the literal's raw text, or undefined when the pattern is
 * not exactly one comparison with one literal that ends right before `']`.
 */
function singleLiteral(p: string, path: string): string | undefined {
  const prefix = `[${path} = '`
  if (!p.startsWith(prefix)) return undefined
  let i = prefix.length
  while (i < p.length) {
    const c = p[i]
    if (c === '\\') {
      const next = p[i + 1]
      if (next !== '\\' && next !== "'") return undefined
      i += 2
    } else if (c === "'") break
    else i += 1
  }
  if (p.slice(i) !== "']") return undefined
  return p.slice(prefix.length, i)
}

describe('STIX pattern escaping', () => {
  it('escapes backslash first, then the quote', () => {
    assert.equal(escapePatternLiteral("a\\'b"), "a\\\\\\'b")
    assert.equal(escapePatternLiteral("it's"), "it\\'s")
  })

  it('round-trips any string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        (s) => unescapePatternLiteral(escapePatternLiteral(s)) === s,
      ),
      { numRuns: 2000 },
    )
  })

  it('no value can end the literal early or add a comparison', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^[a-z'\\\] =OR[\-:.]{0,40}$/),
      fc.constantFrom("x' OR ipv4-addr:value = '1.2.3.4", "x\\' ]", '\\', "'", "']", "a\\\\'b"),
    )
    fc.assert(
      fc.property(hostile, (s) => {
        const p = `[url:value = '${escapePatternLiteral(s)}']`
        const literal = singleLiteral(p, 'url:value')
        return literal !== undefined && unescapePatternLiteral(literal) === s
      }),
      { numRuns: 3000 },
    )
  })

  it('escapes quotes and backslashes inside URLs', () => {
    const p = pattern('URL', "http://evil.example/it's\\here")
    assert.equal(p, "[url:value = 'http://evil.example/it\\'s\\\\here']")
  })
})

describe('STIX patterns per ThreatQ indicator type', () => {
  it('builds the templates of the reference', () => {
    assert.equal(pattern('IP Address', '198.51.100.1'), "[ipv4-addr:value = '198.51.100.1']")
    assert.equal(pattern('CIDR Block', '198.51.100.0/24'), "[ipv4-addr:value = '198.51.100.0/24']")
    assert.equal(pattern('CIDR Block', '2001:DB8::/32'), "[ipv6-addr:value = '2001:db8::/32']")
    assert.equal(pattern('IPv6 Address', '2001:db8::1'), "[ipv6-addr:value = '2001:db8::1']")
    assert.equal(pattern('FQDN', 'Evil.Example.COM.'), "[domain-name:value = 'evil.example.com']")
    assert.equal(
      pattern('URL', 'http://example.com/a?b=c'),
      "[url:value = 'http://example.com/a?b=c']",
    )
    assert.equal(
      pattern('Email Address', 'bad@example.com'),
      "[email-addr:value = 'bad@example.com']",
    )
    assert.equal(
      pattern('MD5', 'D41D8CD98F00B204E9800998ECF8427E'),
      "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']",
    )
    assert.equal(pattern('SHA-1', 'a'.repeat(40)), `[file:hashes.'SHA-1' = '${'a'.repeat(40)}']`)
    assert.equal(
      pattern('SHA-256', 'b'.repeat(64)),
      `[file:hashes.'SHA-256' = '${'b'.repeat(64)}']`,
    )
    assert.equal(
      pattern('SHA-512', 'c'.repeat(128)),
      `[file:hashes.'SHA-512' = '${'c'.repeat(128)}']`,
    )
  })

  it('converts internationalised domain names to A-labels', () => {
    assert.equal(pattern('FQDN', 'bücher.example'), "[domain-name:value = 'xn--bcher-kva.example']")
  })

  it('trims surrounding white space', () => {
    assert.equal(pattern('IP Address', ' 10.0.0.1\n'), "[ipv4-addr:value = '10.0.0.1']")
  })

  const invalid: [string, string][] = [
    ['IP Address', '010.1.1.1'],
    ['IP Address', '1.2.3'],
    ['IP Address', '256.1.1.1'],
    ['IP Address', '1.2.3.4/32'],
    ['IP Address', '0x7f.0.0.1'],
    ['IPv6 Address', '2001:db8::1::2'],
    ['IPv6 Address', 'fe80::1%eth0'],
    ['IPv6 Address', '1.2.3.4'],
    ['CIDR Block', '10.0.0.0/33'],
    ['CIDR Block', '10.0.0.0/'],
    ['CIDR Block', '10.0.0.0/08'],
    ['CIDR Block', '2001:db8::/129'],
    ['CIDR Block', '010.0.0.0/8'],
    ['CIDR Block', '10.0.0.0'],
    ['FQDN', 'localhost'],
    ['FQDN', '-bad.example.com'],
    ['FQDN', 'bad-.example.com'],
    ['FQDN', 'a..example.com'],
    ['FQDN', 'example.123'],
    ['FQDN', `${'a'.repeat(64)}.example.com`],
    ['FQDN', 'evil.example.com/path'],
    ['FQDN', "evil'.example.com"],
    ['FQDN', 'ev il.example.com'],
    ['URL', 'example.com/path'],
    ['URL', 'javascript:alert(1)'],
    ['URL', 'http://exa mple.com/'],
    ['URL', 'http://bad_host/'],
    ['URL', 'http://example.com/\nx'],
    ['Email Address', 'no-at.example.com'],
    ['Email Address', '.dot@example.com'],
    ['Email Address', 'a@localhost'],
    ['MD5', 'abc'],
    ['MD5', 'g'.repeat(32)],
    ['SHA-1', 'a'.repeat(41)],
    ['SHA-256', 'a'.repeat(63)],
    ['SHA-512', 'a'.repeat(64)],
    ['Filename', 'evil.exe'],
    ['URL', ''],
    ['URL', `http://example.com/${'a'.repeat(9000)}`],
  ]
  for (const [type, value] of invalid)
    it(`rejects ${type} ${JSON.stringify(value.length > 40 ? `${value.slice(0, 30)}…` : value)}`, () => {
      assert.ok(rejected(type, value).length > 0)
    })

  it("refuses values with line breaks, NUL, bidi and invisible controls; escapes quotes and ']'", () => {
    for (const [type, value] of [
      ['URL', 'http://a.example/x\nnetscout-aed: forged'],
      ['URL', 'http://a.example/a\u0000b'],
      ['URL', 'http://a.example/\u202etxt.exe'],
      ['URL', 'http://a.example/\u2066x\u2069'],
      ['URL', 'http://a.example/\u200bx'],
      ['URL', 'http://a.example/\ufeffx'],
      ['FQDN', 'a.example\nb.example'],
      ['FQDN', 'a.example,b.example'],
      ['FQDN', 'a\u202e.example'],
      ['Email Address', 'a\u202e@a.example'],
    ] as [string, string][])
      assert.ok(rejected(type, value).length > 0, JSON.stringify(value))
    assert.match(rejected('URL', 'http://a.example/\u202etxt.exe'), /bidirectional/)
    assert.equal(
      pattern('URL', "http://a.example/x']OR[ipv4-addr:value='0.0.0.0/0'"),
      "[url:value = 'http://a.example/x\\']OR[ipv4-addr:value=\\'0.0.0.0/0\\'']",
    )
    assert.equal(
      pattern('Email Address', "o'brien@a.example"),
      "[email-addr:value = 'o\\'brien@a.example']",
    )
  })

  it('answers a value asked again in a row from the first build, and each other value anew', () => {
    const first = buildPattern('FQDN', 'twice.example')
    assert.equal(buildPattern('FQDN', 'twice.example'), first, 'the same answer, not a new one')
    assert.deepEqual(buildPattern('URL', 'twice.example'), {
      ok: false,
      code: 'invalid',
      reason: 'invalid URL: not an absolute URL',
    })
    assert.equal(pattern('IP Address', '192.0.2.1'), "[ipv4-addr:value = '192.0.2.1']")
    assert.notEqual(buildPattern('FQDN', 'twice.example'), first, 'built again after others')
    assert.deepEqual(buildPattern('FQDN', 'twice.example'), first)
  })

  it('says why a value was rejected', () => {
    assert.match(rejected('CIDR Block', '10.0.0.0/33'), /prefix \/33/)
    assert.match(rejected('SHA-256', 'a'.repeat(63)), /63 hex digits, expected 64/)
    assert.match(rejected('Filename', 'x'), /has no STIX pattern/)
  })
})
