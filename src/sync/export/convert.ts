/**
 * ThreatQ → STIX mapping (docs/mapping.md, "Export: ThreatQ → STIX → AED"): one ThreatQ object
 * becomes one SDO with a stable id; relations become relationships; TLP becomes markings; labels
 * come from attributes or the type's default labels.
 */
import * as build from '../../stix/builders.js'
import { stableId } from '../../stix/ids.js'
import { AED_ENFORCEABLE_TYPES, buildPattern } from '../../stix/patterns.js'
import { tlpMarking } from '../../stix/tlp.js'
import type { StixObject, StixVersion } from '../../stix/types.js'
import type { TqCollection, TqObject, TqRef } from '../../threatq/model.js'

export const STIX_TYPE: Record<TqCollection, string> = {
  indicators: 'indicator',
  adversaries: 'threat-actor',
  malware: 'malware',
  tool: 'tool',
  report: 'report',
  attack_pattern: 'attack-pattern',
}

/** Path of an object's page in the ThreatQ UI [I: docs/assumptions.md A-TQ-UI-LINKS]. */
export const UI_PATH: Record<TqCollection, string> = {
  indicators: 'indicators',
  adversaries: 'adversaries',
  malware: 'malware',
  tool: 'tool',
  report: 'report',
  attack_pattern: 'attack_pattern',
}

export type LabelledStixType = 'indicator' | 'threat-actor' | 'malware' | 'tool' | 'report'
export type DefaultLabels = Record<LabelledStixType, readonly string[]>

export interface ExportContext {
  version: StixVersion
  /**
   * The namespace stable ids derive in (ids.ts idNamespace): the ThreatQ host[:port], scoped to
   * the instance unless its ledger holds shared ids.
   */
  host: string
  /** ThreatQ base URL for links back to the UI. */
  baseUrl: string
  identityId: string
  defaultLabels: DefaultLabels
  exportAllTypes: boolean
  /**
   * The id generation of an object (the ledger's): a revoked id is never used again, so an object
   * exported after a revocation gets the next one. Absent: generation 0 for everything.
   */
  generation?: ((ref: TqRef) => number) | undefined
}

export type SkipReason = 'not enforceable by AED' | 'no STIX pattern' | 'invalid value'

export type Converted =
  | { ok: true; object: StixObject; markings: readonly StixObject[] }
  | { ok: false; reason: SkipReason; detail: string }

/** Generation 0 is the id every export had before revocation existed: ids stay stable. */
export function stixIdOf(ref: TqRef, host: string, generation = 0): string {
  return stableId(STIX_TYPE[ref.collection], {
    host,
    kind: ref.collection,
    id: generation === 0 ? ref.id : `${String(ref.id)}~g${String(generation)}`,
  })
}

const currentId = (ref: TqRef, ctx: ExportContext): string =>
  stixIdOf(ref, ctx.host, ctx.generation?.(ref) ?? 0)

/** The identity every exported object is created by: the ThreatQ instance. */
export function instanceIdentity(version: StixVersion, host: string): StixObject {
  const epoch = new Date(Date.UTC(2020, 0, 1))
  return build.identity(version, {
    id: stableId('identity', { host, kind: 'instance', id: 0 }),
    created: epoch,
    modified: epoch,
    name: `ThreatQ (${host})`,
    identityClass: 'organization',
  })
}

const LABEL_ATTRIBUTES = new Set(['label', 'labels', 'stix label'])

/** Labels from `Label`/`Labels`/`STIX Label` attributes (any case, comma-split), else the defaults. */
export function labelsFor(object: TqObject, defaults: readonly string[]): readonly string[] {
  if (object.attributes.length === 0) return defaults
  const fromAttributes = object.attributes
    .filter((a) => LABEL_ATTRIBUTES.has(a.name.trim().toLowerCase()))
    .flatMap((a) => a.value.split(','))
    .map((l) => l.trim())
    .filter((l) => l !== '')
  return fromAttributes.length > 0 ? fromAttributes : defaults
}

/**
 * Adds what every exported SDO carries to a builder's own `fields`, and returns the TLP marking
 * objects its refs point at. It adds to `fields` instead of spreading both into a new object:
 * Node 20's V8 takes a slow path for `{ ...a, b }`, microseconds per object (docs/performance.md).
 */
function withCommon<T extends object>(
  object: TqObject,
  ctx: ExportContext,
  fields: T,
): { input: T & build.CommonInput; markings: readonly StixObject[] } {
  const marking = object.tlp === undefined ? undefined : tlpMarking(ctx.version, object.tlp)
  const id = String(object.id)
  const input = fields as T & build.CommonInput
  input.id = currentId(object, ctx)
  input.created = object.createdAt
  // ThreatQ can report updated_at before created_at after imports; STIX forbids it.
  input.modified = object.updatedAt < object.createdAt ? object.createdAt : object.updatedAt
  input.createdByRef = ctx.identityId
  input.markingRefs = marking?.refs
  input.externalReferences = [
    {
      source_name: 'ThreatQ',
      external_id: id,
      url: `${ctx.baseUrl}/${UI_PATH[object.collection]}/${id}/details`,
    },
  ]
  return { input, markings: marking?.objects ?? [] }
}

