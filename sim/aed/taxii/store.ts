/**
 * The appliance's TAXII side: collections (UUID + title), TAXII-client users with per-collection
 * access, stored STIX object versions keyed by `modified`, status resources, and the enforcement
 * index built from the latest version of each indicator.
 */
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid'
import type { StixObject } from '../../../src/stix/types.js'
import type { TaxiiVersion } from '../../../src/taxii/types.js'
import { domainMatches, parseAddress, rangeContains } from '../net.js'
import { TIMESTAMP, checkStixId, isTimestamp } from './checks.js'
import { enforcementOf, type Enforcement, type EnforcementEntry } from './enforcement.js'

export interface TaxiiClient {
  id: number
  username: string
  password: string
  /** Collections this client may read. */
  collections: string[]
  /** Whether it may also write to them. */
  canWrite: boolean
}

export class StoredVersion {
  private key: string | undefined

  constructor(
    readonly object: StixObject,
    /** `modified`, else `created`, else "" (objects without either have one version). */
    readonly version: string,
    readonly dateAdded: string,
  ) {}

  /**
   * Sortable form of `version` (fraction padded to nanoseconds), made on first use: most objects
   * only ever have one version, so ingestion never compares theirs.
   */
  get versionKey(): string {
    this.key ??= timestampKey(this.version) ?? ''
    return this.key
  }
}

export interface CollectionRecord {
  id: string
  title: string
  description: string
  /** Version records in the order they were added. */
  versions: StoredVersion[]
  /** Per object id, its versions and what the latest one enforces. */
  objects: Map<string, StoredObject>
}

/**
 * One object's versions, sorted by versionKey (latest last), and the enforcement of its latest
 * version. Most objects only ever have one version: that one is held without an array.
 */
export class StoredObject {
  private all: StoredVersion[] | undefined

  constructor(
    private last: StoredVersion,
    public enforcement: Enforcement,
  ) {}

  get latest(): StoredVersion {
    return this.last
  }

  get first(): StoredVersion {
    return this.all?.[0] ?? this.last
  }

  get versions(): readonly StoredVersion[] {
    return this.all ?? [this.last]
  }

  get count(): number {
    return this.all?.length ?? 1
  }

  has(versionKey: string): boolean {
    return this.all === undefined
      ? this.last.versionKey === versionKey
      : this.all.some((v) => v.versionKey === versionKey)
  }

  /** Adds a version whose key is not stored yet. */
  add(version: StoredVersion): void {
    if (this.all === undefined) this.all = [this.last, version]
    else this.all.push(version)
    if (version.versionKey > this.last.versionKey) this.last = version
    else this.all.sort((a, b) => (a.versionKey < b.versionKey ? -1 : 1))
  }

  /** Keeps only these versions (sorted, at least one) and the enforcement of the last. */
  replace(versions: readonly StoredVersion[], enforcement: Enforcement): void {
    const last = versions[versions.length - 1]
    if (last === undefined) throw new Error('a stored object keeps at least one version')
    this.last = last
    this.all = versions.length === 1 ? undefined : [...versions]
    this.enforcement = enforcement
  }
}

export interface StatusDetailRecord {
  id: string
  version: string
  message?: string
}

export interface StatusRecord {
  id: string
  taxiiVersion: TaxiiVersion
  requestTimestamp: string
  /** Successes as parallel id/version lists: no object per success stays in memory. */
  successIds: string[]
  successVersions: string[]
  failures: StatusDetailRecord[]
  /** Polls still answered with "pending" (the pending-status fault). */
  pendingPolls: number
}

/** Rejection rule for partial-failure tests: any given field must match. */
export interface RejectRule {
  id?: string
  type?: string
  /** Regex on an indicator's pattern. */
  pattern?: string
  message?: string
}

export interface TaxiiBehaviour {
  /** Status GETs answered "pending" before "complete". */
  pendingPolls: number
  reject: RejectRule[]
  /** [SIM] Indicators AED cannot enforce: stored and reported as successes, or rejected. */
  unsupportedPatterns: 'accept' | 'reject'
  /** [SIM] A re-sent id + modified is a failure (medallion does this), or a success. */
  duplicates: 'fail' | 'succeed'
  maxContentLength: number
  maxPageSize: number
  /**
   * A hostile server, not an AED quirk: discovery names this API root (another origin) as its
   * `default` and only entry of `api_roots`, to show the client does not follow it there.
   */
  foreignApiRoot?: string
}

