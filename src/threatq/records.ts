/**
 * Parses ThreatQ object records (docs/threatq-api.md, "Objects") into the connector's model.
 * Records are validated field by field; one that cannot be used is reported, never half-read.
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

/**
 * A source's `tlp_id` (docs/threatq-api.md, "TLP and sources": TLP 1.0-era ids; what real servers
 * put on every source, asked with `with=sources`). [I: A-TQ-TLP-IDS] CLEAR reuses WHITE's 4 and
 * AMBER+STRICT got the next id, 5 (the likeliest guess; the real ids are unknown).
 */
const TLP_BY_ID: Record<number, TlpLevel> = {
  1: 'RED',
  2: 'AMBER',
  3: 'GREEN',
  4: 'CLEAR',
  5: 'AMBER+STRICT',
}

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
  expires_at: time.nullish(),
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

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v)
/** Marks a value the fast reader leaves to recordSchema. */
const UNSURE = Symbol('unsure')
type Read<T> = T | typeof UNSURE

function readNamed(v: unknown): Read<{ name: string } | string> {
  if (typeof v === 'string') return v
  return isObject(v) && typeof v.name === 'string' ? { name: v.name } : UNSURE
}

/** A value ThreatQ may send as a string or a number, read as text (as recordSchema does). */
const readText = (v: unknown): Read<string> =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : UNSURE

function readTime(v: unknown): Read<Date> {
  return (typeof v === 'string' ? parseThreatqTime(v) : undefined) ?? UNSURE
}

function readList<T>(v: unknown, item: (x: unknown) => Read<T>): Read<T[]> {
  if (!Array.isArray(v)) return UNSURE
  const list: T[] = []
  for (const x of v) {
    const read = item(x)
    if (read === UNSURE) return UNSURE
    list.push(read)
  }
  return list
}

type Attribute = NonNullable<TqRecord['attributes']>[number]
type Source = NonNullable<TqRecord['sources']>[number]

function readAttribute(v: unknown): Read<Attribute> {
  if (!isObject(v)) return UNSURE
  const { name, attribute } = v
  const value = readText(v.value)
  if (value === UNSURE) return UNSURE
  const out: Attribute = { value }
  if (name !== undefined) {
    if (typeof name !== 'string') return UNSURE
    out.name = name
  }
  if (attribute !== undefined) {
    if (!isObject(attribute) || typeof attribute.name !== 'string') return UNSURE
    out.attribute = { name: attribute.name }
  }
  return out
}

function readSource(v: unknown): Read<Source> {
  if (!isObject(v)) return UNSURE
  const { name, tlp_id, tlp } = v
  const out: Source = {}
  if (name !== undefined) {
    if (typeof name !== 'string') return UNSURE
    out.name = name
  }
  if (tlp_id !== undefined) {
    if (tlp_id !== null && !isInt(tlp_id)) return UNSURE
    out.tlp_id = tlp_id
  }
  if (tlp !== undefined) {
    const read = tlp === null ? null : readNamed(tlp)
    if (read === UNSURE) return UNSURE
    out.tlp = read
  }
  return out
}

const readRelated = (v: unknown): Read<{ id: number }> =>
  isObject(v) && isInt(v.id) ? { id: v.id } : UNSURE

/**
 * recordSchema's answer for the records ThreatQ normally sends, several times faster (the export
 * reads a million of them): the record, or undefined when it is not plainly valid and
 * recordSchema itself must decide (and say what is wrong). A property test
 * (records.test.ts) holds the two to the same results.
 */
export function readRecord(v: unknown): TqRecord | undefined {
  if (!isObject(v) || !isInt(v.id) || v.id <= 0) return undefined
  const created = readTime(v.created_at)
  const updated = readTime(v.updated_at)
  if (created === UNSURE || updated === UNSURE) return undefined
  const out: TqRecord = { id: v.id, created_at: created, updated_at: updated }
  const { value, description, published_at, expires_at, attributes, sources } = v
  if (value !== undefined) {
    const read = readText(value)
    if (read === UNSURE) return undefined
    out.value = read
  }
  for (const key of ['name', 'title'] as const) {
    const text = v[key]
    if (text === undefined) continue
    if (typeof text !== 'string') return undefined
    out[key] = text
  }
  if (description !== undefined) {
    if (description !== null && typeof description !== 'string') return undefined
    out.description = description
  }
  for (const key of ['type', 'status'] as const) {
    const named = v[key]
    if (named === undefined) continue
    const read = named === null ? null : readNamed(named)
    if (read === UNSURE) return undefined
    out[key] = read
  }
  if (published_at !== undefined) {
    const read = published_at === null ? null : readTime(published_at)
    if (read === UNSURE) return undefined
    out.published_at = read
  }
  if (expires_at !== undefined) {
    const read = expires_at === null ? null : readTime(expires_at)
    if (read === UNSURE) return undefined
    out.expires_at = read
  }
  if (attributes !== undefined) {
    const read = attributes === null ? null : readList(attributes, readAttribute)
    if (read === UNSURE) return undefined
    out.attributes = read
  }
  if (sources !== undefined) {
    const read = sources === null ? null : readList(sources, readSource)
    if (read === UNSURE) return undefined
    out.sources = read
  }
  for (const key of EXPORT_COLLECTIONS) {
    const list = v[key]
    if (list === undefined) continue
    const read = readList(list, readRelated)
    if (read === UNSURE) return undefined
    out[key] = read
  }
  return out
}

export const nameOf = (v: { name: string } | string | null | undefined): string | undefined =>
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
    expiresAt: record.expires_at ?? undefined,
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
