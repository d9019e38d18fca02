/**
 * [SIM] Closing the loop (`POST /_sim/traffic`): a flow that hits a deny list, an enforced STIX
 * indicator or a rule of the appliance's own threat feed (AIF) becomes a blocked-host alert,
 * carrying what matched (docs/sim-aed.md, "Alerts"; docs/aed-api.md, "Syslog notifications").
 */
import { z } from 'zod'
import type { PartialAlert } from './alerts.js'
import type { ListStore } from './lists.js'
import {
  domainMatches,
  normalizeDomain,
  normalizeUrl,
  parseAddress,
  parseHostRange,
  rangeContains,
} from './net.js'
import type { AedState } from './state.js'

export const flowSchema = z.object({
  src: z.string(),
  dst: z.string(),
  srcPort: z.number().int().min(0).max(65535).nullable().optional(),
  dstPort: z.number().int().min(0).max(65535).nullable().optional(),
  proto: z.string().nullable().optional(),
  host: z.string().optional(),
  url: z.string().optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  severity: z.number().int().min(1).max(9).optional(),
  /** [SIM] SIM-AED-65: connections of this flow, each notified on its own; one alert per flow. */
  connections: z.number().int().min(1).max(1_000_000).default(1),
})
export type Flow = z.input<typeof flowSchema>

/** [SIM] Severity of a blocked-host alert when the flow gives none. */
export const DENY_LIST_SEVERITY = 5
export const STIX_SEVERITY = 7

/** What blocked a flow: a deny list, a STIX indicator or an AIF rule. */
export type BlockSource = 'deny-list' | 'stix' | 'aif'

interface Match {
  source: BlockSource
  matchType: 'ip' | 'dns' | 'url'
  iocPattern: string
  collectionId?: string
  threatName?: string | null
  threatCategory?: string
  elementId?: number
  severity?: number
}

/**
 * A blocked flow: its alert and what the notifications add to it (`cn1`: docs/aed-api.md, "Syslog
 * notifications").
 */
export interface FlowBlock {
  alert: PartialAlert
  source: BlockSource
  /** The AIF rule's element id (cn1); null for other sources. */
  elementId: number | null
  connections: number
}

function hostListMatch(
  store: ListStore,
  pgid: number | undefined,
  remote: string,
): string | undefined {
  const address = parseAddress(remote)
  if (address === undefined) return undefined
  // Single hosts by lookup, so a list of 100,000 is not parsed for every flow; CIDRs by scan.
  const text = address.toString()
  if (store.activeHas(text, pgid)) return text
  for (const value of store.activeValues(pgid)) {
    if (!value.includes('/')) continue
    const range = parseHostRange(value)
    if (range !== undefined && rangeContains(range, address)) return value
  }
  return undefined
}

function hostOf(flow: Flow): string | undefined {
  if (flow.host !== undefined) return normalizeDomain(flow.host)
  if (flow.url === undefined) return undefined
  const withoutScheme = normalizeUrl(flow.url) ?? ''
  return normalizeDomain(withoutScheme.split(/[/:?#]/)[0] ?? '')
}

export function matchFlow(state: AedState, flow: Flow): PartialAlert | undefined {
  return blockFlow(state, flow)?.alert
}

/**
 * Precedence: the allow list passes the flow; then deny hosts, denied domains and URLs (inbound);
 * then STIX entries (both directions): ip, dns (exact or subdomain), url (equal, scheme ignored);
 * then AIF rules ([SIM] SIM-AED-55).
 */
export function blockFlow(state: AedState, flow: Flow): FlowBlock | undefined {
  const direction = flow.direction ?? 'inbound'
  const inbound = direction === 'inbound'
  const remote = inbound ? flow.src : flow.dst
  const local = parseAddress(inbound ? flow.dst : flow.src)
  const group = local === undefined ? undefined : state.protectionGroups.groupFor(local)
  const prefix = inbound ? 'inbound' : 'outbound'
  const host = hostOf(flow)
  const url = flow.url === undefined ? undefined : normalizeUrl(flow.url)
  const nowIso = new Date(state.nowMs()).toISOString()

  if (hostListMatch(state.list(`${prefix}-allowed-hosts`), group?.pgid, remote) !== undefined)
    return undefined
  let match: Match | undefined
  const denied = hostListMatch(state.list(`${prefix}-denied-hosts`), group?.pgid, remote)
  if (denied !== undefined) match = { source: 'deny-list', matchType: 'ip', iocPattern: denied }
  if (match === undefined && inbound && host !== undefined) {
    for (const domain of state.list('inbound-denied-domains').activeValues(group?.pgid)) {
      if (domainMatches(domain, host)) {
        match = { source: 'deny-list', matchType: 'dns', iocPattern: domain }
        break
      }
    }
  }
  if (match === undefined && inbound && url !== undefined) {
    for (const value of state.list('inbound-denied-urls').activeValues(group?.pgid)) {
      if (value === url) {
        match = { source: 'deny-list', matchType: 'url', iocPattern: value }
        break
      }
    }
  }
  if (match === undefined) {
    const index = state.taxii.enforcementIndex()
    const entry =
      index.matchAddress(remote, nowIso) ??
      (host === undefined ? undefined : index.matchHost(host, nowIso)) ??
      (url === undefined ? undefined : index.matchUrl(url, nowIso))
    if (entry !== undefined) {
      match = {
        source: 'stix',
        matchType: entry.matchType,
        iocPattern: entry.iocPattern,
        collectionId: entry.collectionId,
        threatName: entry.name,
      }
    }
  }
  if (match === undefined) {
    const rule = state.aif.match(remote, host, url)
    if (rule !== undefined) {
      match = {
        source: 'aif',
        matchType: rule.matchType,
        iocPattern: rule.value,
        threatName: rule.threatName,
        threatCategory: rule.threatCategory,
        elementId: rule.elementId,
        severity: rule.severity,
      }
    }
  }
  if (match === undefined) return undefined
  const collection =
    match.collectionId === undefined ? undefined : state.taxii.collections.get(match.collectionId)
  const alert: PartialAlert = {
    alertType: 'blocked-host',
    direction,
    src: flow.src,
    dst: flow.dst,
    srcPort: flow.srcPort ?? null,
    dstPort: flow.dstPort ?? null,
    proto: flow.proto ?? null,
    pgid: group?.pgid ?? null,
    pgName: group?.name ?? null,
    matchType: match.matchType,
    iocPattern: match.iocPattern,
    threatName: match.threatName ?? null,
    threatCategory: match.threatCategory ?? null,
    taxiiCollectionId: collection?.id ?? null,
    taxiiCollectionTitle: collection?.title ?? null,
    severity:
      flow.severity ??
      match.severity ??
      (collection === undefined ? DENY_LIST_SEVERITY : STIX_SEVERITY),
  }
  return {
    alert,
    source: match.source,
    elementId: match.elementId ?? null,
    connections: flow.connections ?? 1,
  }
}