export function convertIndicator(object: TqObject, ctx: ExportContext): Converted {
  const type = object.type ?? ''
  if (!ctx.exportAllTypes && !AED_ENFORCEABLE_TYPES.has(type))
    return { ok: false, reason: 'not enforceable by AED', detail: `type ${type}` }
  const pattern = buildPattern(type, object.name)
  if (!pattern.ok)
    return {
      ok: false,
      reason: pattern.code === 'unsupported-type' ? 'no STIX pattern' : 'invalid value',
      detail: pattern.reason,
    }
  const validFrom = object.publishedAt ?? object.createdAt
  const { input, markings } = withCommon(object, ctx, {
    name: pattern.value,
    description: object.description,
    pattern: pattern.pattern,
    validFrom,
    // STIX wants valid_until after valid_from; the sync never exports an expired indicator.
    validUntil:
      object.expiresAt !== undefined && object.expiresAt > validFrom ? object.expiresAt : undefined,
    labels: labelsFor(object, ctx.defaultLabels.indicator),
  })
  return { ok: true, object: build.indicator(ctx.version, input), markings }
}

/** The related objects that are a name, a description and labels: their STIX type and builder. */
const NAMED = {
  adversaries: ['threat-actor', build.threatActor],
  malware: ['malware', build.malware],
  tool: ['tool', build.tool],
} as const satisfies Record<string, readonly [LabelledStixType, unknown]>

/**
 * A related (non-indicator) object. Reports need their object refs: the related objects that are
 * in this export.
 */
export function convertRelated(
  object: TqObject,
  ctx: ExportContext,
  reportRefs: readonly string[] = [],
): { object: StixObject; markings: readonly StixObject[] } {
  const { name, description } = object
  const labels = (t: LabelledStixType): readonly string[] => labelsFor(object, ctx.defaultLabels[t])
  switch (object.collection) {
    case 'adversaries':
    case 'malware':
    case 'tool': {
      const [type, make] = NAMED[object.collection]
      const { input, markings } = withCommon(object, ctx, {
        name,
        description,
        labels: labels(type),
      })
      return { object: make(ctx.version, input), markings }
    }
    case 'report': {
      const { input, markings } = withCommon(object, ctx, {
        name,
        description,
        labels: labels('report'),
        published: object.publishedAt ?? object.createdAt,
        objectRefs: reportRefs,
      })
      return { object: build.report(ctx.version, input), markings }
    }
    case 'attack_pattern': {
      const { input, markings } = withCommon(object, ctx, { name, description })
      return { object: build.attackPattern(ctx.version, input), markings }
    }
    case 'indicators':
      throw new Error(`convertRelated called with an indicator (${STIX_TYPE[object.collection]})`)
  }
}

/**
 * docs/mapping.md, "Relationships": indicator `indicates` malware/threat-actor/tool/attack-pattern;
 * threat-actor `uses` malware/tool/attack-pattern; otherwise `related-to`.
 */
export function relationshipType(source: TqCollection, target: TqCollection): string {
  const s = STIX_TYPE[source]
  const t = STIX_TYPE[target]
  if (s === 'indicator' && ['malware', 'threat-actor', 'tool', 'attack-pattern'].includes(t))
    return 'indicates'
  if (s === 'threat-actor' && ['malware', 'tool', 'attack-pattern'].includes(t)) return 'uses'
  return 'related-to'
}

/**
 * The ends of a relationship, oriented so the typed verbs read correctly (indicator → malware,
 * never malware → indicator). A symmetric `related-to` link is ordered by the ends' stable ids,
 * so the same ThreatQ link gives one relationship whichever side it was found from.
 */
export function relationshipEnds<T extends TqRef>(a: T, b: T, host: string): [T, T] {
  const forward = relationshipType(a.collection, b.collection)
  const backward = relationshipType(b.collection, a.collection)
  if (forward !== 'related-to') return [a, b]
  if (backward !== 'related-to') return [b, a]
  return stixIdOf(a, host) <= stixIdOf(b, host) ? [a, b] : [b, a]
}

/** A relationship's id: from its ends' generation-0 ids, so it survives their re-exports. */
export function relationshipId(source: TqRef, target: TqRef, host: string, generation = 0): string {
  const ends = `${stixIdOf(source, host)}>${stixIdOf(target, host)}`
  return stableId('relationship', {
    host,
    kind: 'relationship',
    id: generation === 0 ? ends : `${ends}~g${String(generation)}`,
  })
}

/**
 * A relationship between two exported objects (see relationshipEnds). It has one version, made
 * when the later of its ends was: what it says (source, type, target) never changes, so a
 * re-export of an end does not re-send it.
 */
export function convertRelationship(
  a: Pick<TqObject, 'collection' | 'id' | 'createdAt'>,
  b: Pick<TqObject, 'collection' | 'id' | 'createdAt'>,
  ctx: ExportContext,
  generation = 0,
): StixObject {
  const [source, target] = relationshipEnds(a, b, ctx.host)
  const created = source.createdAt > target.createdAt ? source.createdAt : target.createdAt
  return build.relationship(ctx.version, {
    id: relationshipId(source, target, ctx.host, generation),
    created,
    modified: created,
    createdByRef: ctx.identityId,
    relationshipType: relationshipType(source.collection, target.collection),
    sourceRef: currentId(source, ctx),
    targetRef: currentId(target, ctx),
  })
}
