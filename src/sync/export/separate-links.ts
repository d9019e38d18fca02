/**
 * Links of indicators to the related collections ThreatQ cannot embed in a query: a `with=` naming
 * a collection with `_` (`attack_pattern`) fails on real servers (docs/threatq-api.md, "The `with`
 * pitfall"). They are read from the related side instead, once a run: the collection's objects
 * (`GET /api/attack_pattern`), then each one's indicators (`GET /api/attack_pattern/{id}/indicators`),
 * both paged. The cost is the related collection's size and links, not the data collection's
 * (docs/performance.md, "Issue 19: attack patterns without `with=attack_pattern`"): a few requests
 * where one per member would be a thousand per thousand indicators.
 */
import { embeddable, type ThreatqClient } from '../../threatq/client.js'
import type { TqCollection, TqRef } from '../../threatq/model.js'
import type { TqRecord } from '../../threatq/records.js'
import { relatedRefs } from '../../threatq/records.js'
import { forEachConcurrent } from '../pool.js'

/** Related objects whose indicators are read at once (as for related-object GETs). */
const CONCURRENCY = 8

/** Indicator id → the objects of the separate collections it is linked to. */
export type SeparateLinks = Map<number, TqRef[]>

/** The relations of `relations` that a query may embed (`with=`). */
export const embeddedOf = (relations: readonly TqCollection[]): TqCollection[] =>
  relations.filter(embeddable)

/** Reads every indicator link of the relations that cannot be embedded. */
export async function separateLinks(
  threatq: ThreatqClient,
  relations: readonly TqCollection[],
  pageSize: number,
): Promise<SeparateLinks> {
  const links: SeparateLinks = new Map()
  for (const collection of relations) {
    if (embeddable(collection)) continue
    const ids = await threatq.listIds(collection, pageSize)
    await forEachConcurrent(ids, CONCURRENCY, async (id) => {
      for (const indicator of await threatq.relatedIds(collection, id, 'indicators', pageSize)) {
        let refs = links.get(indicator)
        if (refs === undefined) links.set(indicator, (refs = []))
        refs.push({ collection, id })
      }
    })
  }
  // The pool finishes in any order; refs in id order keep a run's output the same every time.
  for (const refs of links.values())
    refs.sort((a, b) => a.collection.localeCompare(b.collection) || a.id - b.id)
  return links
}

/** A member's related objects: those the scan embedded and those read separately. */
export function memberRefs(record: TqRecord, links: SeparateLinks | undefined): TqRef[] {
  const embedded = relatedRefs(record)
  const separate = links?.get(record.id)
  return separate === undefined ? embedded : [...embedded, ...separate]
}
