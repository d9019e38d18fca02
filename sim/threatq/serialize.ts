/**
 * JSON text of Threat Library results written straight from the store, byte for byte what
 * `JSON.stringify` of the presenters' objects (present.ts) gives, without building those objects
 * first. Serving a million indicators spent half its time in `JSON.stringify` and the garbage of
 * the intermediate objects; a plan compiled once per request (which keys, in which order, for one
 * collection and one `fields`/`with` shape) writes each object as one string instead. present.ts
 * stays the reference: serialize.test.ts checks the two agree for every shape, and anything rare
 * (tags, comments, score objects, `with=tlp`) is rendered by the presenters themselves.
 */
import {
  presentComment,
  presentScore,
  presentStatus,
  presentType,
  presentVocabStub,
  valueHash,
  effectiveScore,
  type WithTree,
} from './present.js'
import type { AttributeValue, Pivot, SourceLink, Store, TqObject } from './store.js'
import { formatTq } from './time.js'
import { collectionDef, tlpFromId, type CollectionDef } from './vocab.js'

/** No character JSON.stringify escapes (quote, backslash, controls) or rewrites (surrogates). */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false
  }
  return true
}

/** A string as JSON; the common plain string skips the escaping pass. */
export function jsonString(s: string): string {
  return plain(s) ? `"${s}"` : JSON.stringify(s)
}

const jsonNumber = (n: number | null): string => (n === null ? 'null' : String(n))
const jsonText = (s: string | null): string => (s === null ? 'null' : jsonString(s))
/**
 * Quoted dates by epoch second, direct-mapped: an object's dates are mostly equal (published and
 * created, updated and touched) and neighbours in a page share many, so most are a slot compare.
 */
const DATE_SLOTS = 4096
const dateKeys = new Float64Array(DATE_SLOTS).fill(-1)
const dateTexts = new Array<string>(DATE_SLOTS).fill('')
function jsonDate(t: number | null): string {
  if (t === null) return 'null'
  const slot = t & (DATE_SLOTS - 1)
  if (dateKeys[slot] === t) return dateTexts[slot] as string
  const text = `"${formatTq(t)}"`
  dateKeys[slot] = t
  dateTexts[slot] = text
  return text
}
const jsonValue = (v: object | null): string => JSON.stringify(v)

/** Writes one value of an object (no key). */
type ValueWriter = (obj: TqObject) => string
/** Writes one whole object. */
export type ObjectWriter = ValueWriter

interface Slot {
  key: string
  write: ValueWriter
  /** The value when it is the same for every object (folded into the keys at compile time). */
  constant: string | undefined
}

/** An ordered list of keys; setting an existing key keeps its place, as on a JS object. */
class SlotList {
  readonly slots: Slot[] = []

  has(key: string): boolean {
    return this.slots.some((s) => s.key === key)
  }

  set(key: string, write: ValueWriter, constant?: string): void {
    const existing = this.slots.find((s) => s.key === key)
    if (existing === undefined) this.slots.push({ key, write, constant })
    else {
      existing.write = write
      existing.constant = constant
    }
  }

  /** A slot whose value is `text` for every object. */
  setConstant(key: string, text: string): void {
    this.set(key, () => text, text)
  }

  /**
   * The object writer: each slot's `,"key":` prefix computed once, and runs of constant slots
   * folded into the next prefix (fewer pieces to concatenate and flatten per object).
   */
  compile(): ValueWriter {
    const parts: { prefix: string; write: ValueWriter }[] = []
    let pending = ''
    this.slots.forEach((s, i) => {
      pending += `${i === 0 ? '{' : ','}${JSON.stringify(s.key)}:`
      if (s.constant !== undefined) pending += s.constant
      else {
        parts.push({ prefix: pending, write: s.write })
        pending = ''
      }
    })
    const end = `${this.slots.length === 0 ? '{' : ''}${pending}}`
    if (parts.length === 0) return () => end
    return (obj) => {
      let out = ''
      for (const part of parts) out += part.prefix + part.write(obj)
      return out + end
    }
  }
}

