/**
 * Turns request payloads (create, update, consume, fixture load) into store changes. One reader for
 * every encoding real clients send (docs/threatq-api.md, "Objects"): `type` as a name, `{name}` or
 * `{id}`, or `type_id`; the same for status; descriptions as a string or `[{value}]`; sources with
 * `tlp_id`, `tlp` (name, id or `{name}`) or an object-level `tlp_id`; relationship keys named after
 * collections holding `{id}` or identity refs.
 */
import { ApiError, validationError } from './errors.js'
import type { SourceRec, Store, TqObject } from './store.js'
import { parseTq } from './time.js'
import { collectionDef, tlpFromId, tlpFromName, type CollectionDef } from './vocab.js'

export type Json = Record<string, unknown>

/**
 * Who a write without explicit sources is attributed to (docs/threatq-api.md, "TLP and sources").
 */
export interface Attribution {
  name: string
  sourceType: string
}

/** [SIM] Status of indicators created without one (real instances make it configurable). */
export const DEFAULT_INDICATOR_STATUS = 'Review'

export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** A body or field as a list of objects: the array itself when it is one (checked, not copied). */
export function asItems(body: unknown, field = 'data'): Json[] {
  const list = Array.isArray(body) ? (body as unknown[]) : [body]
  for (let i = 0; i < list.length; i++) {
    if (!isObject(list[i]))
      throw validationError(`${field}.${String(i)}`, 'Each item must be an object.')
  }
  return list as Json[]
}

/** A string or number as a string; undefined for anything else. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  return undefined
}

function readDate(store: Store, v: unknown, field: string): number | null | undefined {
  if (v === undefined) return undefined
  if (v === null || v === '') return null
  const s = text(v)
  const parsed = s === undefined ? undefined : parseTq(s, store.now())
  if (parsed === undefined) throw validationError(field, `The ${field} is not a valid date.`)
  return parsed
}

/** A TLP given as an id, a name (`AMBER`, `TLP:RED`, `white`) or `{name}` / `{id}`. */
export function readTlp(v: unknown, field = 'tlp'): number | null | undefined {
  if (v === undefined) return undefined
  if (v === null || v === '') return null
  let def
  if (typeof v === 'number') def = tlpFromId(v)
  else if (typeof v === 'string') def = /^\d+$/.test(v) ? tlpFromId(Number(v)) : tlpFromName(v)
  else if (isObject(v)) return readTlp(v.id ?? v.name, field)
  if (def === undefined) throw validationError(field, 'The selected tlp is invalid.')
  return def.id
}

function readNamedRef(v: unknown): { id: number | undefined; name: string } | undefined {
  if (typeof v === 'number') return { id: v, name: '' }
  // `"status_id": "5"` (form bodies, query parameters) is the id, not a status named "5".
  if (typeof v === 'string')
    return /^\d+$/.test(v) ? { id: Number(v), name: '' } : { id: undefined, name: v }
  if (isObject(v)) {
    const id = typeof v.id === 'number' ? v.id : typeof v.id === 'string' ? Number(v.id) : undefined
    return { id, name: typeof v.name === 'string' ? v.name : '' }
  }
  return undefined
}

/**
 * The id of a type or status given as `<kind>_id`, a name, `{name}` or `{id}`; undefined when
 * neither key is present or the collection has no such vocabulary.
 */
function readVocab(
  store: Store,
  def: CollectionDef,
  item: Json,
  kind: 'type' | 'status',
): number | undefined {
  if (!(kind === 'type' ? def.typed : def.statused)) return undefined
  const ref = readNamedRef(
    kind === 'type' ? (item.type_id ?? item.type) : (item.status_id ?? item.status),
  )
  if (ref === undefined) return undefined
  const rec =
    kind === 'type'
      ? ref.id !== undefined
        ? store.typeById(def.collection, ref.id)
        : store.typeByName(def.collection, ref.name)
      : ref.id !== undefined
        ? store.statusById(def.collection, ref.id)
        : store.statusByName(def.collection, ref.name)
  if (rec === undefined) throw validationError(`${kind}_id`, `The selected ${kind} id is invalid.`)
  return rec.id
}

export const readType = (store: Store, def: CollectionDef, item: Json): number | undefined =>
  readVocab(store, def, item, 'type')

export const readStatus = (store: Store, def: CollectionDef, item: Json): number | undefined =>
  readVocab(store, def, item, 'status')

function readIdentity(def: CollectionDef, item: Json): string | undefined {
  const v = text(item[def.identity]) ?? text(item.value) ?? text(item.name) ?? text(item.title)
  return v === undefined ? undefined : v.trim()
}

