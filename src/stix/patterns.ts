/**
 * STIX patterns for ThreatQ indicators: strict validation of the value, then a single comparison
 * `[<object-path> = '<escaped literal>']`. Facts: docs/stix.md, "Patterns" and "Escaping".
 */
import { isIPv4, isIPv6 } from 'node:net'
import { domainToASCII } from 'node:url'
import { hasUnsafeCharacters } from '../log/one-line.js'

/** ThreatQ indicator type names that have a STIX pattern. */
const PATTERN_TYPES = [
  'IP Address',
  'IPv6 Address',
  'CIDR Block',
  'FQDN',
  'URL',
  'Email Address',
  'MD5',
  'SHA-1',
  'SHA-256',
  'SHA-512',
] as const
export type PatternType = (typeof PATTERN_TYPES)[number]

/**
 * The types AED enforces (docs/aed-api.md, "TAXII server on AED"); the others are exported only
 * when asked.
 */
export const AED_ENFORCEABLE_TYPES: ReadonlySet<string> = new Set<PatternType>([
  'IP Address',
  'IPv6 Address',
  'CIDR Block',
  'FQDN',
  'URL',
])

export type PatternResult =
  | { ok: true; pattern: string; value: string; objectPath: string }
  | { ok: false; code: 'unsupported-type' | 'invalid'; reason: string }

/**
 * Escapes a string for a STIX pattern literal: backslash first, then the quote — the only two
 * escapes the grammar allows inside '…'.
 */
export function escapePatternLiteral(value: string): string {
  // Nearly every value has neither: two scans cost far less than two replaceAll calls.
  if (!value.includes('\\') && !value.includes("'")) return value
  return value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")
}

/** Inverse of escapePatternLiteral; throws on an escape the grammar does not allow. */
export function unescapePatternLiteral(literal: string): string {
  return literal.replace(/\\(.?)/gsu, (_, next: string) => {
    if (next === '\\' || next === "'") return next
    throw new SyntaxError(`invalid escape \\${next} in a STIX string literal`)
  })
}

const HASH_LENGTHS = { MD5: 32, 'SHA-1': 40, 'SHA-256': 64, 'SHA-512': 128 } as const
const MAX_VALUE_LENGTH = 8192
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/u

type Check = { ok: true; value: string } | { ok: false; reason: string }
const fail = (reason: string): Check => ({ ok: false, reason })

/** Dotted-quad IPv4 only: node's isIPv4 already refuses `010.1.1.1` and `1.2.3`. */
function checkIPv4(value: string): Check {
  return isIPv4(value) ? { ok: true, value } : fail('not a dotted-quad IPv4 address')
}

function checkIPv6(value: string): Check {
  if (value.includes('%')) return fail('IPv6 zone ids are not addresses AED can match')
  return isIPv6(value) ? { ok: true, value: value.toLowerCase() } : fail('not an IPv6 address')
}

function checkCidr(value: string): Check {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value)
  if (match === null) return fail('not in address/prefix form')
  const [, address = '', prefixText = ''] = match
  if (prefixText.length > 1 && prefixText.startsWith('0')) return fail('prefix has a leading zero')
  const prefix = Number(prefixText)
  if (isIPv4(address)) {
    if (prefix > 32) return fail(`IPv4 prefix /${prefixText} is above /32`)
    return { ok: true, value: `${address}/${prefixText}` }
  }
  const v6 = checkIPv6(address)
  if (v6.ok) {
    if (prefix > 128) return fail(`IPv6 prefix /${prefixText} is above /128`)
    return { ok: true, value: `${v6.value}/${prefixText}` }
  }
  return fail('the address part is not a valid IPv4 or IPv6 address')
}

const HOST_CHARS = /^[\p{L}\p{M}\p{N}._-]+$/u
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/
const TLD = /^(?!-)(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})(?<!-)$/

/** A DNS host name: at least two labels, LDH (plus `_` below the TLD), IDNs in A-label form. */
function checkHostname(raw: string): Check {
  const name = raw.endsWith('.') ? raw.slice(0, -1) : raw
  // domainToASCII silently cuts at URL delimiters ("a.com/x" → "a.com"): allow only name characters.
  if (!HOST_CHARS.test(name)) return fail('not a host name')
  const ascii = domainToASCII(name)
  if (ascii === '' || ascii.length > 253) return fail('not a valid host name')
  const labels = ascii.split('.')
  const tld = labels.at(-1) ?? ''
  if (labels.length < 2) return fail('a host name needs at least two labels')
  if (!TLD.test(tld)) return fail(`"${tld}" is not a valid top-level label`)
  if (!labels.every((l) => LABEL.test(l))) return fail('a label is empty, too long or malformed')
  return { ok: true, value: ascii }
}