/** `make` once per key. */
function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const values = new Map<K, V>()
  return (key) => {
    let value = values.get(key)
    if (value === undefined) {
      value = make(key)
      values.set(key, value)
    }
    return value
  }
}

/** A list of items as a JSON array. */
function jsonArray<T>(items: readonly T[] | null, write: (item: T) => string): string {
  if (items === null || items.length === 0) return '[]'
  let out = '['
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ','
    out += write(items[i] as T)
  }
  return `${out}]`
}

/**
 * Writers for one request: plans per (collection, shape) and the vocabulary/source fragments a
 * page repeats, built once. Valid while the store does not change (one synchronous request).
 */
export class ResultWriter {
  private readonly plans = new Map<string, ValueWriter>()
  /** Fragments a page repeats, by collection and id (a page holds a handful of each). */
  private readonly classes = memo((typeId: number | null) =>
    jsonString(this.store.typeById('indicators', typeId)?.class ?? 'network'),
  )
  /** The `type` object of objects of a collection, per type id. */
  private readonly typeJson = memo((collection: string) => {
    const byId = memo((typeId: number | null) =>
      jsonValue(presentType(this.store, { collection, typeId })),
    )
    return (o: TqObject): string => byId(o.typeId)
  })
  /** The `status` object of objects of a collection, per status id. */
  private readonly statusJson = memo((collection: string) => {
    const byId = memo((statusId: number | null) =>
      jsonValue(presentStatus(this.store, { collection, statusId })),
    )
    return (o: TqObject): string => byId(o.statusId)
  })
  /** A source link's keys from `name` to `tlp_id` (its value follows), per source. */
  private readonly sources = memo((sourceId: number) => {
    const s = this.store.sourceById(sourceId)
    return `,"name":${jsonString(s?.name ?? '')},"source_type":${jsonString(s?.sourceType ?? 'other')},"reference_id":${jsonNumber(s?.referenceId ?? null)},"creator_source_id":${String(sourceId)},"tlp_id":`
  })
  private readonly attributeNames = memo((attributeId: number) =>
    jsonString(this.store.attributeName(attributeId)),
  )

  constructor(private readonly store: Store) {}

  /** The base fields of `collection` (presentBase), with `score` as an object when asked. */
  private baseSlots(collection: string, list: SlotList): void {
    const dates = (): void => {
      list.set('published_at', (o) => jsonDate(o.publishedAt))
      list.set('created_at', (o) => jsonDate(o.createdAt))
      list.set('updated_at', (o) => jsonDate(o.updatedAt))
      list.set('touched_at', (o) => jsonDate(o.touchedAt))
    }
    const identity = (o: TqObject): string => jsonString(o.identity)
    const hash = (o: TqObject): string => `"${valueHash(o.identity)}"`
    list.set('id', (o) => String(o.id))
    switch (collection) {
      case 'indicators':
        list.set('value', identity)
        list.set('class', (o) => this.classes(o.typeId))
        list.set('hash', hash)
        list.set('type_id', (o) => jsonNumber(o.typeId))
        list.set('status_id', (o) => jsonNumber(o.statusId))
        list.set('description', (o) => jsonText(o.description))
        list.set('score', (o) => String(effectiveScore(o)))
        dates()
        list.set('last_detected_at', (o) => jsonDate(o.lastDetectedAt))
        list.set('expires_at', (o) => jsonDate(o.expiresAt))
        list.setConstant('expired_at', 'null')
        list.setConstant('expires_calculated_at', 'null')
        return
      case 'events':
        list.set('title', identity)
        list.set('type_id', (o) => jsonNumber(o.typeId))
        list.set('happened_at', (o) => jsonDate(o.happenedAt))
        list.set('description', (o) => jsonText(o.description))
        list.set('hash', hash)
        dates()
        return
      case 'adversaries':
        list.set('name', identity)
        list.set('description', (o) => jsonText(o.description))
        dates()
        return
      default: {
        const def = collectionDef(collection)
        list.set('value', identity)
        list.set('description', (o) => jsonText(o.description))
        list.setConstant('object_code', jsonString(collection))
        list.setConstant('object_name', jsonString(def?.displayName ?? collection))
        list.setConstant('object_name_plural', jsonString(def?.displayNamePlural ?? collection))
        dates()
      }
    }
  }