/** [SIM] Defaults: no limits are known for AED (docs/aed-api.md, "Open points"). */
export const DEFAULT_BEHAVIOUR: TaxiiBehaviour = {
  pendingPolls: 0,
  reject: [],
  unsupportedPatterns: 'accept',
  duplicates: 'fail',
  maxContentLength: 64 * 1024 * 1024,
  maxPageSize: 10_000,
}

/** [SIM] Status resources kept (oldest dropped first); clients poll soon after adding. */
export const MAX_STATUSES = 1000

/** Fixed namespace so a collection title always maps to the same UUID across restarts. */
const COLLECTION_NAMESPACE = '6f0d3a52-5c1e-4f4b-9d35-5a7d2c1f0b11'

export const collectionIdFor = (title: string): string => uuidv5(title, COLLECTION_NAMESPACE)

/** Sortable key of an RFC 3339 UTC timestamp, or undefined when malformed. */
export function timestampKey(text: string): string | undefined {
  const m = TIMESTAMP.exec(text)
  if (m === null) return undefined
  return `${m[1] ?? ''}.${(m[2] ?? '').padEnd(9, '0')}Z`
}

export interface IndexedEntry extends EnforcementEntry {
  collectionId: string
  indicatorId: string
  name: string | null
  /** `valid_until` as a timestampKey (fraction padded), so it compares with the clock as text. */
  validUntil: string | null
  /**
   * The entry this one replaced for the same value (another indicator, or another collection).
   * When this one expires the older one is enforced again: only set on such collisions.
   */
  shadowed?: IndexedEntry
}

/** `GET /_sim/state` `taxii`: what the collections hold and what of it is enforced right now. */
export interface EnforcementCounts {
  /** Distinct object ids over every collection, and their stored versions. */
  objects: number
  versions: number
  /** Indicator ids (whatever their latest version says). */
  indicators: number
  /** Entries of the indicators enforced now, per match type; one per value an indicator names. */
  enforced: { ip: number; dns: number; url: number; total: number }
  /** Indicators with at least one entry enforced now. */
  enforcedIndicators: number
  /** Objects of any type whose latest version is revoked. */
  revoked: number
  /** Indicators whose latest version is not revoked but past its `valid_until`. */
  expired: number
  /** Live indicators (not revoked, not expired) of which AED enforces nothing. */
  notEnforceable: number
}

export class TaxiiStore {
  readonly collections = new Map<string, CollectionRecord>()
  readonly clients = new Map<string, TaxiiClient>()
  readonly statuses = new Map<string, StatusRecord>()
  behaviour: TaxiiBehaviour = { ...DEFAULT_BEHAVIOUR }
  private nextClientId = 1
  private lastAdded = 0
  private index: EnforcementIndex | undefined

  constructor(private readonly nowMs: () => number) {}

  clear(): void {
    this.collections.clear()
    this.clients.clear()
    this.statuses.clear()
    this.behaviour = { ...DEFAULT_BEHAVIOUR }
    this.nextClientId = 1
    this.index = undefined
  }

  addCollection(title: string, description = '', id = collectionIdFor(title)): CollectionRecord {
    const existing = this.collections.get(id)
    if (existing !== undefined) return existing
    const record: CollectionRecord = {
      id,
      title,
      description,
      versions: [],
      objects: new Map(),
    }
    this.collections.set(id, record)
    return record
  }

  deleteCollection(id: string): void {
    this.collections.delete(id)
    for (const client of this.clients.values())
      client.collections = client.collections.filter((c) => c !== id)
    this.index = undefined
  }

  addClient(spec: Omit<TaxiiClient, 'id'>): TaxiiClient {
    const existing = this.clients.get(spec.username)
    const client = { ...spec, id: existing?.id ?? this.nextClientId++ }
    this.clients.set(client.username, client)
    return client
  }

  authenticate(username: string, password: string): TaxiiClient | undefined {
    const client = this.clients.get(username)
    return client?.password === password ? client : undefined
  }

  /** A date_added later than any before it, so `added_after` never skips a request's objects. */
  private dateAdded(): string {
    this.lastAdded = Math.max(this.nowMs(), this.lastAdded + 1)
    return new Date(this.lastAdded).toISOString()
  }

