/**
 * Closing the loop (issue 22): which Blocked Host notifications AED raised on intel this instance
 * exported, and the ThreatQ indicator each one came from — never a new duplicate of it.
 * - a STIX match (`cs4`/`cs5`) in the AED collection this instance exports to (`aed_collection`,
 *   a title or an id): the indicator with the IOC's value in ThreatQ;
 * - a value this instance delivered to one of AED's lists: the owner the lists ledger recorded.
 */
import type { ListLedger } from '../lists/ledger.js'
import type { Notification } from './blocked-events.js'

export interface OwnIntelSource {
  /** `aed_collection`: the title or id of the collection the export writes to. */
  collection: string | undefined
  /** What this instance delivered to AED's lists (src/sync/lists/ledger.ts), if it ever did. */
  ledger: ListLedger | undefined
  /** ThreatQ indicator ids of a value (`GET /api/indicators?value=`). */
  lookup: (value: string) => Promise<number[]>
}

export class OwnIntel {
  /** Owners of list values, by lowercased value. */
  private readonly listed = new Map<string, Set<number>>()
  private readonly looked = new Map<string, Promise<number[]>>()

  constructor(private readonly source: OwnIntelSource) {
    for (const entry of source.ledger?.entries.values() ?? []) {
      if (entry.foreign === true) continue
      const value = entry.value.toLowerCase()
      const owners = this.listed.get(value) ?? new Set<number>()
      owners.add(entry.owner)
      this.listed.set(value, owners)
    }
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
    // A deny-list block names the list entry that matched as its IOC pattern (`cs1`).
    for (const owner of this.listed.get(n.iocPattern?.trim().toLowerCase() ?? '') ?? [])
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