  /** What `embed(name, sub)` of present.ts sets on an object of `collection`, if anything. */
  private embedWriter(collection: string, name: string, sub: WithTree): ValueWriter | undefined {
    const store = this.store
    const def = collectionDef(collection)
    switch (name) {
      case 'type':
        return def?.typed === true ? this.typeJson(collection) : undefined
      case 'status':
        return def?.statused === true ? this.statusJson(collection) : undefined
      case 'score':
        return collection === 'indicators' ? (o) => jsonValue(presentScore(o)) : undefined
      case 'attributes': {
        const write = this.attributeWriter(collection, sub)
        return (o) => jsonArray(o.attributes, (a) => write(o, a))
      }
      case 'sources': {
        const write = this.sourceWriter(collection, sub)
        return (o) => jsonArray(o.sources, (l) => write(o, l))
      }
      case 'tags':
        return (o) =>
          jsonValue((o.tags ?? []).map((id) => ({ id, name: store.tagById(id)?.name ?? '' })))
      case 'comments':
        return (o) => jsonValue((o.comments ?? []).map((c) => presentComment(store, c)))
      case 'tlp':
        return (o) => tlpJson(store.objectTlpId(o))
      default:
        return collectionDef(name) === undefined ? undefined : this.relatedWriter(name, sub)
    }
  }

  /** presentSourceLink. */
  private sourceWriter(
    collection: string,
    sub: WithTree,
  ): (o: TqObject, link: SourceLink) => string {
    const store = this.store
    const idKey = JSON.stringify(`${collectionDef(collection)?.name ?? collection}_id`)
    const indicator = collection === 'indicators'
    const withTlp = sub.has('tlp')
    return (o, link) => {
      const tlpId = store.effectiveTlpId(link)
      const created = jsonDate(link.createdAt)
      const pivotId = String(link.pivotId)
      // The same ids on the link and on its pivot.
      const ids = `,"source_id":${String(link.sourceId)},${idKey}:${String(o.id)}`
      let out = `{"id":${pivotId}${ids}${this.sources(link.sourceId)}${jsonNumber(tlpId)},"published_at":${jsonDate(link.publishedAt)},"created_at":${created},"updated_at":${created},"pivot":{"id":${pivotId}${ids}}`
      if (indicator) {
        out += `,"indicator_status_id":${jsonNumber(o.statusId)},"indicator_type_id":${jsonNumber(o.typeId)}`
      }
      if (withTlp) out += `,"tlp":${tlpJson(tlpId)}`
      return `${out}}`
    }
  }

  /** presentAttribute. */
  private attributeWriter(
    collection: string,
    sub: WithTree,
  ): (o: TqObject, a: AttributeValue) => string {
    const store = this.store
    const idKey = JSON.stringify(`${collectionDef(collection)?.name ?? collection}_id`)
    const withDef = sub.has('attribute')
    const withSources = sub.has('sources')
    return (o, a) => {
      const name = this.attributeNames(a.attributeId)
      const updated = jsonDate(a.updatedAt)
      let out = `{"id":${String(a.id)},"attribute_id":${String(a.attributeId)},${idKey}:${String(o.id)},"name":${name},"value":${jsonString(a.value)},"tlp_id":${jsonNumber(a.tlpId)},"created_at":${jsonDate(a.createdAt)},"updated_at":${updated},"touched_at":${updated}`
      if (withDef) out += `,"attribute":{"id":${String(a.attributeId)},"name":${name}}`
      if (withSources) {
        const source = a.sourceId === null ? undefined : store.sourceById(a.sourceId)
        out +=
          source === undefined
            ? ',"sources":[]'
            : `,"sources":[{"id":${String(source.id)},"name":${jsonString(source.name)},"tlp_id":${jsonNumber(a.tlpId)}}]`
      }
      return `${out}}`
    }
  }

