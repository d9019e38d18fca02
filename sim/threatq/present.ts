/**
 * Response shapes of ThreatQ objects (docs/threatq-api.md, "Objects"): the base fields per
 * collection, sub-objects embedded by `with` (dot form `indicators.type` embeds sub-fields of
 * related objects). Threat Library results (`fields` projections) are written as JSON text by
 * serialize.ts, which follows these shapes.
 */
import type { Json } from './ingest.js'
import type { AttributeValue, CommentRec, Pivot, SourceLink, Store, TqObject } from './store.js'
import { formatTq, formatTqOrNull } from './time.js'
import { collectionDef, tlpFromId } from './vocab.js'

/** `with=a,b.c,b.d` as a tree: a → {}, b → {c, d}. */
export type WithTree = Map<string, WithTree>

export function parseWith(spec: string | undefined | null): WithTree {
  const tree: WithTree = new Map()
  for (const part of (spec ?? '').split(',')) {
    const path = part.trim()
    if (path === '') continue
    let node = tree
    for (const name of path.split('.')) {
      let child = node.get(name)
      if (child === undefined) {
        child = new Map()
        node.set(name, child)
      }
      node = child
    }
  }
  return tree
}

function singular(collection: string): string {
  return collectionDef(collection)?.name ?? collection
}

/** Effective score: the manual one when set, else the generated one (floored), 0–10. */
export function effectiveScore(obj: TqObject): number {
  return Math.floor(obj.manualScore ?? obj.generatedScore)
}

/**
 * [SIM] The `hash` field: 32 hex digits derived from the value (four FNV-1a lanes), not MD5 —
 * which digest real servers use is unknown, and a cryptographic hash per served object would cost
 * more than the rest of the serialisation.
 */
export function valueHash(text: string): string {
  let a = 0x811c9dc5
  let b = 0x9e3779b1
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    a = Math.imul(a ^ ch, 0x01000193)
    b = Math.imul(b ^ ch, 0x5bd1e995)
  }
  const c = fmix(a ^ b)
  const d = fmix(c + a)
  return hex8(a) + hex8(b) + hex8(c) + hex8(d)
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex8 = (n: number): string =>
  (HEX[n >>> 24] ?? '') +
  (HEX[(n >>> 16) & 255] ?? '') +
  (HEX[(n >>> 8) & 255] ?? '') +
  (HEX[n & 255] ?? '')

export function presentBase(store: Store, obj: TqObject): Json {
  const created = formatTq(obj.createdAt)
  const updated = formatTq(obj.updatedAt)
  const touched = formatTq(obj.touchedAt)
  const published = formatTqOrNull(obj.publishedAt)
  switch (obj.collection) {
    case 'indicators':
      return {
        id: obj.id,
        value: obj.identity,
        class: store.typeById('indicators', obj.typeId)?.class ?? 'network',
        hash: valueHash(obj.identity),
        type_id: obj.typeId,
        status_id: obj.statusId,
        description: obj.description,
        score: effectiveScore(obj),
        published_at: published,
        created_at: created,
        updated_at: updated,
        touched_at: touched,
        last_detected_at: formatTqOrNull(obj.lastDetectedAt),
        expires_at: formatTqOrNull(obj.expiresAt),
        expired_at: null,
        expires_calculated_at: null,
      }
    case 'events':
      return {
        id: obj.id,
        title: obj.identity,
        type_id: obj.typeId,
        happened_at: formatTqOrNull(obj.happenedAt),
        description: obj.description,
        hash: valueHash(obj.identity),
        published_at: published,
        created_at: created,
        updated_at: updated,
        touched_at: touched,
      }
    case 'adversaries':
      return {
        id: obj.id,
        name: obj.identity,
        description: obj.description,
        published_at: published,
        created_at: created,
        updated_at: updated,
        touched_at: touched,
      }
    default: {
      const def = collectionDef(obj.collection)
      return {
        id: obj.id,
        value: obj.identity,
        description: obj.description,
        object_code: obj.collection,
        object_name: def?.displayName ?? obj.collection,
        object_name_plural: def?.displayNamePlural ?? obj.collection,
        published_at: published,
        created_at: created,
        updated_at: updated,
        touched_at: touched,
      }
    }
  }
}