  private rejection(object: StixObject): string | undefined {
    for (const rule of this.behaviour.reject) {
      if (rule.id !== undefined && rule.id !== object.id) continue
      if (rule.type !== undefined && rule.type !== object.type) continue
      if (rule.pattern !== undefined) {
        if (typeof object.pattern !== 'string' || !new RegExp(rule.pattern).test(object.pattern))
          continue
      }
      return rule.message ?? 'rejected by the simulator'
    }
    return undefined
  }

  /** Stores a batch of objects; returns the status resource (already counted, maybe pending). */
  addObjects(
    collection: CollectionRecord,
    objects: readonly unknown[],
    taxiiVersion: TaxiiVersion,
  ): StatusRecord {
    const status: StatusRecord = {
      id: uuidv4(),
      taxiiVersion,
      requestTimestamp: new Date(this.nowMs()).toISOString(),
      successIds: [],
      successVersions: [],
      failures: [],
      pendingPolls: this.behaviour.pendingPolls,
    }
    const dateAdded = this.dateAdded()
    const checkRejects = this.behaviour.reject.length > 0
    for (const raw of objects) this.addOne(collection, raw, dateAdded, checkRejects, status)
    this.statuses.set(status.id, status)
    // [SIM] Only the latest statuses are kept, so memory does not grow with every request.
    if (this.statuses.size > MAX_STATUSES) {
      const oldest = this.statuses.keys().next().value
      if (oldest !== undefined) this.statuses.delete(oldest)
    }
    return status
  }