function checkUrl(value: string): Check {
  if (CONTROL_OR_SPACE.test(value)) return fail('URL contains white space or control characters')
  // U+202E and the like: the URL would display as another one in every list, log and summary.
  if (hasUnsafeCharacters(value))
    return fail('URL contains invisible or bidirectional control characters')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail('not an absolute URL')
  }
  if (!['http:', 'https:', 'ftp:'].includes(url.protocol))
    return fail(`scheme ${url.protocol} is not http, https or ftp`)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (!isIPv4(host) && !isIPv6(host) && !checkHostname(host).ok)
    return fail('URL host is not a valid host name or address')
  // The host in the form domains are sent (ASCII, lower case): AED matches a URL's host as it
  // matches a domain. The rest stays as written: normalising the path could change what matches.
  const written = urlHost(value)
  if (written === undefined || written.startsWith('[') || written === host)
    return { ok: true, value }
  const at = value.indexOf(written, value.indexOf('://') + 3)
  return { ok: true, value: `${value.slice(0, at)}${host}${value.slice(at + written.length)}` }
}

/** The host of an absolute URL as written (scheme://[user@]host[:port]/…), or undefined. */
export function urlHost(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url)
  const host = match?.[1]
  return host === undefined || host === '' ? undefined : host
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/

function checkEmail(value: string): Check {
  const at = value.lastIndexOf('@')
  if (at <= 0) return fail('not an e-mail address')
  const local = value.slice(0, at)
  if (
    !LOCAL_PART.test(local) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  )
    return fail('malformed local part')
  const domain = checkHostname(value.slice(at + 1))
  return domain.ok ? { ok: true, value: `${local}@${domain.value}` } : fail('malformed domain')
}

function checkHash(value: string, length: number): Check {
  if (!/^[0-9a-fA-F]+$/.test(value)) return fail('hash is not hexadecimal')
  if (value.length !== length)
    return fail(`hash has ${String(value.length)} hex digits, expected ${String(length)}`)
  return { ok: true, value: value.toLowerCase() }
}

interface TypeRule {
  check(value: string): Check
  objectPath(value: string): string
}

const fixed = (path: string) => (): string => path
const hash = (name: keyof typeof HASH_LENGTHS): TypeRule => ({
  check: (v) => checkHash(v, HASH_LENGTHS[name]),
  // Hash keys with a hyphen must be quoted; MD5 is quoted too, for one consistent form.
  objectPath: fixed(`file:hashes.'${name}'`),
})

const RULES: Record<PatternType, TypeRule> = {
  'IP Address': { check: checkIPv4, objectPath: fixed('ipv4-addr:value') },
  'IPv6 Address': { check: checkIPv6, objectPath: fixed('ipv6-addr:value') },
  'CIDR Block': {
    check: checkCidr,
    objectPath: (v) => (v.includes(':') ? 'ipv6-addr:value' : 'ipv4-addr:value'),
  },
  FQDN: { check: checkHostname, objectPath: fixed('domain-name:value') },
  URL: { check: checkUrl, objectPath: fixed('url:value') },
  'Email Address': { check: checkEmail, objectPath: fixed('email-addr:value') },
  MD5: hash('MD5'),
  'SHA-1': hash('SHA-1'),
  'SHA-256': hash('SHA-256'),
  'SHA-512': hash('SHA-512'),
}

function isPatternType(type: string): type is PatternType {
  return (PATTERN_TYPES as readonly string[]).includes(type)
}

/** The last pattern built, and from what (buildPattern). */
let lastType = ''
let lastValue = ''
let lastResult: PatternResult | undefined

/**
 * Builds the STIX pattern for a ThreatQ indicator, or says why it cannot: the value is validated
 * strictly and an invalid one is never sent. The export judges a value (its policy verdict) and
 * then converts it, asking twice in a row: the second answer is the first one's.
 */
export function buildPattern(type: string, rawValue: string): PatternResult {
  if (lastResult !== undefined && rawValue === lastValue && type === lastType) return lastResult
  const result = patternOf(type, rawValue)
  lastType = type
  lastValue = rawValue
  lastResult = result
  return result
}

function patternOf(type: string, rawValue: string): PatternResult {
  if (!isPatternType(type))
    return {
      ok: false,
      code: 'unsupported-type',
      reason: `indicator type "${type}" has no STIX pattern`,
    }
  const trimmed = rawValue.trim()
  if (trimmed.length === 0) return { ok: false, code: 'invalid', reason: 'empty value' }
  if (trimmed.length > MAX_VALUE_LENGTH)
    return {
      ok: false,
      code: 'invalid',
      reason: `value longer than ${String(MAX_VALUE_LENGTH)} characters`,
    }
  const rule = RULES[type]
  const checked = rule.check(trimmed)
  if (!checked.ok)
    return { ok: false, code: 'invalid', reason: `invalid ${type}: ${checked.reason}` }
  const objectPath = rule.objectPath(checked.value)
  return {
    ok: true,
    value: checked.value,
    objectPath,
    pattern: `[${objectPath} = '${escapePatternLiteral(checked.value)}']`,
  }
}
