/** Everything the simulated appliance stores, with snapshot/restore for `--data-dir`. */
import { AifFeed } from './aif.js'
import { AlertStore } from './alerts.js'
import { BlockLog } from './blocks.js'
import { LIST_DEFS, ListStore } from './lists.js'
import { ProtectionGroups } from './protection-groups.js'
import { DEFAULT_REMOTE_SYSLOG, type RemoteSyslog } from './routes-remote-syslog.js'
import { TaxiiStore } from './taxii/store.js'

/** Bumped when the snapshot layout changes; older snapshots are ignored with a warning. */
export const SNAPSHOT_FORMAT = 1

export class AedState {
  readonly protectionGroups = new ProtectionGroups()
  readonly lists: ReadonlyMap<string, ListStore> = new Map(
    LIST_DEFS.map((d) => [d.id, new ListStore(d)]),
  )
  readonly alerts = new AlertStore()
  readonly taxii: TaxiiStore
  /** The appliance's own threat feed (AIF rules). */
  readonly aif = new AifFeed()
  /** Blocked traffic, for notifications and the EDM stand-in. */
  readonly blocks = new BlockLog()
  /** Where notifications go (`remote-syslog/`). */
  remoteSyslog: RemoteSyslog = { ...DEFAULT_REMOTE_SYSLOG }
  /** [SIM] The global protection level `/summary/` reports (1 low, 2 medium, 3 high). */
  protectionLevel: 1 | 2 | 3 = 1

  constructor(readonly nowMs: () => number) {
    this.taxii = new TaxiiStore(nowMs)
  }

  /** Epoch seconds, AED's time unit. */
  now(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  /**
   * Capacity of every list (`capacity`, null = no limit) with per-list exceptions by list id
   * (`outbound-denied-hosts`, …); lists not named get `capacity`. Throws on an unknown id.
   */
  setCapacities(capacity: number | null, perList: Readonly<Record<string, number | null>> = {}) {
    for (const id of Object.keys(perList)) this.list(id)
    for (const [id, store] of this.lists) {
      const own = perList[id]
      // A list named with null has no limit, whatever `capacity` says.
      store.capacity = own === undefined ? capacity : own
    }
  }

  /** `GET /_sim/lists`: each list's capacity (null = none) and size. */
  listLimits(): { capacities: Record<string, number | null>; sizes: Record<string, number> } {
    const capacities: Record<string, number | null> = {}
    const sizes: Record<string, number> = {}
    for (const [id, store] of this.lists) {
      capacities[id] = store.capacity
      sizes[id] = store.size
    }
    return { capacities, sizes }
  }

  list(id: string): ListStore {
    const store = this.lists.get(id)
    if (store === undefined) throw new Error(`unknown list ${id}`)
    return store
  }

  clear(): void {
    this.protectionGroups.clear()
    for (const l of this.lists.values()) l.clear()
    this.alerts.clear()
    this.taxii.clear()
    this.aif.clear()
    this.blocks.clear()
    this.remoteSyslog = { ...DEFAULT_REMOTE_SYSLOG }
    this.protectionLevel = 1
  }

  /** Counts of stored objects per kind, for `GET /_sim/state`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {
      alerts: this.alerts.size,
      protectionGroups: this.protectionGroups.size,
      taxiiClients: this.taxii.clients.size,
      taxiiCollections: this.taxii.collections.size,
      taxiiObjects: this.taxii.objectCount,
      taxiiStatuses: this.taxii.statuses.size,
      stixEnforcementEntries: this.taxii.enforcementIndex().size,
      aifRules: this.aif.size,
      blocks: this.blocks.size,
    }
    for (const [id, store] of this.lists) counts[id] = store.size
    return counts
  }

  snapshot(): unknown {
    return {
      format: SNAPSHOT_FORMAT,
      protectionLevel: this.protectionLevel,
      protectionGroups: this.protectionGroups.snapshot(),
      lists: Object.fromEntries([...this.lists].map(([id, s]) => [id, s.snapshot()])),
      alerts: this.alerts.snapshot(),
      taxii: this.taxii.snapshot(),
      // Added after format 1 was fixed: an older snapshot without them restores the defaults.
      aif: this.aif.snapshot(),
      blocks: this.blocks.snapshot(),
      remoteSyslog: this.remoteSyslog,
    }
  }

  /** Returns false (and changes nothing) when the snapshot has another format. */
  restore(data: unknown): boolean {
    const d = data as {
      format?: number
      protectionLevel?: 1 | 2 | 3
      protectionGroups?: unknown
      lists?: Record<string, unknown>
      alerts?: unknown
      taxii?: unknown
      aif?: unknown
      blocks?: unknown
      remoteSyslog?: Partial<RemoteSyslog>
    } | null
    if (d?.format !== SNAPSHOT_FORMAT) return false
    this.clear()
    this.protectionLevel = d.protectionLevel ?? 1
    this.protectionGroups.restore(d.protectionGroups)
    for (const [id, store] of this.lists) store.restore(d.lists?.[id])
    this.alerts.restore(d.alerts)
    this.taxii.restore(d.taxii)
    this.aif.restore(d.aif)
    this.blocks.restore(d.blocks)
    this.remoteSyslog = { ...DEFAULT_REMOTE_SYSLOG, ...d.remoteSyslog }
    return true
  }
}
