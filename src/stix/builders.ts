/**
 * STIX 2.0 / 2.1 object builders. Each returns a plain object with the version's required
 * properties: `spec_version` on every object in 2.1 and only on the bundle in 2.0, millisecond
 * timestamps, `labels` (2.0, required on most SDOs) vs `<type>_types` (2.1, optional), and
 * `is_family` on 2.1 malware. Facts: docs/stix.md, "Objects per version".
 */
import { StixError } from './errors.js'
import { bundleId } from './ids.js'
import { stixTimestamp } from './timestamps.js'
import type { Bundle20, Bundle21, StixObject, StixVersion } from './types.js'

export interface ExternalReference {
  source_name: string
  url?: string
  external_id?: string
  description?: string
}

export interface CommonInput {
  id: string
  created: Date
  modified: Date
  createdByRef?: string | undefined
  markingRefs?: readonly string[] | undefined
  externalReferences?: readonly ExternalReference[] | undefined
  revoked?: boolean | undefined
}

/** SDOs whose 2.0 form requires `labels` and whose 2.1 form has `<type>_types`. */
type LabelledType = 'indicator' | 'threat-actor' | 'malware' | 'tool' | 'report'

const TYPES_PROPERTY: Record<LabelledType, string> = {
  indicator: 'indicator_types',
  'threat-actor': 'threat_actor_types',
  malware: 'malware_types',
  tool: 'tool_types',
  report: 'report_types',
}

/** A copy without repeats; most lists here have one entry. */
function unique(list: readonly string[]): string[] {
  return list.length < 2 ? [...list] : [...new Set(list)]
}

function checkId(type: string, id: string): void {
  if (!id.startsWith(`${type}--`)) throw new StixError(`id ${id} is not a ${type} id`)
}

function common(version: StixVersion, type: string, input: CommonInput): StixObject {
  checkId(type, input.id)
  if (input.modified.getTime() < input.created.getTime())
    throw new StixError(`${input.id}: modified is earlier than created`)
  const id = input.id
  const created = stixTimestamp(input.created)
  const modified =
    input.modified.getTime() === input.created.getTime() ? created : stixTimestamp(input.modified)
  // Literals, not a spread of spec_version: this runs for every exported object.
  const object: StixObject =
    version === '2.1'
      ? { type, spec_version: '2.1', id, created, modified }
      : { type, id, created, modified }
  if (input.createdByRef !== undefined) object.created_by_ref = input.createdByRef
  if (input.revoked === true) object.revoked = true
  if (input.externalReferences !== undefined && input.externalReferences.length > 0)
    object.external_references = input.externalReferences.map((r) => ({ ...r }))
  if (input.markingRefs !== undefined && input.markingRefs.length > 0)
    object.object_marking_refs = unique(input.markingRefs)
  return object
}

function labelled(
  version: StixVersion,
  type: LabelledType,
  input: CommonInput & { labels: readonly string[] },
): StixObject {
  const object = common(version, type, input)
  const labels = unique(input.labels.map((l) => l.trim()).filter((l) => l.length > 0))
  if (version === '2.0') {
    if (labels.length === 0)
      throw new StixError(
        `STIX 2.0 requires labels on a ${type}: set a Label attribute in ThreatQ or the default ${type} labels option`,
      )
    object.labels = labels
  } else if (labels.length > 0) {
    object[TYPES_PROPERTY[type]] = labels
  }
  return object
}

export interface IndicatorInput extends CommonInput {
  pattern: string
  validFrom: Date
  /** ThreatQ's expiration time: AED stops enforcing past it. */
  validUntil?: Date | undefined
  labels: readonly string[]
  name?: string | undefined
  description?: string | undefined
}

export function indicator(version: StixVersion, input: IndicatorInput): StixObject {
  const object = labelled(version, 'indicator', input)
  if (input.name !== undefined) object.name = input.name
  if (input.description !== undefined) object.description = input.description
  object.pattern = input.pattern
  if (version === '2.1') {
    object.pattern_type = 'stix'
    object.pattern_version = '2.1'
  }
  object.valid_from = stixTimestamp(input.validFrom)
  if (input.validUntil !== undefined) object.valid_until = stixTimestamp(input.validUntil)
  return object
}

export interface NamedInput extends CommonInput {
  name: string
  labels: readonly string[]
  description?: string | undefined
  aliases?: readonly string[] | undefined
}

