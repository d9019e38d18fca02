/**
 * In-memory ThreatQ store, sized for a million indicators: one small record per object in a
 * dense array indexed by id, identity indexes per collection, relationships as pivot rows plus an
 * adjacency list per object. Every mutation bumps `version` (result caches and persistence key
 * off it).
 */
import { notFound } from './errors.js'
import {
  COLLECTIONS,
  EVENT_TYPES,
  INDICATOR_STATUSES,
  INDICATOR_TYPES,
  tlpFromId,
  type CollectionDef,
} from './vocab.js'

export interface SourceLink {
  /** The link row's id (the source "pivot" id clients delete by). */
  pivotId: number
  sourceId: number
  /** TLP the ingested data carried (source-provided). */
  tlpId: number | null
  /** TLP a person set on this link (wins over everything). */
  manualTlpId: number | null
  publishedAt: number | null
  createdAt: number
}

export interface AttributeValue {
  id: number
  attributeId: number
  value: string
  sourceId: number | null
  tlpId: number | null
  createdAt: number
  updatedAt: number
}

export interface CommentRec {
  id: number
  value: string
  sourceId: number | null
  createdAt: number
  updatedAt: number
}

export interface TqObject {
  id: number
  collection: string
  /** value / name / title, by collection. */
  identity: string
  typeId: number | null
  statusId: number | null
  description: string | null
  createdAt: number
  updatedAt: number
  touchedAt: number
  publishedAt: number | null
  happenedAt: number | null
  lastDetectedAt: number | null
  /**
   * When the indicator expires (epoch seconds), or null: `expires_at` in responses. [SIM] The
   * simulator never changes a status by itself when this passes (a real instance's expiration
   * policy would set Expired); a client reads the time and decides.
   */
  expiresAt: number | null
  generatedScore: number
  manualScore: number | null
  attributes: AttributeValue[] | null
  sources: SourceLink[] | null
  tags: number[] | null
  comments: CommentRec[] | null
}

export interface Pivot {
  id: number
  aColl: string
  aId: number
  bColl: string
  bId: number
  createdAt: number
}

export interface SourceRec {
  id: number
  name: string
  sourceType: string
  referenceId: number | null
  /** Admin-set default TLP of the source (lowest precedence). */
  defaultTlpId: number | null
  createdAt: number
}

export interface NamedRec {
  id: number
  name: string
}

export interface TypeRec extends NamedRec {
  class: string | null
  userEditable: boolean
  createdAt: number
}

export interface StatusRec extends NamedRec {
  description: string
  createdAt: number
}

export interface SavedSearch {
  id: number
  hash: string
  name: string
  /** As stored: an object, or the JSON string real servers sometimes return. */
  json: unknown
  createdAt: number
  updatedAt: number
}

export interface ConnectorRec {
  id: number
  name: string
  namespace: string | null
  customFields: Record<string, unknown>
  frequency: string | null
  categoryId: number | null
  indicatorStatusId: number | null
  tlpId: number | null
  isActive: boolean
  lastImportAt: number | null
  lastImportCount: number | null
  createdAt: number
  updatedAt: number
}

export interface Related {
  object: TqObject
  pivot: Pivot
}

const lower = (s: string): string => s.toLowerCase()

/** Vocabulary ids are dense from 1 in creation order; a scan covers anything else. */
function byDenseId<T extends NamedRec>(list: readonly T[], id: number | null): T | undefined {
  if (id === null) return undefined
  const hit = list[id - 1]
  return hit?.id === id ? hit : list.find((r) => r.id === id)
}

/** Names match case-insensitively; the exact spelling, the common case, is tried first. */
function byLowerName<T extends NamedRec>(list: readonly T[], name: string): T | undefined {
  const exact = list.find((r) => r.name === name)
  if (exact !== undefined) return exact
  const key = lower(name)
  return list.find((r) => lower(r.name) === key)
}

