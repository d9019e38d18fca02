/**
 * The lists ledger's entries in memory, compact: per list, the owner by value (an IPv4 address
 * packed into a number, value-key.ts), and the scope and the foreign mark beside it only where
 * there are any. A million entries as one object each under
 * a `list\0value` key held over 150 MB; this holds the value string and a map slot
 * (docs/performance.md, "Issue 23: the lists delivery at a million").
 */
import type { Scope } from '../../aed/lists.js'
import { packValue, unpackValue, type ValueKey } from './value-key.js'

export interface ListLedgerEntry {
  list: string
  value: string
  /** The ThreatQ indicator id named in the entry's annotation. */
  owner: number
  scope: Scope | undefined
  /**
   * AED held the value under someone else's annotation when this instance wanted it: never
   * written or removed, and looked at again only by --full.
   */
  foreign?: true
}

export const entryKey = (list: string, value: string): string => `${list}\u0000${value}`

/** One list's entries: owners by value; scopes (inbound lists) and foreign marks beside. */
interface ListStore {
  /** Negative while a member read this run has claimed the entry (`claim`): no set beside it. */
  owners: Map<ValueKey, number>
  scopes: Map<ValueKey, Scope>
  foreign: Set<ValueKey>
}

export class ListEntries {
  private readonly byList = new Map<string, ListStore>()
  /** One string per distinct scope: a million inbound entries share a handful. */
  private readonly scopeNames = new Map<string, Scope>()
  /** Entries held, and those of them marked foreign. */
  private count = 0
  private foreignCount = 0

  get size(): number {
    return this.count
  }

  /** The entries this instance made (not the values it found held by others). */
  get own(): number {
    return this.count - this.foreignCount
  }

  /** The ids of the lists that hold entries. */
  lists(): IterableIterator<string> {
    return this.byList.keys()
  }

  has(list: string, value: string): boolean {
    return this.byList.get(list)?.owners.has(packValue(value)) === true
  }

  get(list: string, value: string): ListLedgerEntry | undefined {
    const store = this.byList.get(list)
    const key = packValue(value)
    const owner = store?.owners.get(key)
    if (store === undefined || owner === undefined) return undefined
    return entryOf(store, list, key, owner)
  }

  /** Marks the entry claimed by a member read this run; answers whether one had claimed it. */
  claim(list: string, value: string): boolean {
    const owners = this.byList.get(list)?.owners
    const key = packValue(value)
    const owner = owners?.get(key)
    if (owners === undefined || owner === undefined) return false
    if (owner < 0) return true
    owners.set(key, -owner)
    return false
  }

  claimed(list: string, value: string): boolean {
    return (this.byList.get(list)?.owners.get(packValue(value)) ?? 0) < 0
  }

  /** Lets every claim go (the plan is made). */
  releaseClaims(): void {
    for (const { owners } of this.byList.values())
      for (const [key, owner] of owners) if (owner < 0) owners.set(key, -owner)
  }

  set(entry: ListLedgerEntry): void {
    const { list } = entry
    const key = packValue(entry.value)
    let store = this.byList.get(list)
    if (store === undefined)
      this.byList.set(list, (store = { owners: new Map(), scopes: new Map(), foreign: new Set() }))
    this.delete(list, entry.value)
    store.owners.set(key, entry.owner)
    this.count++
    if (entry.scope !== undefined) store.scopes.set(key, this.scopeName(entry.scope))
    if (entry.foreign === true) {
      store.foreign.add(key)
      this.foreignCount++
    }
  }

  delete(list: string, value: string): void {
    const store = this.byList.get(list)
    const key = packValue(value)
    if (store?.owners.delete(key) !== true) return
    this.count--
    store.scopes.delete(key)
    if (store.foreign.delete(key)) this.foreignCount--
  }

  /** The entries of one list, made one at a time as they are read. */
  *ofList(list: string): Generator<ListLedgerEntry> {
    const store = this.byList.get(list)
    if (store === undefined) return
    for (const [key, owner] of store.owners) yield entryOf(store, list, key, owner)
  }

  *values(): Generator<ListLedgerEntry> {
    for (const list of this.byList.keys()) yield* this.ofList(list)
  }

  /** Every owner, once per entry (a member that owns two entries comes twice). */
  *owners(): Generator<number> {
    for (const store of this.byList.values())
      for (const owner of store.owners.values()) yield Math.abs(owner)
  }

  private scopeName(scope: Scope): Scope {
    const known = this.scopeNames.get(scope)
    if (known !== undefined) return known
    this.scopeNames.set(scope, scope)
    return scope
  }
}

function entryOf(store: ListStore, list: string, key: ValueKey, owner: number): ListLedgerEntry {
  const entry: ListLedgerEntry = {
    list,
    value: unpackValue(key),
    owner: Math.abs(owner),
    scope: store.scopes.get(key),
  }
  if (store.foreign.has(key)) entry.foreign = true
  return entry
}

/**
 * The entries as a map by `entryKey`, made as they are read: for the readers that take one (the
 * alert import's own intel, src/sync/import/own-intel.ts).
 */
export class EntriesView implements ReadonlyMap<string, ListLedgerEntry> {
  constructor(private readonly store: ListEntries) {}

  get size(): number {
    return this.store.size
  }

  get(key: string): ListLedgerEntry | undefined {
    const cut = key.indexOf('\u0000')
    return cut < 0 ? undefined : this.store.get(key.slice(0, cut), key.slice(cut + 1))
  }

  has(key: string): boolean {
    return this.get(key) !== undefined
  }

  forEach(
    callback: (
      value: ListLedgerEntry,
      key: string,
      map: ReadonlyMap<string, ListLedgerEntry>,
    ) => void,
  ): void {
    for (const entry of this.store.values())
      callback(entry, entryKey(entry.list, entry.value), this)
  }

  entries(): MapIterator<[string, ListLedgerEntry]> {
    return mapIterator(this.store.values(), (e): [string, ListLedgerEntry] => [
      entryKey(e.list, e.value),
      e,
    ])
  }

  keys(): MapIterator<string> {
    return mapIterator(this.store.values(), (e) => entryKey(e.list, e.value))
  }

  values(): MapIterator<ListLedgerEntry> {
    return this.store.values()
  }

  [Symbol.iterator](): MapIterator<[string, ListLedgerEntry]> {
    return this.entries()
  }
}

function mapIterator<T, U>(from: Iterable<T>, f: (item: T) => U): MapIterator<U> {
  return (function* () {
    for (const item of from) yield f(item)
  })() as unknown as MapIterator<U>
}