  /** Related objects of one collection, each as `present(sub)` plus its pivot. */
  private relatedWriter(relColl: string, sub: WithTree): ValueWriter {
    const store = this.store
    const plan = this.presentPlan(relColl, sub)
    const memo = new Map<number, string>()
    return (o) => {
      // Most objects relate to nothing: no list to build.
      if (store.relationshipCount(o) === 0) return '[]'
      const related = store.related(o, relColl)
      return jsonArray(related, ({ object, pivot }) => {
        let body = memo.get(object.id)
        if (body === undefined) {
          // The object without its closing brace: the pivot differs per link.
          body = plan(object).slice(0, -1)
          memo.set(object.id, body)
        }
        return `${body},"pivot":${pivotJson(pivot)}}`
      })
    }
  }

  /** presentVocabStub: `{id, name}` of an object's type or status, per id. */
  private vocabStub(collection: string, kind: 'type' | 'status'): ValueWriter {
    const byId = memo((id: number | null) =>
      jsonValue(presentVocabStub(this.store, { collection, typeId: id, statusId: id }, kind)),
    )
    return kind === 'type' ? (o) => byId(o.typeId) : (o) => byId(o.statusId)
  }

  /** presentStub: related objects of one collection as id, identity, times and pivot. */
  private stubWriter(relColl: string): ValueWriter {
    const store = this.store
    const identityKey = JSON.stringify(collectionDef(relColl)?.identity ?? 'value')
    return (o) => {
      if (store.relationshipCount(o) === 0) return '[]'
      return jsonArray(
        store.related(o, relColl),
        ({ object, pivot }) =>
          `{"id":${String(object.id)},${identityKey}:${jsonString(object.identity)},"created_at":${jsonDate(object.createdAt)},"updated_at":${jsonDate(object.updatedAt)},"pivot":${pivotJson(pivot)}}`,
      )
    }
  }

  /** `present(store, obj, withTree)` of present.ts, as a writer for objects of `collection`. */
  presentPlan(collection: string, withTree: WithTree): ObjectWriter {
    const key = `present\n${collection}\n${treeKey(withTree)}`
    let plan = this.plans.get(key)
    if (plan === undefined) {
      const list = new SlotList()
      this.baseSlots(collection, list)
      for (const [name, sub] of withTree) {
        const write = this.embedWriter(collection, name, sub)
        if (write !== undefined) list.set(name, write)
      }
      plan = list.compile()
      this.plans.set(key, plan)
    }
    return plan
  }

