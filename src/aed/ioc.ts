/**
 * A value AED matched, as a ThreatQ indicator: its type by AED's match type, and the value in the
 * form ThreatQ validates. Shared by everything that reads AED's findings: alerts
 * (src/sync/import/convert.ts), syslog notifications (src/syslog/notification.ts) and EDM records
 * (src/edm/notification.ts).
 */
import { isIPv4, isIPv6 } from 'node:net'
import { buildPattern } from '../stix/patterns.js'

/** node's isIPv6 runs a long regex even on an IPv4 address; every IPv6 address has a colon. */
export const isV6 = (value: string): boolean => value.includes(':') && isIPv6(value)

/** The indicator type of a value AED matched, by its match type. */
export function iocType(matchType: string | null | undefined, value: string): string | undefined {
  switch (matchType) {
    case 'ip':
      return value.includes('/') ? 'CIDR Block' : isV6(value) ? 'IPv6 Address' : 'IP Address'
    case 'dns':
      return 'FQDN'
    case 'url':
      return 'URL'
    default:
      return isIPv4(value) ? 'IP Address' : isV6(value) ? 'IPv6 Address' : undefined
  }
}

/** AED stores URLs without a scheme (docs/aed-api.md, "List entries"); ThreatQ's URL type wants one to validate. */
export function validated(
  type: string,
  value: string,
): { ok: true; value: string } | { ok: false; reason: string } {
  const candidate =
    type === 'URL' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? `http://${value}` : value
  const checked = buildPattern(type, candidate)
  if (!checked.ok) return { ok: false, reason: checked.reason }
  return { ok: true, value: type === 'URL' ? value : checked.value }
}