/**
 * [I] One item of a consume answer: the id and the identity (value, name or title) clients match
 * the items back by (docs/threatq-api.md, "Objects"), the type and status ids, and the row's times.
 * A bulk upsert answers what it wrote, not the Threat Library view of each object.
 */
export function presentConsumed(obj: TqObject): Json {
  const def = collectionDef(obj.collection)
  const out: Json = { id: obj.id, [def?.identity ?? 'value']: obj.identity }
  if (def?.typed === true) out.type_id = obj.typeId
  if (def?.statused === true) out.status_id = obj.statusId
  out.created_at = formatTq(obj.createdAt)
  out.updated_at = formatTq(obj.updatedAt)
  return out
}

export function presentType(
  store: Store,
  obj: Pick<TqObject, 'collection' | 'typeId'>,
): Json | null {
  const type = store.typeById(obj.collection, obj.typeId)
  if (type === undefined) return null
  return obj.collection === 'indicators'
    ? { id: type.id, name: type.name, class: type.class }
    : { id: type.id, name: type.name, user_editable: type.userEditable ? 'Y' : 'N' }
}

export function presentStatus(
  store: Store,
  obj: Pick<TqObject, 'collection' | 'statusId'>,
): Json | null {
  const status = store.statusById(obj.collection, obj.statusId)
  return status === undefined
    ? null
    : { id: status.id, name: status.name, description: status.description }
}

export function presentScore(obj: TqObject): Json {
  const at = formatTq(obj.createdAt)
  return {
    id: obj.id,
    indicator_id: obj.id,
    generated_score: obj.generatedScore.toFixed(1),
    manual_score: obj.manualScore === null ? null : obj.manualScore.toFixed(1),
    score_config_hash: 'threatq-sim',
    created_at: at,
    updated_at: formatTq(obj.updatedAt),
  }
}

function presentTlp(id: number | null): Json | null {
  const tlp = id === null ? undefined : tlpFromId(id)
  return tlp === undefined ? null : { id: tlp.id, name: tlp.name }
}

export function presentSourceLink(
  store: Store,
  obj: TqObject,
  link: SourceLink,
  sub: WithTree = new Map(),
): Json {
  const source = store.sourceById(link.sourceId)
  const name = singular(obj.collection)
  const tlpId = store.effectiveTlpId(link)
  const out: Json = {
    id: link.pivotId,
    source_id: link.sourceId,
    [`${name}_id`]: obj.id,
    name: source?.name ?? '',
    source_type: source?.sourceType ?? 'other',
    reference_id: source?.referenceId ?? null,
    creator_source_id: link.sourceId,
    tlp_id: tlpId,
    published_at: formatTqOrNull(link.publishedAt),
    created_at: formatTq(link.createdAt),
    updated_at: formatTq(link.createdAt),
    pivot: { id: link.pivotId, source_id: link.sourceId, [`${name}_id`]: obj.id },
  }
  if (obj.collection === 'indicators') {
    out.indicator_status_id = obj.statusId
    out.indicator_type_id = obj.typeId
  }
  if (sub.has('tlp')) out.tlp = presentTlp(tlpId)
  return out
}

export function presentAttribute(
  store: Store,
  obj: TqObject,
  a: AttributeValue,
  sub: WithTree = new Map(),
): Json {
  const name = store.attributeName(a.attributeId)
  const out: Json = {
    id: a.id,
    attribute_id: a.attributeId,
    [`${singular(obj.collection)}_id`]: obj.id,
    name,
    value: a.value,
    tlp_id: a.tlpId,
    created_at: formatTq(a.createdAt),
    updated_at: formatTq(a.updatedAt),
    touched_at: formatTq(a.updatedAt),
  }
  if (sub.has('attribute')) out.attribute = { id: a.attributeId, name }
  if (sub.has('sources')) {
    const source = a.sourceId === null ? undefined : store.sourceById(a.sourceId)
    out.sources =
      source === undefined ? [] : [{ id: source.id, name: source.name, tlp_id: a.tlpId }]
  }
  return out
}