  /** `LibraryProjection.project` of present.ts, as a writer for objects of `collection`. */
  projectionPlan(
    collection: string,
    fields: readonly string[] | undefined,
    withTree: WithTree,
  ): ObjectWriter {
    const store = this.store
    const names = (fields ?? []).map((f) => f.trim()).filter((f) => f !== '')
    const star = names.length === 0 || names.includes('*')
    const listed = [...new Set(names.map((f) => f.split('.')[0] ?? f))].filter((f) => f !== '*')
    const list = new SlotList()
    const def = collectionDef(collection)
    const embed = (name: string, sub: WithTree): void => {
      // An explicit field list asks for little: related objects come as stubs (presentStub),
      // unless the request asks for their sub-fields (`with=adversaries.indicators`), and the
      // type and status as {id, name} (presentVocabStub).
      let write: ValueWriter | undefined
      if (star || sub.size > 0) write = this.embedWriter(collection, name, sub)
      else if (name === 'type' && def?.typed === true) write = this.vocabStub(collection, 'type')
      else if (name === 'status' && def?.statused === true)
        write = this.vocabStub(collection, 'status')
      else if (collectionDef(name) !== undefined) write = this.stubWriter(name)
      else write = this.embedWriter(collection, name, sub)
      if (write !== undefined) list.set(name, write)
    }
    if (star) {
      this.baseSlots(collection, list)
      if (def?.typed === true) list.set('type', this.typeJson(collection))
      if (def?.statused === true) list.set('status', this.statusJson(collection))
      for (const name of listed) if (!list.has(name)) embed(name, new Map())
    } else {
      const base = new SlotList()
      this.baseSlots(collection, base)
      list.set('id', (o) => String(o.id))
      for (const name of listed) {
        if (name === 'type') {
          list.set('type', (o) => jsonText(store.typeById(o.collection, o.typeId)?.name ?? null))
        } else if (name === 'status') {
          list.set('status', (o) =>
            jsonText(store.statusById(o.collection, o.statusId)?.name ?? null),
          )
        } else if (name === 'tags') {
          list.set('tags', (o) =>
            jsonValue((o.tags ?? []).map((id) => store.tagById(id)?.name ?? '')),
          )
        } else {
          const slot = base.slots.find((s) => s.key === name)
          if (slot !== undefined) list.set(name, slot.write, slot.constant)
          else embed(name, new Map())
        }
      }
    }
    for (const [name, sub] of withTree) {
      if ((name === 'type' || name === 'status') && list.has(name)) continue
      embed(name, sub)
    }
    return list.compile()
  }
}

/** `presentConsumed` of present.ts: one item of a consume answer. */
export function consumedPlan(def: CollectionDef): ObjectWriter {
  const list = new SlotList()
  list.set('id', (o) => String(o.id))
  list.set(def.identity, (o) => jsonString(o.identity))
  if (def.typed) list.set('type_id', (o) => jsonNumber(o.typeId))
  if (def.statused) list.set('status_id', (o) => jsonNumber(o.statusId))
  list.set('created_at', (o) => jsonDate(o.createdAt))
  list.set('updated_at', (o) => jsonDate(o.updatedAt))
  return list.compile()
}

/** presentPivot as text. */
function pivotJson(pivot: Pivot): string {
  const a = collectionDef(pivot.aColl)?.name ?? pivot.aColl
  const b = `${collectionDef(pivot.bColl)?.name ?? pivot.bColl}${pivot.aColl === pivot.bColl ? '_related' : ''}`
  const at = jsonDate(pivot.createdAt)
  return `{"id":${String(pivot.id)},${JSON.stringify(`${a}_id`)}:${String(pivot.aId)},${JSON.stringify(`${b}_id`)}:${String(pivot.bId)},"created_at":${at},"updated_at":${at}}`
}

/** The `tlp` object by id (the TLP vocabulary is fixed, so built once per id). */
const tlpJson = memo((id: number | null): string => {
  const tlp = id === null ? undefined : tlpFromId(id)
  return tlp === undefined ? 'null' : `{"id":${String(tlp.id)},"name":${jsonString(tlp.name)}}`
})

function treeKey(tree: WithTree): string {
  return [...tree].map(([name, sub]) => `${name}(${treeKey(sub)})`).join(',')
}

/**
 * A response body written as bytes as it is built: each object's text is copied out while it is
 * young, so a page never exists as one large string to flatten and encode, and the garbage
 * collector never sees a half-built page survive.
 */
export class JsonBuffer {
  private buf: Buffer<ArrayBuffer>
  private pos = 0

  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 1024))
  }

  append(text: string): void {
    // Worst case 3 bytes per UTF-16 unit; the exact count only when that might not fit.
    if (this.pos + text.length * 3 > this.buf.length) {
      const need = this.pos + Buffer.byteLength(text)
      if (need > this.buf.length) {
        const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
        this.buf.copy(grown, 0, 0, this.pos)
        this.buf = grown
      }
    }
    this.pos += this.buf.write(text, this.pos)
  }

  get length(): number {
    return this.pos
  }

  bytes(): Buffer<ArrayBuffer> {
    return this.buf.subarray(0, this.pos)
  }
}