function named(version: StixVersion, type: LabelledType, input: NamedInput): StixObject {
  if (input.name.trim().length === 0) throw new StixError(`${input.id}: a ${type} needs a name`)
  const object = labelled(version, type, input)
  object.name = input.name
  if (input.description !== undefined) object.description = input.description
  return object
}

export function threatActor(version: StixVersion, input: NamedInput): StixObject {
  const object = named(version, 'threat-actor', input)
  if (input.aliases !== undefined && input.aliases.length > 0) object.aliases = [...input.aliases]
  return object
}

export interface MalwareInput extends NamedInput {
  /** 2.1 only; a ThreatQ malware object names a family, so the default is true. */
  isFamily?: boolean | undefined
}

export function malware(version: StixVersion, input: MalwareInput): StixObject {
  const object = named(version, 'malware', input)
  if (version === '2.1') {
    object.is_family = input.isFamily ?? true
    if (input.aliases !== undefined && input.aliases.length > 0) object.aliases = [...input.aliases]
  }
  return object
}

export function tool(version: StixVersion, input: NamedInput): StixObject {
  const object = named(version, 'tool', input)
  if (version === '2.1' && input.aliases !== undefined && input.aliases.length > 0)
    object.aliases = [...input.aliases]
  return object
}

export interface ReportInput extends NamedInput {
  published: Date
  objectRefs: readonly string[]
}

export function report(version: StixVersion, input: ReportInput): StixObject {
  if (input.objectRefs.length === 0)
    throw new StixError(`${input.id}: a report must refer to at least one object`)
  const object = named(version, 'report', input)
  object.published = stixTimestamp(input.published)
  object.object_refs = unique(input.objectRefs)
  return object
}

export interface AttackPatternInput extends CommonInput {
  name: string
  description?: string | undefined
}

export function attackPattern(version: StixVersion, input: AttackPatternInput): StixObject {
  if (input.name.trim().length === 0)
    throw new StixError(`${input.id}: an attack-pattern needs a name`)
  const object = common(version, 'attack-pattern', input)
  object.name = input.name
  if (input.description !== undefined) object.description = input.description
  return object
}

export interface RelationshipInput extends CommonInput {
  relationshipType: string
  sourceRef: string
  targetRef: string
}

const NOT_RELATABLE = /^(relationship|sighting|bundle|marking-definition|language-content)--/

export function relationship(version: StixVersion, input: RelationshipInput): StixObject {
  if (!/^[a-z0-9-]+$/.test(input.relationshipType))
    throw new StixError(`relationship type "${input.relationshipType}" is not [a-z0-9-]+`)
  for (const ref of [input.sourceRef, input.targetRef])
    if (NOT_RELATABLE.test(ref)) throw new StixError(`a relationship cannot point at ${ref}`)
  const object = common(version, 'relationship', input)
  object.relationship_type = input.relationshipType
  object.source_ref = input.sourceRef
  object.target_ref = input.targetRef
  return object
}

export type IdentityClass = 'individual' | 'group' | 'organization' | 'class' | 'unknown'

export interface IdentityInput extends CommonInput {
  name: string
  identityClass: IdentityClass
  description?: string | undefined
}

export function identity(version: StixVersion, input: IdentityInput): StixObject {
  const object = common(version, 'identity', input)
  object.name = input.name
  if (input.description !== undefined) object.description = input.description
  // Required in 2.0, optional in 2.1: always sent.
  object.identity_class = input.identityClass
  return object
}

export interface StatementMarkingInput {
  id: string
  created: Date
  statement: string
  createdByRef?: string | undefined
}

export function statementMarking(version: StixVersion, input: StatementMarkingInput): StixObject {
  checkId('marking-definition', input.id)
  return {
    type: 'marking-definition',
    ...(version === '2.1' ? { spec_version: '2.1' } : {}),
    id: input.id,
    created: stixTimestamp(input.created),
    ...(input.createdByRef !== undefined ? { created_by_ref: input.createdByRef } : {}),
    definition_type: 'statement',
    definition: { statement: input.statement },
  }
}

export function bundle(version: '2.0', objects: StixObject[]): Bundle20
export function bundle(version: '2.1', objects: StixObject[]): Bundle21
export function bundle(version: StixVersion, objects: StixObject[]): Bundle20 | Bundle21
export function bundle(version: StixVersion, objects: StixObject[]): Bundle20 | Bundle21 {
  const id = bundleId()
  const base =
    version === '2.0'
      ? { type: 'bundle' as const, id, spec_version: '2.0' as const }
      : { type: 'bundle' as const, id }
  // `objects` must have at least one entry when present.
  return objects.length > 0 ? { ...base, objects } : base
}
