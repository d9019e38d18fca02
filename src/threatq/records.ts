/**
 * Parses ThreatQ object records (threatq-api.md §2.4) into the connector's model. Records are
 * validated field by field; one that cannot be used is reported, never half-read.
 */
import { z } from 'zod'
import { parseTlp, mostRestrictive, type TlpLevel } from '../stix/tlp.js'
import {
  EXPORT_COLLECTIONS,
  parseThreatqTime,
  type TqCollection,
  type TqObject,
  type TqRef,
} from './model.js'

/** TLP 1.0-era numeric ids (threatq-api.md §5); CLEAR reuses WHITE's 4 [I: A-TQ-TLP-IDS]. */
const TLP_BY_ID: Record<number, TlpLevel> = { 1: 'RED', 2: 'AMBER', 3: 'GREEN', 4: 'CLEAR' }

// Plain (stripping) objects: unknown keys are dropped without being copied, which matters at a
// million records; nothing downstream reads them.
const named = z.object({ name: z.string() })

const source = z.object({
  name: z.string().optional(),
  tlp_id: z.number().int().nullish(),
  tlp: z.union([named, z.string(), z.null()]).optional(),
})

const attribute = z.object({
  name: z.string().optional(),
  attribute: named.optional(),
  value: z.union([z.string(), z.number()]).transform(String),
})

const time = z.string().transform((text, ctx) => {
  const date = parseThreatqTime(text)
  if (date === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a ThreatQ time: ${JSON.stringify(text)}` })
    return z.NEVER
  }
  return date
})

const related = z.array(z.object({ id: z.number().int() }))

export const recordSchema = z.object({
  id: z.number().int().positive(),
  value: z.union([z.string(), z.number()]).transform(String).optional(),
  name: z.string().optional(),
  title: z.string().optional(),
  description: z.string().nullish(),
  type: z.union([named, z.string()]).nullish(),
  status: z.union([named, z.string()]).nullish(),
  created_at: time,
  updated_at: time,
  published_at: time.nullish(),
  attributes: z.array(attribute).nullish(),
  sources: z.array(source).nullish(),
  adversaries: related.optional(),
  malware: related.optional(),
  tool: related.optional(),
  report: related.optional(),
  attack_pattern: related.optional(),
  indicators: related.optional(),
})

export type TqRecord = z.output<typeof recordSchema>

const nameOf = (v: { name: string } | string | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? v : v.name

function tlpOf(sources: TqRecord['sources']): TlpLevel | undefined {
  const levels: TlpLevel[] = []
  for (const s of sources ?? []) {
    const byName =
      typeof s.tlp === 'string' ? parseTlp(s.tlp) : s.tlp ? parseTlp(s.tlp.name) : undefined
    const level =
      byName ?? (s.tlp_id === null || s.tlp_id === undefined ? undefined : TLP_BY_ID[s.tlp_id])
    if (level !== undefined) levels.push(level)
  }
  return mostRestrictive(levels)
}

export function toObject(collection: TqCollection, record: TqRecord): TqObject {
  const name =
    (collection === 'adversaries' ? record.name : record.value) ??
    record.name ??
    record.value ??
    record.title ??
    ''
  return {
    collection,
    id: record.id,
    name,
    type: nameOf(record.type),
    status: nameOf(record.status),
    description: record.description ?? undefined,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    publishedAt: record.published_at ?? undefined,
    attributes: (record.attributes ?? []).map((a) => ({
      name: a.name ?? a.attribute?.name ?? '',
      value: a.value,
    })),
    tlp: tlpOf(record.sources),
  }
}

/** The related objects a record embeds (`with=adversaries,malware,…`). */
export function relatedRefs(record: TqRecord): TqRef[] {
  const refs: TqRef[] = []
  for (const collection of EXPORT_COLLECTIONS) {
    const list = record[collection]
    if (list !== undefined) for (const item of list) refs.push({ collection, id: item.id })
  }
  return refs
}
