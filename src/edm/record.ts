/**
 * One record of EDM's `GET /api/v1/alerts/threats` (docs/aed-api.md, "EDM alerts API", from
 * NETSCOUT's edm-api-docs): the shape the client checks before it maps a record. Unknown fields are
 * ignored; a field of the wrong type makes the record invalid (counted by the client, never fatal).
 */
import { z } from 'zod'

const text = z.string().nullish()
const port = z.number().int().min(0).max(65535).nullish()

/** ISO-8601 with a zone (the documented `2018-07-31T20:00:30Z`): the checkpoint orders by it. */
const ISO_WITH_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i

const edmTime = z
  .string()
  .regex(ISO_WITH_ZONE, 'not an ISO-8601 time with a zone')
  .refine((s) => Number.isFinite(Date.parse(s)), 'not a valid time')

const threatIntelSchema = z.looseObject({
  indicatorUid: z.number().int().nullish(),
  threatTypes: z.array(z.string()).nullish(),
  threatCategories: z.array(z.string()).nullish(),
  threatClassifications: z.array(z.string()).nullish(),
  threatDstPorts: z.array(z.number().int()).nullish(),
  confidence: z.number().int().nullish(),
  severity: z.number().int().nullish(),
  direction: text,
  indicator: text,
  indicatorType: text,
})

export const edmRecordSchema = z.looseObject({
  _id: z.string().min(1).max(512),
  time: edmTime,
  hostname: text,
  hostIp: text,
  pgid: z.number().int().nullish(),
  pgName: text,
  pgServerName: text,
  reason: text,
  pkt: z
    .looseObject({
      src: text,
      dst: text,
      srcPort: port,
      dstPort: port,
      proto: text,
      appStr: text,
      direction: text,
    })
    .nullish(),
  threatIntel: threatIntelSchema.nullish(),
})

export type EdmRecord = z.output<typeof edmRecordSchema>

/** The threats answer; `hits` are checked one by one so one bad record does not sink the page. */
export const threatsAnswerSchema = z.looseObject({
  data: z.looseObject({
    hits: z.array(z.unknown()),
    totalSize: z.number().int().min(0).nullish(),
    currSize: z.number().int().min(0).nullish(),
  }),
})

export interface InvalidRecord {
  id: unknown
  reason: string
}

/** Splits raw hits into valid records and invalid ones with the first reasons. */
export function checkRecords(items: readonly unknown[]): {
  records: EdmRecord[]
  invalid: InvalidRecord[]
} {
  const records: EdmRecord[] = []
  const invalid: InvalidRecord[] = []
  for (const item of items) {
    const parsed = edmRecordSchema.safeParse(item)
    if (parsed.success) records.push(parsed.data)
    else
      invalid.push({
        id: (item as { _id?: unknown } | null)?._id,
        reason: parsed.error.issues
          .slice(0, 2)
          .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
          .join('; '),
      })
  }
  return { records, invalid }
}