/** The value `value` of attribute `attributeId` among `list` (a loop: called per consumed attribute). */
function findAttribute(
  list: readonly AttributeValue[] | null,
  attributeId: number,
  value: string,
): AttributeValue | undefined {
  if (list === null) return undefined
  for (const a of list) if (a.attributeId === attributeId && a.value === value) return a
  return undefined
}

/** Case-insensitive names with their own ids, from 1 (attribute names, tags). */
export class NameRegistry {
  readonly items: NamedRec[] = []
  private readonly byLowerName = new Map<string, NamedRec>()
  private readonly byExactName = new Map<string, NamedRec>()
  private readonly byIdMap = new Map<number, NamedRec>()
  private seq = 0

  /** The record of `name`, created on first use. */
  named(name: string): NamedRec {
    return (
      this.byExactName.get(name) ??
      this.byLowerName.get(lower(name)) ??
      this.add({ id: this.seq + 1, name })
    )
  }

  byId(id: number): NamedRec | undefined {
    return this.byIdMap.get(id)
  }

  add(rec: NamedRec): NamedRec {
    this.items.push(rec)
    this.byLowerName.set(lower(rec.name), rec)
    this.byExactName.set(rec.name, rec)
    this.byIdMap.set(rec.id, rec)
    if (rec.id > this.seq) this.seq = rec.id
    return rec
  }
}

export class Table {
  /** Index = id; holes for deleted ids. */
  rows: (TqObject | undefined)[] = [undefined]
  count = 0
  /** Identity → id, one map per indicator type (one map in all for other collections). */
  private readonly byIdentity = new Map<number, Map<string, number>>()
  /** Object id → ids of the relationship pivots touching it. */
  readonly adjacency = new Map<number, number[]>()

  constructor(readonly def: CollectionDef) {}

  get(id: number): TqObject | undefined {
    return Number.isInteger(id) && id > 0 ? this.rows[id] : undefined
  }

  private identityMap(typeId: number | null): Map<string, number> {
    const key = this.def.collection === 'indicators' ? (typeId ?? 0) : 0
    let map = this.byIdentity.get(key)
    if (map === undefined) {
      map = new Map()
      this.byIdentity.set(key, map)
    }
    return map
  }

  lookup(identity: string, typeId: number | null): number | undefined {
    return this.identityMap(typeId).get(identity)
  }

  index(obj: TqObject): void {
    this.identityMap(obj.typeId).set(obj.identity, obj.id)
  }

  unindex(obj: TqObject): void {
    this.identityMap(obj.typeId).delete(obj.identity)
  }

  *all(): Generator<TqObject> {
    for (const row of this.rows) if (row !== undefined) yield row
  }
}

/** Sequences for every id space; persisted with the snapshot. */
export interface Sequences {
  pivot: number
  sourceLink: number
  source: number
  attributeValue: number
  comment: number
  search: number
  connector: number
  eventType: number
  indicatorType: number
  status: number
}

export class Store {
  readonly tables = new Map<string, Table>()
  readonly pivots = new Map<number, Pivot>()
  readonly sources: SourceRec[] = []
  private readonly sourceByName = new Map<string, SourceRec>()
  /** The spelling clients send, tried before lower-casing the name (every source of every item). */
  private readonly sourceByExactName = new Map<string, SourceRec>()
  private readonly sourceByIdMap = new Map<number, SourceRec>()
  /** Attribute names (`attribute_id`s). */
  readonly attributeDefs = new NameRegistry()
  readonly tags = new NameRegistry()
  readonly indicatorTypes: TypeRec[] = []
  readonly indicatorStatuses: StatusRec[] = []
  readonly eventTypes: TypeRec[] = []
  readonly searches: SavedSearch[] = []
  readonly connectors: ConnectorRec[] = []
  seq: Sequences = {
    pivot: 0,
    sourceLink: 0,
    source: 0,
    attributeValue: 0,
    comment: 0,
    search: 0,
    connector: 0,
    eventType: 0,
    indicatorType: 0,
    status: 0,
  }
  /** Bumped by every mutation. */
  version = 0
  private readonly listeners: (() => void)[] = []