function readDescription(v: unknown): string | null | undefined {
  if (v === undefined) return undefined
  if (v === null) return null
  if (typeof v === 'string') return v
  // The SDK's "tech debt" form for adversaries: [{"value": "..."}].
  if (Array.isArray(v)) {
    const first: unknown = v[0]
    return isObject(first) && typeof first.value === 'string' ? first.value : null
  }
  if (isObject(v) && typeof v.value === 'string') return v.value
  throw validationError('description', 'The description must be a string.')
}

export class Ingest {
  constructor(
    readonly store: Store,
    readonly attribution: Attribution,
    /**
     * [SIM: TQS-26] Whether identity refs (`{value, type}`) in the relationship keys of a
     * non-indicator item are honoured. Only indicator items are attested with them (the SDK's
     * BulkIndicator); off, they are dropped without a word, as a server that ignores them would.
     */
    readonly valueRefs = true,
  ) {}

  private attribution_: SourceRec | undefined

  private attributionSource(): SourceRec {
    this.attribution_ ??= this.store.sourceByNameOrCreate(
      this.attribution.name,
      this.attribution.sourceType,
    )
    return this.attribution_
  }

  /**
   * `POST /api/{type}` (mode create: a second object with the same identity is an error, except
   * for indicators which answer `existing`) and `/consume` (mode consume: upsert).
   */
  upsert(
    def: CollectionDef,
    item: Json,
    mode: 'create' | 'consume',
  ): { object: TqObject; created: boolean } {
    const store = this.store
    let object: TqObject | undefined
    if (mode === 'consume' && item.id !== undefined) {
      object = store.get(def.collection, Number(item.id))
      if (object === undefined) throw validationError('id', 'The selected id is invalid.')
    }
    const identity = readIdentity(def, item)
    const typeId = readType(store, def, item)
    if (object === undefined) {
      if (identity === undefined || identity === '') {
        throw validationError(def.identity, `The ${def.identity} field is required.`)
      }
      if (def.typed && typeId === undefined) {
        throw validationError('type_id', 'The type id field is required.')
      }
      object = store.findByIdentity(def.collection, identity, typeId ?? null)
      if (object !== undefined && mode === 'create' && def.collection !== 'indicators') {
        throw validationError(def.identity, `The ${def.identity} has already been taken.`)
      }
    }
    if (object !== undefined) {
      this.apply(object, item, false, { identity, typeId })
      return { object, created: false }
    }
    const statusId =
      readStatus(store, def, item) ??
      (def.statused ? store.statusByName(def.collection, DEFAULT_INDICATOR_STATUS)?.id : undefined)
    object = store.insert(def.collection, {
      identity: identity ?? '',
      typeId: typeId ?? null,
      statusId: statusId ?? null,
    })
    try {
      this.apply(object, item, true)
    } catch (error) {
      // A rejected item leaves nothing behind.
      store.remove(object)
      throw error
    }
    return { object, created: true }
  }

  /**
   * Applies the fields of `item` to an existing object (PUT, consume upsert); `read` is its
   * identity and type when the caller has already read them.
   */
  apply(
    object: TqObject,
    item: Json,
    fresh = false,
    read?: { identity: string | undefined; typeId: number | undefined },
  ): void {
    const store = this.store
    const def = collectionDef(object.collection)
    if (def === undefined) throw new Error(`unknown collection ${object.collection}`)
    if (!fresh) {
      const identity = read === undefined ? readIdentity(def, item) : read.identity
      const typeId = read === undefined ? readType(store, def, item) : read.typeId
      if (
        (identity !== undefined && identity !== object.identity) ||
        (typeId !== undefined && typeId !== object.typeId)
      ) {
        const next = identity ?? object.identity
        const clash = store.findByIdentity(object.collection, next, typeId ?? object.typeId)
        if (clash !== undefined && clash !== object) {
          throw validationError(def.identity, `The ${def.identity} has already been taken.`)
        }
        store.reidentify(object, next, typeId ?? object.typeId)
      }
      const statusId = readStatus(store, def, item)
      if (statusId !== undefined) object.statusId = statusId
    }
    const description = readDescription(item.description)
    if (description !== undefined) object.description = description
    const published = readDate(store, item.published_at, 'published_at')
    if (published !== undefined) object.publishedAt = published
    const happened = readDate(store, item.happened_at, 'happened_at')
    if (happened !== undefined) object.happenedAt = happened
    else if (fresh && def.collection === 'events') object.happenedAt = object.createdAt
    const detected = readDate(store, item.last_detected_at, 'last_detected_at')
    if (detected !== undefined) object.lastDetectedAt = detected
    // Only indicators expire (docs/threatq-api.md, "Objects"); the key is ignored elsewhere, as
    // unknown keys are.
    if (def.collection === 'indicators') {
      const expires = readDate(store, item.expires_at, 'expires_at')
      if (expires !== undefined) object.expiresAt = expires
    }
    const objectTlp = readTlp(item.tlp_id ?? item.tlp, 'tlp_id') ?? null
    this.applySources(object, item.sources, objectTlp, fresh)
    if (item.attributes !== undefined) this.applyAttributes(object, item.attributes, objectTlp)
    if (item.comments !== undefined) {
      for (const c of asItems(item.comments, 'comments')) {
        const value = text(c.value)
        if (value === undefined) throw validationError('comments', 'A comment needs a value.')
        if (!object.comments?.some((x) => x.value === value)) {
          store.addComment(object, value, this.attributionSource().id)
        }
      }
    }
    if (item.tags !== undefined) {
      if (!Array.isArray(item.tags)) throw validationError('tags', 'The tags must be a list.')
      for (const t of item.tags as unknown[]) {
        const name = typeof t === 'string' ? t : isObject(t) ? text(t.name) : undefined
        if (name === undefined) throw validationError('tags', 'A tag needs a name.')
        store.tagObject(object, store.tag(name))
      }
    }
    this.applyRelations(object, item)
    store.touch(object)
  }

