/**
 * The fixed vocabulary of a fresh ThreatQ instance (docs/threatq-api.md, "Vocabularies and
 * metadata", "TLP and sources"): object collections, indicator types and statuses, event types and
 * the TLP table.
 */

export type IdentityField = 'value' | 'name' | 'title'

export interface CollectionDef {
  /** URL segment, e.g. `indicators`, `attack_pattern`. */
  collection: string
  /** Singular object name, e.g. `indicator` (used in `<name>_id` keys and `/api/objects`). */
  name: string
  displayName: string
  displayNamePlural: string
  identity: IdentityField
  typed: boolean
  statused: boolean
}

const stix = (collection: string, displayName: string, plural: string): CollectionDef => ({
  collection,
  name: collection,
  displayName,
  displayNamePlural: plural,
  identity: 'value',
  typed: false,
  statused: false,
})

export const COLLECTIONS: readonly CollectionDef[] = [
  {
    collection: 'indicators',
    name: 'indicator',
    displayName: 'Indicator',
    displayNamePlural: 'Indicators',
    identity: 'value',
    typed: true,
    statused: true,
  },
  {
    collection: 'events',
    name: 'event',
    displayName: 'Event',
    displayNamePlural: 'Events',
    identity: 'title',
    typed: true,
    statused: false,
  },
  {
    collection: 'adversaries',
    name: 'adversary',
    displayName: 'Adversary',
    displayNamePlural: 'Adversaries',
    identity: 'name',
    typed: false,
    statused: false,
  },
  stix('malware', 'Malware', 'Malware'),
  stix('tool', 'Tool', 'Tools'),
  stix('report', 'Report', 'Reports'),
  stix('attack_pattern', 'Attack Pattern', 'Attack Patterns'),
  stix('campaign', 'Campaign', 'Campaigns'),
  stix('course_of_action', 'Course of Action', 'Courses of Action'),
  stix('identity', 'Identity', 'Identities'),
  stix('intrusion_set', 'Intrusion Set', 'Intrusion Sets'),
  stix('vulnerability', 'Vulnerability', 'Vulnerabilities'),
]

const byCollection = new Map(COLLECTIONS.map((c) => [c.collection, c]))

export function collectionDef(collection: string): CollectionDef | undefined {
  return byCollection.get(collection)
}

export interface StatusDef {
  id: number
  name: string
  description: string
}

export const INDICATOR_STATUSES: readonly StatusDef[] = [
  {
    id: 1,
    name: 'Active',
    description: 'Poses a threat and is being exported to detection tools.',
  },
  { id: 2, name: 'Expired', description: 'No longer poses a serious threat.' },
  {
    id: 3,
    name: 'Indirect',
    description: 'Associated to an active indicator or event (i.e. pDNS).',
  },
  { id: 4, name: 'Review', description: 'Requires further analysis.' },
  { id: 5, name: 'Whitelisted', description: 'Poses NO risk and should never be deployed.' },
]

export interface IndicatorTypeDef {
  id: number
  name: string
  class: 'network' | 'host'
}

const HOST_TYPES = new Set([
  'Binary String',
  'File Mapping',
  'File Path',
  'Filename',
  'Fuzzy Hash',
  'GOST Hash',
  'Hash ION',
  'MD5',
  'Mutex',
  'Registry Key',
  'Service Name',
  'SHA-1',
  'SHA-256',
  'SHA-384',
  'SHA-512',
])

/** Alphabetical, numbered from 1 (ids differ per real instance; clients must look them up). */
export const INDICATOR_TYPES: readonly IndicatorTypeDef[] = [
  'ASN',
  'Binary String',
  'CIDR Block',
  'CVE',
  'Email Address',
  'Email Attachment',
  'Email Subject',
  'File Mapping',
  'File Path',
  'Filename',
  'FQDN',
  'Fuzzy Hash',
  'GOST Hash',
  'Hash ION',
  'IP Address',
  'IPv6 Address',
  'MAC Address',
  'MD5',
  'Mutex',
  'Password',
  'Registry Key',
  'Service Name',
  'SHA-1',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'String',
  'URL',
  'URL Path',
  'User-agent',
  'Username',
  'X-Mailer',
  'x509 Serial',
  'x509 Subject',
].map((name, i) => ({ id: i + 1, name, class: HOST_TYPES.has(name) ? 'host' : 'network' }))

export const EVENT_TYPES: readonly string[] = [
  'Spearphish',
  'Watering Hole',
  'SQL Injection Attack',
  'DoS Attack',
  'Malware',
  'Watchlist',
  'Command and Control',
  'Anonymization',
  'Exfiltration',
  'Host Characteristics',
  'Compromised PKI Certificate',
  'Login Compromise',
  'Incident',
  'Sighting',
]

/**
 * TLP ids. RED..WHITE are the TLP 1.0 numbers the SDK uses (lower = more restrictive). The ids of
 * CLEAR and AMBER+STRICT are unknown [SIM]: CLEAR shares WHITE's 4 (ThreatQ shows WHITE as
 * "Clear") and AMBER+STRICT gets 5, outside the restrictiveness order, so `TLP_RANK` orders them.
 */
export interface TlpDef {
  id: number
  name: string
  /** 0 = most restrictive. */
  rank: number
}

export const TLPS: readonly TlpDef[] = [
  { id: 1, name: 'RED', rank: 0 },
  { id: 5, name: 'AMBER+STRICT', rank: 1 },
  { id: 2, name: 'AMBER', rank: 2 },
  { id: 3, name: 'GREEN', rank: 3 },
  { id: 4, name: 'CLEAR', rank: 4 },
]

const tlpById = new Map(TLPS.map((t) => [t.id, t]))
const tlpByName = new Map<string, TlpDef>(TLPS.map((t) => [t.name, t]))
tlpByName.set('WHITE', { id: 4, name: 'CLEAR', rank: 4 })

export function tlpFromId(id: number): TlpDef | undefined {
  return tlpById.get(id)
}

/** Accepts a name (any case, `TLP:` prefix allowed) or an id. */
export function tlpFromName(name: string): TlpDef | undefined {
  return tlpByName.get(name.trim().toUpperCase().replace(/^TLP:/, ''))
}
