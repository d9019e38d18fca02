/**
 * The related objects a sync plan reaches from the collection's indicators, fetched from ThreatQ
 * once each, several at a time, level by level up to the relationship depth.
 */
import type { ThreatqClient } from '../../threatq/client.js'
import type { TqRef } from '../../threatq/model.js'
import { relatedRefs, toObject } from '../../threatq/records.js'
import { forEachConcurrent } from '../pool.js'
import type { RunSummary } from '../summary.js'
import { STIX_TYPE } from './convert.js'
import { objectKey } from './ledger.js'
import { RELATED, type RelatedEntry } from './sync-plan.js'

/** Related-object GETs in flight at once: enough to hide ThreatQ's latency, few enough to be polite. */
const RELATED_CONCURRENCY = 8

/**
 * Fetches the related objects not seen yet, several at a time, then what they relate to, until
 * `level` reaches the depth. Each object is fetched once, at the level it is first met.
 */
export async function fetchRelated(
  threatq: ThreatqClient,
  summary: RunSummary,
  related: Map<number, RelatedEntry>,
  refs: readonly TqRef[],
  level: number,
  depth: number,
): Promise<void> {
  const fresh = new Map<number, TqRef>()
  for (const ref of refs) {
    if (ref.collection === 'indicators') continue
    const key = objectKey(ref.collection, ref.id)
    if (!related.has(key) && !fresh.has(key)) fresh.set(key, ref)
  }
  const next: TqRef[] = []
  await forEachConcurrent([...fresh], RELATED_CONCURRENCY, async ([key, ref]) => {
    const record = await threatq.getObject(ref.collection, ref.id, level < depth ? RELATED : [])
    if (record === undefined) {
      summary.skipped.add('related object not found')
      return
    }
    const refsOf = relatedRefs(record)
    related.set(key, { object: toObject(ref.collection, record), refs: refsOf, level })
    summary.fetched.add(STIX_TYPE[ref.collection])
    if (level < depth) next.push(...refsOf)
  })
  if (next.length > 0) await fetchRelated(threatq, summary, related, next, level + 1, depth)
}
