/**
 * Closing the loop (docs/mapping.md, "Import: AED syslog notifications"): which Blocked Host
 * notifications AED raised on intel this instance exported, and the ThreatQ indicator each one came
 * from — never a new duplicate of it.
 * - a STIX match (`cs4`/`cs5`) in the AED collection this instance exports to (`aed_collection`,
 *   a title or an id): the indicator with the IOC's value in ThreatQ;
 * - a value this instance delivered to one of AED's deny lists: the owner the lists ledger
 *   recorded; for a blocked address that is no entry of ours, the owners of our CIDR entries that
 *   hold it (EDM names the host a deny list blocked, not the entry: src/edm/notification.ts).
 */
import { listById } from '../../aed/lists.js'
import { parseSpan, v4Span, v6Span } from '../policy/address-set.js'
import type { Notification } from './blocked-events.js'

/** A parsed address or CIDR: its family, prefix length and first address (as text). */
function network(value: string): { family: '4' | '6'; bits: number; lo: string } | undefined {
  const span = parseSpan(value)
  if (span === undefined) return undefined
  const s = 'v4' in span ? span.v4 : span.v6
  return { family: 'v4' in span ? '4' : '6', bits: s.bits, lo: String(s.lo) }
}

/** A lists-ledger entry, as far as this reads it (src/sync/lists/ledger.ts keeps them). */
export interface DeliveredEntry {
  /** The AED list's id (src/aed/lists.ts). */
  list: string
  value: string
  /** The ThreatQ indicator the entry was delivered for. */
  owner: number
  /** AED held the value under someone else's annotation. */
  foreign?: true
}

export interface OwnIntelSource {
  /** `aed_collection`: the title or id of the collection the export writes to. */
  collection: string | undefined
  /** What this instance delivered to AED's lists (src/sync/lists/ledger.ts), if it ever did. */
  ledger: { entries: ReadonlyMap<string, DeliveredEntry> } | undefined
  /** ThreatQ indicator ids of a value (`GET /api/indicators?value=`). */
  lookup: (value: string) => Promise<number[]>
}

const owned = <K>(map: Map<K, Set<number>>, key: K): Set<number> => {
  let owners = map.get(key)
  if (owners === undefined) map.set(key, (owners = new Set()))
  return owners
}

export class OwnIntel {
  /** Owners of list values, by lowercased value. */
  private readonly listed = new Map<string, Set<number>>()
  /** Owners of CIDR entries, by `<family>/<bits>` and then the network's first address. */
  private readonly networks = new Map<string, Map<string, Set<number>>>()
  private readonly looked = new Map<string, Promise<number[]>>()

  constructor(private readonly source: OwnIntelSource) {
    for (const entry of source.ledger?.entries.values() ?? []) {
      // An allow-list entry never blocks; an entry someone else made is not our intel.
      if (entry.foreign === true || listById(entry.list)?.action !== 'deny') continue
      const value = entry.value.toLowerCase()
      owned(this.listed, value).add(entry.owner)
      const net = value.includes('/') ? network(value) : undefined
      if (net !== undefined) {
        const key = `${net.family}/${String(net.bits)}`
        const byNetwork = this.networks.get(key) ?? new Map<string, Set<number>>()
        this.networks.set(key, byNetwork)
        owned(byNetwork, net.lo).add(entry.owner)
      }
    }
  }

  /** Owners of our CIDR entries that hold `address` (a single IP address), if any. */
  private rangesHolding(address: string): Set<number> {
    const found = new Set<number>()
    const span = this.networks.size === 0 ? undefined : parseSpan(address)
    if (span === undefined) return found
    for (const [key, byNetwork] of this.networks) {
      const [family, bitsText] = key.split('/')
      const bits = Number(bitsText)
      let lo: string | undefined
      if ('v4' in span && family === '4' && span.v4.bits === 32)
        lo = String(v4Span(span.v4.lo, bits).lo)
      if ('v6' in span && family === '6' && span.v6.bits === 128)
        lo = String(v6Span(span.v6.lo, bits).lo)
      for (const owner of byNetwork.get(lo ?? '') ?? []) found.add(owner)
    }
    return found
  }

  /** True when the notification is a STIX match in our collection. */
  fromOurCollection(n: Notification): boolean {
    const ours = this.source.collection?.trim().toLowerCase()
    if (ours === undefined || ours === '') return false
    return (
      n.taxiiCollectionId?.trim().toLowerCase() === ours ||
      n.taxiiCollectionTitle?.trim().toLowerCase() === ours
    )
  }

  /** The ThreatQ indicators this instance exported that the notification fired on. */
  async indicatorsOf(n: Notification): Promise<number[]> {
    const ids = new Set<number>()
    // A deny-list block names the list entry that matched as its IOC pattern (`cs1`); EDM names
    // the blocked host, which one of our CIDR entries may hold.
    const ioc = n.iocPattern?.trim().toLowerCase() ?? ''
    const listed = this.listed.get(ioc)
    for (const owner of listed ?? (n.matchType === 'ip' ? this.rangesHolding(ioc) : []))
      ids.add(owner)
    if (n.iocPattern !== undefined && this.fromOurCollection(n)) {
      const value = n.iocPattern.trim()
      let found = this.looked.get(value.toLowerCase())
      if (found === undefined) {
        found = this.source.lookup(value)
        this.looked.set(value.toLowerCase(), found)
      }
      for (const id of await found) ids.add(id)
    }
    return [...ids].sort((a, b) => a - b)
  }
}