  /** Stores one object, recording the outcome in `status` (none when restoring a snapshot). */
  private addOne(
    collection: CollectionRecord,
    raw: unknown,
    dateAdded: string,
    checkRejects: boolean,
    status?: StatusRecord,
  ): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      status?.failures.push({ id: '', version: '', message: 'not a STIX object' })
      return
    }
    const object = raw as StixObject
    const id = typeof object.id === 'string' ? object.id : ''
    const version =
      typeof object.modified === 'string'
        ? object.modified
        : typeof object.created === 'string'
          ? object.created
          : ''
    const message = this.store(collection, object, id, version, dateAdded, checkRejects)
    if (status === undefined) return
    if (message === undefined) {
      status.successIds.push(id)
      status.successVersions.push(version)
    } else {
      status.failures.push({ id, version, message })
    }
  }

  /** Validates and stores one object version; returns why it failed, or undefined. */
  private store(
    collection: CollectionRecord,
    object: StixObject,
    id: string,
    version: string,
    dateAdded: string,
    checkRejects: boolean,
  ): string | undefined {
    const idCheck = checkStixId(id, object.type)
    if (idCheck === 'malformed') return '"id" must be <type>--<uuid>'
    if (idCheck === 'type mismatch') return '"id" prefix does not match "type"'
    if (version !== '' && !isTimestamp(version))
      return '"modified"/"created" must be an RFC 3339 UTC timestamp'
    if (object.type === 'indicator' && typeof object.pattern !== 'string')
      return 'an indicator needs a "pattern"'
    if (checkRejects) {
      const message = this.rejection(object)
      if (message !== undefined) return message
    }
    const record = new StoredVersion(object, version, dateAdded)
    const stored = collection.objects.get(id)
    let isLatest = true
    if (stored !== undefined) {
      if (stored.has(record.versionKey)) {
        return this.behaviour.duplicates === 'fail'
          ? 'an object with this id and version already exists'
          : undefined
      }
      isLatest = stored.latest.versionKey < record.versionKey
    }
    const enforcement = isLatest ? enforcementOf(object) : undefined
    if (
      enforcement !== undefined &&
      this.behaviour.unsupportedPatterns === 'reject' &&
      object.type === 'indicator' &&
      object.revoked !== true &&
      enforcement.entries.length === 0
    ) {
      return `pattern not enforceable by AED: ${enforcement.reason ?? 'no enforceable comparison'}`
    }
    collection.versions.push(record)
    if (stored !== undefined) {
      stored.add(record)
      if (enforcement !== undefined) stored.enforcement = enforcement
    } else if (enforcement !== undefined) {
      // Always taken: a new object's only version is its latest.
      collection.objects.set(id, new StoredObject(record, enforcement))
    }
    if (enforcement !== undefined && object.type === 'indicator') {
      // A new indicator at the end of the index's order is appended; anything else rebuilds it.
      if (stored === undefined && this.index?.appendsTo(collection.id) === true)
        this.index.add(collection.id, id, object, enforcement)
      else this.index = undefined
    }
    return undefined
  }

  /** Deletes an object (all versions, or the given ones) from a collection (TAXII 2.1). */
  deleteObject(collection: CollectionRecord, id: string, versionKeys?: ReadonlySet<string>): void {
    const stored = collection.objects.get(id)
    const remaining = (stored?.versions ?? []).filter(
      (v) => versionKeys !== undefined && !versionKeys.has(v.versionKey),
    )
    collection.versions = collection.versions.filter(
      (v) => v.object.id !== id || remaining.includes(v),
    )
    const latest = remaining[remaining.length - 1]
    if (latest === undefined) collection.objects.delete(id)
    else stored?.replace(remaining, enforcementOf(latest.object))
    this.index = undefined
  }

  clearObjects(collection: CollectionRecord): void {
    collection.versions = []
    collection.objects.clear()
    this.index = undefined
  }

  /** The enforcement index over every collection, rebuilt after indicators change. */
  enforcementIndex(): EnforcementIndex {
    this.index ??= new EnforcementIndex(this.collections)
    return this.index
  }

  get objectCount(): number {
    let n = 0
    for (const c of this.collections.values()) n += c.objects.size
    return n
  }

  /** Walks every object once: called by `/_sim/state`, never on the ingestion path. */
  enforcementCounts(nowMs: number): EnforcementCounts {
    const now = clockKey(nowMs)
    const counts: EnforcementCounts = {
      objects: 0,
      versions: 0,
      indicators: 0,
      enforced: { ip: 0, dns: 0, url: 0, total: 0 },
      enforcedIndicators: 0,
      revoked: 0,
      expired: 0,
      notEnforceable: 0,
    }
    for (const collection of this.collections.values()) {
      counts.objects += collection.objects.size
      counts.versions += collection.versions.length
      for (const stored of collection.objects.values()) {
        const latest = stored.latest.object
        const isIndicator = latest.type === 'indicator'
        if (isIndicator) counts.indicators++
        if (latest.revoked === true) {
          counts.revoked++
          continue
        }
        if (!isIndicator) continue
        if (!isLive(validUntilKey(latest), now)) {
          counts.expired++
          continue
        }
        const entries = stored.enforcement.entries
        if (entries.length === 0) {
          counts.notEnforceable++
          continue
        }
        counts.enforcedIndicators++
        for (const entry of entries) counts.enforced[entry.matchType]++
        counts.enforced.total += entries.length
      }
    }
    return counts
  }

  snapshot(): unknown {
    return {
      nextClientId: this.nextClientId,
      behaviour: this.behaviour,
      clients: [...this.clients.values()],
      collections: [...this.collections.values()].map((c) => ({
        id: c.id,
        title: c.title,
        description: c.description,
        versions: c.versions.map((v) => ({ object: v.object, dateAdded: v.dateAdded })),
      })),
    }
  }

  restore(data: unknown): void {
    this.clear()
    const d = data as {
      nextClientId?: number
      behaviour?: TaxiiBehaviour
      clients?: TaxiiClient[]
      collections?: {
        id: string
        title: string
        description: string
        versions: { object: StixObject; dateAdded: string }[]
      }[]
    }
    this.behaviour = { ...DEFAULT_BEHAVIOUR, ...d.behaviour }
    for (const c of d.clients ?? []) this.clients.set(c.username, c)
    this.nextClientId = d.nextClientId ?? this.clients.size + 1
    const saved = this.behaviour
    this.behaviour = { ...DEFAULT_BEHAVIOUR, duplicates: 'succeed' }
    for (const c of d.collections ?? []) {
      const record = this.addCollection(c.title, c.description, c.id)
      for (const v of c.versions) this.addOne(record, v.object, v.dateAdded, false)
    }
    this.behaviour = saved
  }
}

/** The clock as a timestampKey, to compare with `valid_until` keys. */
const clockKey = (nowMs: number): string => timestampKey(new Date(nowMs).toISOString()) ?? ''

/** An indicator's `valid_until` as a timestampKey, null when it has none (or a malformed one). */
function validUntilKey(object: StixObject): string | null {
  return typeof object.valid_until === 'string' ? (timestampKey(object.valid_until) ?? null) : null
}

/** Whether an object's `valid_until` has passed on this clock (epoch ms). */
export const isExpired = (object: StixObject, nowMs: number): boolean =>
  !isLive(validUntilKey(object), clockKey(nowMs))

/**
 * [SIM] Enforced while the clock is before `valid_until` (STIX: "no longer considered valid" from
 * that time on), so an indicator whose valid_until equals the clock is expired.
 */