export function presentComment(store: Store, c: CommentRec): Json {
  return {
    id: c.id,
    value: c.value,
    source_name: c.sourceId === null ? null : (store.sourceById(c.sourceId)?.name ?? null),
    created_at: formatTq(c.createdAt),
    updated_at: formatTq(c.updatedAt),
  }
}

export function presentPivot(pivot: Pivot): Json {
  return {
    id: pivot.id,
    [`${singular(pivot.aColl)}_id`]: pivot.aId,
    [`${singular(pivot.bColl)}${pivot.aColl === pivot.bColl ? '_related' : ''}_id`]: pivot.bId,
    created_at: formatTq(pivot.createdAt),
    updated_at: formatTq(pivot.createdAt),
  }
}

/**
 * [SIM] A related object embedded by `with=<collection>` in a Threat Library result whose
 * `fields` is an explicit list without `*` (the connector's light membership scan): its id,
 * identity, times and the link's pivot, not the whole object. Real servers' behaviour here is
 * unknown; what a scan needs to see a link appear, vanish or its far end change is this much.
 */
export function presentStub(obj: TqObject, pivot: Pivot): Json {
  return {
    id: obj.id,
    [collectionDef(obj.collection)?.identity ?? 'value']: obj.identity,
    created_at: formatTq(obj.createdAt),
    updated_at: formatTq(obj.updatedAt),
    pivot: presentPivot(pivot),
  }
}

/** [SIM] `{id, name}` of the type or status, as the light scan embeds them (see presentStub). */
export function presentVocabStub(
  store: Store,
  obj: Pick<TqObject, 'collection' | 'typeId' | 'statusId'>,
  kind: 'type' | 'status',
): Json | null {
  const rec =
    kind === 'type'
      ? store.typeById(obj.collection, obj.typeId)
      : store.statusById(obj.collection, obj.statusId)
  return rec === undefined ? null : { id: rec.id, name: rec.name }
}

/** An object with whatever `with` asks to embed. */
export function present(store: Store, obj: TqObject, withTree: WithTree): Json {
  const out = presentBase(store, obj)
  for (const [name, sub] of withTree) embed(store, obj, out, name, sub)
  return out
}

function embed(store: Store, obj: TqObject, out: Json, name: string, sub: WithTree): void {
  switch (name) {
    case 'type':
      if (collectionDef(obj.collection)?.typed === true) out.type = presentType(store, obj)
      return
    case 'status':
      if (collectionDef(obj.collection)?.statused === true) out.status = presentStatus(store, obj)
      return
    case 'score':
      if (obj.collection === 'indicators') out.score = presentScore(obj)
      return
    case 'attributes':
      out.attributes = (obj.attributes ?? []).map((a) => presentAttribute(store, obj, a, sub))
      return
    case 'sources':
      out.sources = (obj.sources ?? []).map((l) => presentSourceLink(store, obj, l, sub))
      return
    case 'tags':
      out.tags = (obj.tags ?? []).map((id) => ({ id, name: store.tagById(id)?.name ?? '' }))
      return
    case 'comments':
      out.comments = (obj.comments ?? []).map((c) => presentComment(store, c))
      return
    case 'tlp':
      out.tlp = presentTlp(store.objectTlpId(obj))
      return
    default:
      if (collectionDef(name) !== undefined) {
        out[name] = store.related(obj, name).map(({ object, pivot }) => ({
          ...present(store, object, sub),
          pivot: presentPivot(pivot),
        }))
      }
  }
}