  /** `clock` returns epoch milliseconds (injectable so tests never read the wall clock). */
  constructor(readonly clock: () => number = Date.now) {
    for (const def of COLLECTIONS) this.tables.set(def.collection, new Table(def))
  }

  /** A fresh instance's vocabularies (docs/threatq-api.md, "Vocabularies and metadata"). */
  static withDefaults(clock: () => number = Date.now): Store {
    const store = new Store(clock)
    const at = Math.floor(Date.UTC(2017, 3, 17, 4, 34, 56) / 1000)
    for (const t of INDICATOR_TYPES) {
      store.indicatorTypes.push({ ...t, userEditable: false, createdAt: at })
    }
    for (const s of INDICATOR_STATUSES) store.indicatorStatuses.push({ ...s, createdAt: at })
    for (const name of EVENT_TYPES) store.addEventType(name, false, at)
    store.seq.indicatorType = INDICATOR_TYPES.length
    store.seq.status = INDICATOR_STATUSES.length
    return store
  }

  /** The clock read once for a whole batch (see `atOneInstant`). */
  private instant: number | undefined

  now(): number {
    return this.instant ?? Math.floor(this.clock() / 1000)
  }

  /**
   * Runs `fn` with the clock read once: every row one request writes carries the same time (as
   * one database transaction would), and a 500-item consume reads the clock once, not 15,000 times.
   */
  atOneInstant<T>(fn: () => T): T {
    if (this.instant !== undefined) return fn()
    this.instant = Math.floor(this.clock() / 1000)
    try {
      return fn()
    } finally {
      this.instant = undefined
    }
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  changed(): void {
    this.version++
    for (const l of this.listeners) l()
  }

  table(collection: string): Table {
    const t = this.tables.get(collection)
    if (t === undefined) throw notFound()
    return t
  }

  get(collection: string, id: number): TqObject | undefined {
    return this.tables.get(collection)?.get(id)
  }

  mustGet(collection: string, id: number): TqObject {
    const obj = this.get(collection, id)
    if (obj === undefined) throw notFound()
    return obj
  }

  findByIdentity(
    collection: string,
    identity: string,
    typeId: number | null,
  ): TqObject | undefined {
    const t = this.table(collection)
    const id = t.lookup(identity, typeId)
    return id === undefined ? undefined : t.rows[id]
  }

  insert(
    collection: string,
    fields: Partial<TqObject> & { identity: string },
    id?: number,
  ): TqObject {
    const t = this.table(collection)
    const now = this.now()
    const obj: TqObject = {
      id: id ?? t.rows.length,
      collection,
      identity: fields.identity,
      typeId: fields.typeId ?? null,
      statusId: fields.statusId ?? null,
      description: fields.description ?? null,
      createdAt: fields.createdAt ?? now,
      updatedAt: fields.updatedAt ?? now,
      touchedAt: fields.touchedAt ?? fields.updatedAt ?? now,
      publishedAt: fields.publishedAt ?? fields.createdAt ?? now,
      happenedAt: fields.happenedAt ?? null,
      lastDetectedAt: fields.lastDetectedAt ?? null,
      // Snapshots written before expiry existed have no such field.
      expiresAt: fields.expiresAt ?? null,
      generatedScore: fields.generatedScore ?? 0,
      manualScore: fields.manualScore ?? null,
      attributes: fields.attributes ?? null,
      sources: fields.sources ?? null,
      tags: fields.tags ?? null,
      comments: fields.comments ?? null,
    }
    t.rows[obj.id] = obj
    t.count++
    t.index(obj)
    this.changed()
    return obj
  }

  /** Changes value/name/title and/or type, keeping the identity index right. */
  reidentify(obj: TqObject, identity: string, typeId: number | null): void {
    const t = this.table(obj.collection)
    t.unindex(obj)
    obj.identity = identity
    obj.typeId = typeId
    t.index(obj)
  }

  touch(obj: TqObject): void {
    const now = this.now()
    obj.updatedAt = now
    obj.touchedAt = now
    this.changed()
  }

  remove(obj: TqObject): void {
    const t = this.table(obj.collection)
    for (const pivotId of [...(t.adjacency.get(obj.id) ?? [])]) this.unlink(pivotId)
    t.adjacency.delete(obj.id)
    t.unindex(obj)
    t.rows[obj.id] = undefined
    t.count--
    this.changed()
  }

  // --- relationships -------------------------------------------------------------------------

  /** The pivot linking a and b, found by scanning the shorter adjacency list. */
  private findPivot(a: TqObject, b: TqObject): Pivot | undefined {
    const la = this.tables.get(a.collection)?.adjacency.get(a.id)
    const lb = this.tables.get(b.collection)?.adjacency.get(b.id)
    // A new object (a consumed event, mostly) has no links yet.
    if (la === undefined || lb === undefined) return undefined
    const shorter = la.length <= lb.length
    const list = shorter ? la : lb
    const other = shorter ? b : a
    for (const pivotId of list) {
      const p = this.pivots.get(pivotId)
      if (p === undefined) continue
      if (
        (p.aColl === other.collection && p.aId === other.id) ||
        (p.bColl === other.collection && p.bId === other.id)
      ) {
        // A self-collection link must also touch the first object on its other end.
        const touches =
          (p.aColl === a.collection && p.aId === a.id) ||
          (p.bColl === a.collection && p.bId === a.id)
        if (touches) return p
      }
    }
    return undefined
  }

  /** Links two objects (idempotent: an existing link is returned with `created: false`). */
  link(
    a: TqObject,
    b: TqObject,
    pivotId?: number,
    createdAt?: number,
  ): { pivot: Pivot; created: boolean } {
    const existing = this.findPivot(a, b)
    if (existing !== undefined) return { pivot: existing, created: false }
    const id = pivotId ?? ++this.seq.pivot
    if (id > this.seq.pivot) this.seq.pivot = id
    const pivot: Pivot = {
      id,
      aColl: a.collection,
      aId: a.id,
      bColl: b.collection,
      bId: b.id,
      createdAt: createdAt ?? this.now(),
    }
    this.pivots.set(id, pivot)
    this.addAdjacent(a, id)
    if (a !== b) this.addAdjacent(b, id)
    this.changed()
    return { pivot, created: true }
  }

  private addAdjacent(obj: TqObject, pivotId: number): void {
    const adjacency = this.table(obj.collection).adjacency
    const list = adjacency.get(obj.id)
    if (list === undefined) adjacency.set(obj.id, [pivotId])
    else list.push(pivotId)
  }

  unlink(pivotId: number): boolean {
    const pivot = this.pivots.get(pivotId)
    if (pivot === undefined) return false
    this.pivots.delete(pivotId)
    for (const [coll, id] of [
      [pivot.aColl, pivot.aId],
      [pivot.bColl, pivot.bId],
    ] as const) {
      const list = this.tables.get(coll)?.adjacency.get(id)
      if (list === undefined) continue
      const i = list.indexOf(pivotId)
      if (i >= 0) list.splice(i, 1)
    }
    this.changed()
    return true
  }

  /** Objects of `relColl` linked to `obj`, oldest link first. */
  related(obj: TqObject, relColl: string): Related[] {
    const out: Related[] = []
    const list = this.tables.get(obj.collection)?.adjacency.get(obj.id)
    if (list === undefined) return out
    for (const pivotId of list) {
      const pivot = this.pivots.get(pivotId)
      if (pivot === undefined) continue
      const isA = pivot.aColl === obj.collection && pivot.aId === obj.id
      const [coll, id] = isA ? [pivot.bColl, pivot.bId] : [pivot.aColl, pivot.aId]
      if (coll !== relColl) continue
      const other = this.get(coll, id)
      if (other !== undefined) out.push({ object: other, pivot })
    }
    return out
  }

  relationshipCount(obj: TqObject): number {
    return this.tables.get(obj.collection)?.adjacency.get(obj.id)?.length ?? 0
  }

  // --- sources and TLP -----------------------------------------------------------------------

  sourceByNameOrCreate(
    name: string,
    sourceType = 'other',
    referenceId: number | null = null,
  ): SourceRec {
    let source = this.sourceByExactName.get(name) ?? this.sourceByName.get(lower(name))
    if (source === undefined) {
      source = {
        id: ++this.seq.source,
        name,
        sourceType,
        referenceId,
        defaultTlpId: null,
        createdAt: this.now(),
      }
      this.addSource(source)
      this.changed()
    }
    return source
  }

  addSource(source: SourceRec): void {
    this.sources.push(source)
    this.sourceByName.set(lower(source.name), source)
    this.sourceByExactName.set(source.name, source)
    this.sourceByIdMap.set(source.id, source)
    if (source.id > this.seq.source) this.seq.source = source.id
  }

  findSource(name: string): SourceRec | undefined {
    return this.sourceByName.get(lower(name))
  }

  sourceById(id: number): SourceRec | undefined {
    return this.sourceByIdMap.get(id)
  }

  /** Attaches a source to an object; a repeated source updates the provided TLP only. */
  attachSource(
    obj: TqObject,
    source: SourceRec,
    tlpId: number | null,
    publishedAt: number | null,
  ): SourceLink {
    const existing = obj.sources?.find((l) => l.sourceId === source.id)
    if (existing !== undefined) {
      if (tlpId !== null) existing.tlpId = tlpId
      return existing
    }
    const link: SourceLink = {
      pivotId: ++this.seq.sourceLink,
      sourceId: source.id,
      tlpId,
      manualTlpId: null,
      publishedAt,
      createdAt: this.now(),
    }
    // A one-element literal is allocated at its size; `[]` plus push would reserve 16 slots, which
    // over a million single-source indicators is over a hundred megabytes.
    if (obj.sources === null) obj.sources = [link]
    else obj.sources.push(link)
    return link
  }

  /**
   * Precedence (docs/threatq-api.md, "TLP and sources"): manually set > source-provided > source
   * default > none.
   */
  effectiveTlpId(link: SourceLink): number | null {
    return link.manualTlpId ?? link.tlpId ?? this.sourceById(link.sourceId)?.defaultTlpId ?? null
  }

  /** The most restrictive TLP over an object's sources. */
  objectTlpId(obj: TqObject): number | null {
    let best: number | null = null
    let bestRank = Infinity
    for (const link of obj.sources ?? []) {
      const id = this.effectiveTlpId(link)
      const rank = id === null ? undefined : tlpFromId(id)?.rank
      if (id !== null && rank !== undefined && rank < bestRank) {
        best = id
        bestRank = rank
      }
    }
    return best
  }

  // --- attributes, tags, comments ------------------------------------------------------------

  attributeDef(name: string): NamedRec {
    return this.attributeDefs.named(name)
  }

  attributeName(attributeId: number): string {
    return this.attributeDefs.byId(attributeId)?.name ?? ''
  }

  /** Adds an attribute value unless the object already has the same name and value. */
  addAttribute(
    obj: TqObject,
    name: string,
    value: string,
    sourceId: number | null,
    tlpId: number | null,
  ): { attribute: AttributeValue; created: boolean } {
    const def = this.attributeDef(name)
    const existing = findAttribute(obj.attributes, def.id, value)
    if (existing !== undefined) {
      if (tlpId !== null) existing.tlpId = tlpId
      return { attribute: existing, created: false }
    }
    const now = this.now()
    const attribute: AttributeValue = {
      id: ++this.seq.attributeValue,
      attributeId: def.id,
      value,
      sourceId,
      tlpId,
      createdAt: now,
      updatedAt: now,
    }
    if (obj.attributes === null) obj.attributes = [attribute]
    else obj.attributes.push(attribute)
    return { attribute, created: true }
  }

  tag(name: string): NamedRec {
    return this.tags.named(name)
  }

  tagById(id: number): NamedRec | undefined {
    return this.tags.byId(id)
  }

  tagObject(obj: TqObject, tag: NamedRec): void {
    obj.tags ??= []
    if (!obj.tags.includes(tag.id)) obj.tags.push(tag.id)
  }

  addComment(obj: TqObject, value: string, sourceId: number | null): CommentRec {
    const now = this.now()
    const comment: CommentRec = {
      id: ++this.seq.comment,
      value,
      sourceId,
      createdAt: now,
      updatedAt: now,
    }
    obj.comments ??= []
    obj.comments.push(comment)
    return comment
  }

  // --- vocabularies --------------------------------------------------------------------------

  types(collection: string): TypeRec[] {
    if (collection === 'indicators') return this.indicatorTypes
    if (collection === 'events') return this.eventTypes
    return []
  }

  typeById(collection: string, id: number | null): TypeRec | undefined {
    return byDenseId(this.types(collection), id)
  }

  typeByName(collection: string, name: string): TypeRec | undefined {
    return byLowerName(this.types(collection), name)
  }

  statuses(collection: string): StatusRec[] {
    return collection === 'indicators' ? this.indicatorStatuses : []
  }

  statusById(collection: string, id: number | null): StatusRec | undefined {
    return byDenseId(this.statuses(collection), id)
  }

  statusByName(collection: string, name: string): StatusRec | undefined {
    return byLowerName(this.statuses(collection), name)
  }

  addEventType(name: string, userEditable = true, at = this.now()): TypeRec {
    const type: TypeRec = {
      id: ++this.seq.eventType,
      name,
      class: null,
      userEditable,
      createdAt: at,
    }
    this.eventTypes.push(type)
    this.changed()
    return type
  }

  // --- saved searches and connectors ---------------------------------------------------------

  searchByHash(hash: string): SavedSearch | undefined {
    return this.searches.find((s) => s.hash === hash)
  }

  connectorById(id: number): ConnectorRec | undefined {
    return this.connectors.find((c) => c.id === id)
  }

  connectorByName(name: string): ConnectorRec | undefined {
    return this.connectors.find((c) => c.name === name)
  }

  private lastCounts: { version: number; counts: Record<string, number> } | undefined

  /**
   * Counts per kind for `/_sim/state`, kept while the store is unchanged: counting attributes
   * walks every object (a fifth of a second at a million), and a benchmark polls state around
   * each run to read the process's CPU time.
   */
  counts(): Record<string, number> {
    if (this.lastCounts?.version !== this.version) {
      this.lastCounts = { version: this.version, counts: this.countAll() }
    }
    return { ...this.lastCounts.counts }
  }

  private countAll(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const [name, t] of this.tables) counts[name] = t.count
    let attributes = 0
    let sourceLinks = 0
    let comments = 0
    for (const t of this.tables.values()) {
      for (const obj of t.all()) {
        attributes += obj.attributes?.length ?? 0
        sourceLinks += obj.sources?.length ?? 0
        comments += obj.comments?.length ?? 0
      }
    }
    return {
      ...counts,
      relationships: this.pivots.size,
      attributes,
      sourceLinks,
      comments,
      sources: this.sources.length,
      tags: this.tags.items.length,
      savedSearches: this.searches.length,
      connectors: this.connectors.length,
      eventTypes: this.eventTypes.length,
    }
  }
}