const isLive = (validUntil: string | null, now: string): boolean =>
  validUntil === null || validUntil > now

/** Lookup structures for matching flows against every enforced STIX entry. */
export class EnforcementIndex {
  private readonly exact = new Map<string, IndexedEntry>()
  private readonly cidrs: IndexedEntry[] = []
  private readonly domains = new Map<string, IndexedEntry>()
  private readonly urls = new Map<string, IndexedEntry>()

  /** The collection of the entry added last: a new indicator there belongs at the end. */
  private tail: string | undefined

  constructor(collections: ReadonlyMap<string, CollectionRecord>) {
    for (const collection of collections.values()) {
      for (const [id, stored] of collection.objects)
        this.add(collection.id, id, stored.latest.object, stored.enforcement)
    }
  }

  /**
   * Whether a new indicator in this collection comes after every entry so far in the order the
   * constructor reads them, so that `add` leaves the index as a rebuild would.
   */
  appendsTo(collectionId: string): boolean {
    return this.tail === undefined || this.tail === collectionId
  }

  /** Adds an indicator's entries; a later entry for the same value replaces an earlier one. */
  add(
    collectionId: string,
    indicatorId: string,
    latest: StixObject,
    enforcement: Enforcement,
  ): void {
    if (enforcement.entries.length === 0) return
    this.tail = collectionId
    const name = typeof latest.name === 'string' ? latest.name : null
    const validUntil = validUntilKey(latest)
    for (const entry of enforcement.entries) {
      // Fields listed, not spread: the spread measured several times slower (docs/performance.md).
      const indexed: IndexedEntry = {
        matchType: entry.matchType,
        value: entry.value,
        iocPattern: entry.iocPattern,
        collectionId,
        indicatorId,
        name,
        validUntil,
      }
      if (entry.range !== undefined) indexed.range = entry.range
      if (entry.matchType === 'dns') this.put(this.domains, indexed)
      else if (entry.matchType === 'url') this.put(this.urls, indexed)
      else if (entry.value.includes('/')) this.cidrs.push(indexed)
      else this.put(this.exact, indexed)
    }
  }

  /** The new entry answers for its value; the one it replaces stays behind it (`shadowed`). */
  private put(map: Map<string, IndexedEntry>, entry: IndexedEntry): void {
    const previous = map.get(entry.value)
    if (previous !== undefined) entry.shadowed = previous
    map.set(entry.value, entry)
  }

  get size(): number {
    return this.exact.size + this.cidrs.length + this.domains.size + this.urls.size
  }

  /**
   * [SIM] The newest entry for a value that is still valid: an indicator past its `valid_until`
   * is no longer enforced, and an older indicator for the same value answers again.
   */
  private live(entry: IndexedEntry | undefined, now: string): IndexedEntry | undefined {
    for (let e = entry; e !== undefined; e = e.shadowed) if (isLive(e.validUntil, now)) return e
    return undefined
  }

  /** `nowIso`: the clock as an RFC 3339 timestamp (any fraction). */
  matchAddress(text: string, nowIso: string): IndexedEntry | undefined {
    const address = parseAddress(text)
    if (address === undefined) return undefined
    const now = timestampKey(nowIso) ?? nowIso
    const exact = this.live(this.exact.get(address.toString()), now)
    if (exact !== undefined) return exact
    // Later CIDR entries first, as for exact values: the newest valid indicator answers.
    for (let i = this.cidrs.length - 1; i >= 0; i--) {
      const e = this.cidrs[i]
      if (e?.range !== undefined && rangeContains(e.range, address) && isLive(e.validUntil, now))
        return e
    }
    return undefined
  }

  /** Exact domain or any parent domain (a dns entry covers its subdomains). */
  matchHost(host: string, nowIso: string): IndexedEntry | undefined {
    const now = timestampKey(nowIso) ?? nowIso
    const labels = host.toLowerCase().replace(/\.$/, '').split('.')
    for (let i = 0; i < labels.length; i++) {
      const candidate = labels.slice(i).join('.')
      const entry = this.live(this.domains.get(candidate), now)
      if (entry !== undefined && domainMatches(candidate, host.toLowerCase())) return entry
    }
    return undefined
  }

  matchUrl(url: string, nowIso: string): IndexedEntry | undefined {
    return this.live(this.urls.get(url), timestampKey(nowIso) ?? nowIso)
  }
}
