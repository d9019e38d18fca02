/**
 * Where a member of the data collection goes over REST (docs/mapping.md, "AED lists"):
 * the export's verdict decides whether it may be blocked; `allow_list_statuses` send it to the
 * allow lists instead; its kind picks the lists, in the form AED stores values.
 */
import ipaddr from 'ipaddr.js'
import { type AedList, LISTS, type Scope } from '../../aed/lists.js'
import { buildPattern } from '../../stix/patterns.js'
import type { MemberFacts } from '../members.js'
import { ipv6Groups } from '../policy/address-set.js'
import { type ExportPolicy, verdict } from '../policy/verdict.js'

export interface ListPolicy extends ExportPolicy {
  /** Statuses whose members go to the allow lists; compared without case. */
  allowStatuses: readonly string[]
  /** `rest_inbound`: hosts go to the inbound lists too. */
  inbound: boolean
}

export type Target =
  | { ok: true; action: 'deny' | 'allow'; kind: 'host' | 'domain' | 'url'; value: string }
  | {
      ok: false
      kind: 'status' | 'expired' | 'refused' | 'skipped'
      reason: string
      detail?: string
    }

export interface Placement {
  list: AedList
  value: string
  /** Inbound lists only. */
  scope: Scope | undefined
}

const skipped = (reason: string, detail?: string): Target => ({
  ok: false,
  kind: 'skipped',
  reason,
  ...(detail === undefined ? {} : { detail }),
})

/**
 * [I: A-AED-LIST-VALUES] A host value as AED stores it: IPv6 compressed (RFC 5952) and a
 * full-length prefix as the bare address (docs/aed-api.md, "List entries", shows CIDRs as
 * `a.b.c.d/n`). Two indicators that AED would store as one value must meet as one entry here.
 */
export function hostValue(value: string): string {
  const slash = value.indexOf('/')
  const host = slash < 0 ? value : value.slice(0, slash)
  // Not ipaddr.parse alone: it reads `::8.8.8.8` (compatible) as `::ffff:8.8.8.8`, another address.
  const groups = ipv6Groups(host)
  const address = groups === undefined ? ipaddr.parse(host) : new ipaddr.IPv6(groups)
  const full = address.kind() === 'ipv4' ? 32 : 128
  const bits = slash < 0 ? full : Number(value.slice(slash + 1))
  const text = address.toString()
  return bits === full ? text : `${text}/${String(bits)}`
}

/** AED stores URLs without their scheme (docs/aed-api.md, "List entries"). */
export function urlValue(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
}

function kindOf(
  objectPath: string,
  value: string,
): { kind: 'host' | 'domain' | 'url'; value: string } | string {
  switch (objectPath) {
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
      return { kind: 'host', value: hostValue(value) }
    case 'domain-name:value':
      return { kind: 'domain', value }
    case 'url:value':
      // [I: A-AED-LIST-VALUES] list calls split values on commas: such a URL cannot be sent whole.
      if (value.includes(',')) return 'URL holds a comma, which AED list calls split values on'
      return { kind: 'url', value: urlValue(value) }
    default:
      return `no AED list holds ${objectPath.split(':')[0] ?? objectPath} values`
  }
}

const isAllowStatus = (status: string | undefined, policy: ListPolicy): boolean =>
  status !== undefined && policy.allowStatuses.some((s) => s.toLowerCase() === status.toLowerCase())

export function targetOf(member: MemberFacts, policy: ListPolicy): Target {
  if (!isAllowStatus(member.status, policy)) {
    const decision = verdict(member, policy)
    if (!decision.ok)
      return {
        ok: false,
        kind: decision.kind,
        reason: decision.reason,
        ...(decision.detail === undefined ? {} : { detail: decision.detail }),
      }
    const pattern = buildPattern(member.type ?? '', member.value)
    if (!pattern.ok) return skipped('invalid value', pattern.reason)
    const kind = kindOf(pattern.objectPath, pattern.value)
    if (typeof kind === 'string') return skipped('no AED list for this type', kind)
    return { ok: true, action: 'deny', ...kind }
  }
  if (member.expiresAt !== undefined && member.expiresAt <= policy.now)
    return { ok: false, kind: 'expired', reason: 'expired' }
  const pattern = buildPattern(member.type ?? '', member.value)
  if (!pattern.ok) return skipped('invalid value', pattern.reason)
  const kind = kindOf(pattern.objectPath, pattern.value)
  if (typeof kind === 'string' || kind.kind !== 'host')
    return skipped('no AED allow list for this type', 'AED has allow lists for hosts only')
  const refusal = policy.guards.allowRefusal(kind.value)
  if (refusal !== undefined) return { ok: false, kind: 'refused', reason: refusal }
  return { ok: true, action: 'allow', ...kind }
}

/** The lists a deliverable member goes to: outbound hosts always, inbound hosts on request. */
export function placements(
  target: Extract<Target, { ok: true }>,
  policy: ListPolicy,
  scope: Scope,
): Placement[] {
  const at = (list: AedList): Placement => ({
    list,
    value: target.value,
    scope: list.direction === 'inbound' ? scope : undefined,
  })
  if (target.kind === 'domain') return [at(LISTS.inboundDenyDomains)]
  if (target.kind === 'url') return [at(LISTS.inboundDenyUrls)]
  const deny = target.action === 'deny'
  const out = [at(deny ? LISTS.outboundDenyHosts : LISTS.outboundAllowHosts)]
  if (policy.inbound) out.push(at(deny ? LISTS.inboundDenyHosts : LISTS.inboundAllowHosts))
  return out
}