  applySources(object: TqObject, sources: unknown, objectTlp: number | null, fresh: boolean): void {
    const store = this.store
    if (sources === undefined || sources === null) {
      if (fresh) store.attachSource(object, this.attributionSource(), objectTlp, null)
      return
    }
    for (const s of asItems(sources, 'sources')) {
      const name = text(s.name)
      if (name === undefined || name === '')
        throw validationError('sources', 'A source needs a name.')
      const source = store.sourceByNameOrCreate(name)
      const tlp = readTlp(s.tlp_id ?? s.tlp, 'sources.tlp') ?? objectTlp
      const published = readDate(store, s.published_at, 'sources.published_at') ?? null
      store.attachSource(object, source, tlp, published)
    }
  }

  applyAttributes(object: TqObject, attributes: unknown, objectTlp: number | null): void {
    for (const a of asItems(attributes, 'attributes')) {
      const name = text(a.name)
      const value = text(a.value)
      if (name === undefined || value === undefined) {
        throw validationError('attributes', 'An attribute needs a name and a value.')
      }
      // The common attribute has neither sources nor a TLP of its own.
      const first: unknown = Array.isArray(a.sources) ? (a.sources as unknown[])[0] : undefined
      const sourceName = isObject(first) ? text(first.name) : undefined
      const source =
        sourceName === undefined
          ? this.attributionSource()
          : this.store.sourceByNameOrCreate(sourceName)
      const tlp =
        readTlp(a.tlp_id ?? a.tlp, 'attributes.tlp_id') ??
        (isObject(first) ? readTlp(first.tlp_id ?? first.tlp, 'attributes.sources.tlp') : null) ??
        objectTlp
      this.store.addAttribute(object, name, value, source.id, tlp)
    }
  }

  /** Relationship keys: `"adversaries": [{"id": 9}]`, `"indicators": [{"value", "type"}]`. */
  applyRelations(object: TqObject, item: Json): void {
    const identityRefs = this.valueRefs || object.collection === 'indicators'
    for (const key in item) {
      const refs = item[key]
      if (!Array.isArray(refs)) continue
      const relDef = collectionDef(key)
      if (relDef === undefined) continue
      for (const ref of refs as unknown[]) {
        if (!identityRefs && !isIdRef(ref)) continue
        const target = this.resolveRef(relDef, ref, key)
        this.store.link(object, target)
      }
    }
  }

  /** `{id}` links an existing object; an identity ref links or creates one. */
  resolveRef(def: CollectionDef, ref: unknown, field: string): TqObject {
    if (isIdRef(ref)) {
      const id = typeof ref === 'number' ? ref : Number(ref.id)
      const target = this.store.get(def.collection, id)
      if (target === undefined) throw validationError(field, `The selected ${field} id is invalid.`)
      return target
    }
    if (!isObject(ref)) throw validationError(field, 'A related object must be an object.')
    return this.upsert(def, ref, 'consume').object
  }
}

/** A reference by id: `9` or `{"id": 9}`. */
const isIdRef = (ref: unknown): ref is number | Json =>
  typeof ref === 'number' || (isObject(ref) && ref.id !== undefined)

export function requireDef(collection: string): CollectionDef {
  const def = collectionDef(collection)
  if (def === undefined) throw new ApiError(404, { errors: ['Object does not exist.'] })
  return def
}
