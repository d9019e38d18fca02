/**
 * [SIM] How STIX indicators pushed into a TAXII collection become AED enforcement entries
 * (docs/aed-api.md, "TAXII server on AED"): IPv4/IPv6 addresses and CIDRs → `ip`, domain names →
 * `dns`, URLs → `url`. Other comparisons are stored but not enforced; each object records why.
 */
import type { StixObject } from '../../../src/stix/types.js'
import { scalarText } from '../json.js'
import { normalizeDomain, normalizeUrl, parseHostRange, type HostRange } from '../net.js'
import { readPattern } from './pattern.js'

export type MatchType = 'ip' | 'dns' | 'url'

export interface EnforcementEntry {
  matchType: MatchType
  /** Canonical value (CIDR text, lower-case domain, URL without scheme). */
  value: string
  /** The literal as written in the pattern: the alert's `iocPattern`. */
  iocPattern: string
  /** CIDRs only: single hosts are matched by their text. */
  range?: HostRange
}

export interface Enforcement {
  entries: EnforcementEntry[]
  /** Why (part of) the object is not enforced; null when all of it is. */
  reason: string | null
}

/** [SIM] Object path per enforceable object type. */
const ENFORCEABLE: Record<string, { path: string; matchType: MatchType }> = {
  'ipv4-addr': { path: 'value', matchType: 'ip' },
  'ipv6-addr': { path: 'value', matchType: 'ip' },
  'domain-name': { path: 'value', matchType: 'dns' },
  url: { path: 'value', matchType: 'url' },
}

function entryFor(objectType: string, literal: string): EnforcementEntry | string {
  const matchType = ENFORCEABLE[objectType]?.matchType
  if (matchType === 'ip') {
    const range = parseHostRange(literal)
    const family = objectType === 'ipv4-addr' ? 4 : 6
    if (range?.family !== family) return `"${literal}" is not a valid ${objectType} value`
    const entry: EnforcementEntry = { matchType, value: range.text, iocPattern: literal }
    // Kept for CIDRs only: every stored indicator holds its entries, and most are single hosts.
    if (range.bits < (family === 4 ? 32 : 128)) entry.range = range
    return entry
  }
  const value = matchType === 'dns' ? normalizeDomain(literal) : normalizeUrl(literal)
  if (value === undefined || matchType === undefined)
    return `"${literal}" is not a valid ${objectType} value`
  return { matchType, value, iocPattern: literal }
}

/** Shared by every object they apply to (read-only by convention): one allocation fewer per object. */
const notEnforced = (reason: string): Enforcement => ({ entries: [], reason })
const NOT_AN_INDICATOR = notEnforced('only indicators are enforced')
const REVOKED = notEnforced('revoked')
const NO_PATTERN = notEnforced('indicator has no pattern')

/** The enforcement an object's latest version asks for. */
export function enforcementOf(object: StixObject): Enforcement {
  if (object.type !== 'indicator') return NOT_AN_INDICATOR
  if (object.revoked === true) return REVOKED
  if (typeof object.pattern !== 'string') return NO_PATTERN
  if (object.pattern_type !== undefined && object.pattern_type !== 'stix') {
    return {
      entries: [],
      reason: `pattern_type ${scalarText(object.pattern_type)} is not enforced`,
    }
  }
  const reading = readPattern(object.pattern)
  if (!reading.ok) return { entries: [], reason: reading.reason }
  const entries: EnforcementEntry[] = []
  const skipped: string[] = []
  for (const c of reading.comparisons) {
    const spec = ENFORCEABLE[c.objectType]
    if (spec?.path !== c.path) {
      skipped.push(`${c.objectType}:${c.path} is not an enforceable match type (ip, dns, url)`)
      continue
    }
    const entry = entryFor(c.objectType, c.value)
    if (typeof entry === 'string') skipped.push(entry)
    else entries.push(entry)
  }
  // A copy: an array grown by push keeps room for 16 entries, and every stored indicator keeps it.
  return { entries: entries.slice(), reason: skipped.length === 0 ? null : skipped.join('; ') }
}
