/** zod schemas of the TAXII resources the client reads; every server answer is parsed with one. */
import { z } from 'zod'

export const discoverySchema = z.object({
  title: z.string(),
  description: z.string().optional(),
  contact: z.string().optional(),
  default: z.string().optional(),
  api_roots: z.array(z.string()).optional(),
})

export const apiRootSchema = z.object({
  title: z.string(),
  description: z.string().optional(),
  versions: z.array(z.string()),
  max_content_length: z.number().int().positive(),
})

const collectionSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  alias: z.string().optional(),
  can_read: z.boolean(),
  can_write: z.boolean(),
  media_types: z.array(z.string()).optional(),
})

/** An API root without collections may answer `{}`. */
export const collectionsSchema = z.object({ collections: z.array(collectionSchema).optional() })

const stixObjectSchema = z.looseObject({ type: z.string(), id: z.string() })

/** TAXII 2.0 objects travel in a STIX bundle. */
export const bundleSchema = z.looseObject({
  type: z.literal('bundle'),
  id: z.string(),
  objects: z.array(stixObjectSchema).optional(),
})

/** TAXII 2.1 envelope; medallion answers `{}` when there is nothing. */
export const envelopeSchema = z.object({
  more: z.boolean().optional(),
  next: z.string().optional(),
  objects: z.array(stixObjectSchema).optional(),
})

const manifestEntrySchema = z.looseObject({
  id: z.string(),
  date_added: z.string(),
  versions: z.array(z.string()).optional(),
  version: z.string().optional(),
  media_types: z.array(z.string()).optional(),
  media_type: z.string().optional(),
})

export const manifestSchema = z.object({
  more: z.boolean().optional(),
  next: z.string().optional(),
  objects: z.array(manifestEntrySchema).optional(),
})

const statusDetailSchema = z.object({
  id: z.string(),
  version: z.string().optional(),
  message: z.string().optional(),
})

/** 2.0 lists successes and pendings as plain ids; 2.1 as details. */
const statusListSchema = z.array(z.union([z.string(), statusDetailSchema]))

const count = z.number().int().nonnegative()

/** The status resource, checked as taxii2-client does: the counts add up and match the lists. */
export const statusSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'complete']),
    request_timestamp: z.string().optional(),
    total_count: count,
    success_count: count,
    failure_count: count,
    pending_count: count,
    successes: statusListSchema.optional(),
    failures: z.array(statusDetailSchema).optional(),
    pendings: statusListSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.success_count + s.failure_count + s.pending_count !== s.total_count) {
      ctx.addIssue({
        code: 'custom',
        path: ['total_count'],
        message: `success_count + failure_count + pending_count (${String(s.success_count)} + ${String(s.failure_count)} + ${String(s.pending_count)}) is not total_count (${String(s.total_count)})`,
      })
    }
    for (const [list, counted] of [
      ['successes', s.success_count],
      ['failures', s.failure_count],
      ['pendings', s.pending_count],
    ] as const) {
      const items = s[list]
      if (items !== undefined && items.length !== counted) {
        ctx.addIssue({
          code: 'custom',
          path: [list],
          message: `lists ${String(items.length)} entries but its count is ${String(counted)}`,
        })
      }
    }
  })

export type Status = z.output<typeof statusSchema>
