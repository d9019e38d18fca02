/**
 * Events link to their indicators by id, as real clients do (docs/threatq-api.md, "Relationships":
 * relationship keys hold `{"id": …}` refs; `{value, type}` refs are attested only inside indicator
 * items). The ids come from the answer to the indicators' consume, matched back to what was sent.
 */
import type { EventItem, IndicatorItem } from './convert.js'

/** An indicator by its type and value, as the import keys them. */
export const indicatorKey = (type: string, value: string): string => `${type}\n${value}`

/** ThreatQ may normalise a value's case (a host name); a match ignores it. */
const folded = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number'
    ? String(value).trim().toLowerCase()
    : undefined

function answerItem(item: unknown): { id: number; value: string | undefined } | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const { id, value } = item as { id?: unknown; value?: unknown }
  return typeof id === 'number' && Number.isSafeInteger(id)
    ? { id, value: folded(value) }
    : undefined
}

/**
 * The ids ThreatQ gave the indicators sent, by `indicatorKey`. Answer item i is taken for item i
 * when the values agree (a bulk path answers in request order); otherwise a value answered by
 * exactly one item decides (the SDK matches consume answers back by value). An indicator
 * neither finds is left out: the caller reports it, it never links by value.
 */
export function indicatorIds(
  sent: readonly IndicatorItem[],
  answer: readonly unknown[],
): Map<string, number> {
  const items = answer.map(answerItem)
  const byValue = new Map<string, number | null>()
  for (const item of items) {
    if (item?.value === undefined) continue
    // Two answers with one value (e.g. the same text as two types) cannot say which is which.
    byValue.set(item.value, byValue.has(item.value) ? null : item.id)
  }
  const ids = new Map<string, number>()
  sent.forEach((indicator, i) => {
    const value = folded(indicator.value)
    const same = items[i]
    const id =
      same !== undefined && same.value === value
        ? same.id
        : value === undefined
          ? undefined
          : byValue.get(value)
    if (id !== undefined && id !== null)
      ids.set(indicatorKey(indicator.type.name, indicator.value), id)
  })
  return ids
}

/** An event item as JSON without its indicator refs, serialised ahead of its batch's turn. */
export function eventPart(event: EventItem): string {
  return JSON.stringify({ ...event, indicators: undefined })
}

/**
 * The events' consume body: each part closed with `indicators: [{id}…]`, the ids of `links[i]`
 * first (each once). `missing` hears of every ref without an id (once per indicator).
 */
export function linkedEventsJson(
  events: readonly EventItem[],
  parts: readonly string[],
  ids: ReadonlyMap<string, number>,
  missing: (ref: { value: string; type: string }) => void,
  links?: readonly (readonly number[])[],
): string {
  const reported = new Set<string>()
  const linked = events.map((event, i) => {
    const extra = links?.[i] ?? []
    const refs: number[] = [...extra]
    for (const ref of event.indicators) {
      const key = indicatorKey(ref.type, ref.value)
      const id = ids.get(key)
      if (id !== undefined) {
        if (!extra.includes(id)) refs.push(id)
      } else if (!reported.has(key)) {
        reported.add(key)
        missing(ref)
      }
    }
    const part = parts[i] ?? eventPart(event)
    return `${part.slice(0, -1)},"indicators":[${refs.map((id) => `{"id":${String(id)}}`).join(',')}]}`
  })
  return `[${linked.join(',')}]`
}
