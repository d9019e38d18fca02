/**
 * Which of some values a list holds, without trusting AED's value filter. No
 * recorded answer shows how a real AED matches `?hostAddress=v1,…,vN` (exactly, by substring, by
 * CIDR containment, in which IPv6 form), so every record is compared with the values here, in
 * the form AED stores them, and a record that is none of them is not ours to compare. A value the
 * answer did not show is absent only once that is confirmed: the answer came back shorter than
 * the page asked for (nothing was cut off), or the value, asked alone, is not in a short answer.
 */
import type { AedList, ListCalls, ListEntry, ListKind } from '../../aed/lists.js'
import { hasUnsafeCharacters } from '../../log/one-line.js'
import { hostValue, urlValue } from './targets.js'

/**
 * The page a value-filter answer is read with: room for a loose filter's other matches (the
 * whole-list read pages by 1,000 too, so AED is already assumed to honour it: A-AED-LIST-LOOKUP).
 */
export const LOOKUP_PER_PAGE = 1000
/** Pages of one answer read at most before the values it has not shown are asked in halves. */
export const MAX_LOOKUP_PAGES = 3
/**
 * A stored value in the form the connector keeps it (targets.ts), or undefined if not one. A
 * domain or URL holding a comma, white space, a control or a bidirectional character is none the
 * connector writes (list calls split values on commas: removing it would remove two values).
 */
export function canonicalValue(kind: ListKind, stored: string): string | undefined {
  const value = stored.trim()
  try {
    if (kind === 'host') return hostValue(value)
  } catch {
    return undefined
  }
  if (/[\s,]/u.test(value) || hasUnsafeCharacters(value)) return undefined
  if (kind === 'domain') return value.toLowerCase().replace(/\.$/, '')
  return lowerCaseHost(urlValue(value))
}

/** `user@Host:8080/Path` → `user@host:8080/Path`: the host is sent lower-cased, the rest as written. */
function lowerCaseHost(url: string): string {
  const end = url.search(/[/?#]/)
  const authority = end < 0 ? url : url.slice(0, end)
  const at = authority.lastIndexOf('@') + 1
  return `${authority.slice(0, at)}${authority.slice(at).toLowerCase()}${end < 0 ? '' : url.slice(end)}`
}

export interface LookupResult {
  /** The entries of the values AED holds, by the value as asked. */
  found: Map<string, ListEntry>
  /** Values whose absence could not be confirmed within the budget: leave them alone this run. */
  unknown: string[]
  /** Requests made, for the budget and the bench. */
  requests: number
}

/** Two records of one value (stored in two forms) count as one: every annotation and scope. */
function merge(a: ListEntry, b: ListEntry): ListEntry {
  return {
    value: a.value,
    annotations: [...a.annotations, ...b.annotations],
    pgids: [...new Set([...a.pgids, ...b.pgids])],
    cids: [...new Set([...a.cids, ...b.cids])],
  }
}

/**
 * Reads the answer to a value filter page by page; `open` are the values not yet seen. Answers
 * whether the answer was read to its end (a short page), which makes every unseen value absent.
 */
async function scan(
  lists: ListCalls,
  list: AedList,
  asked: readonly string[],
  perPage: number,
  take: (entries: ListEntry[]) => void,
  open: () => number,
  count: () => void,
): Promise<boolean> {
  let first: string | undefined
  for (let page = 1; page <= MAX_LOOKUP_PAGES; page++) {
    const answer = await lists.lookup(list, asked, page, perPage)
    count()
    // A server that ignores `page` answers page 1 again: nothing more can be learnt by paging.
    if (page > 1 && answer.entries.length > 0 && answer.entries[0]?.value === first) return false
    first = answer.entries[0]?.value
    take(answer.entries)
    if (answer.records < perPage) return true
    if (open() === 0) return true
  }
  return false
}

/**
 * Looks up at most one request's worth of values of one list (deliver.ts `chunk`). A value the
 * answer did not show is absent once the answer was read to a short page; if it was not (a loose
 * filter matched more than MAX_LOOKUP_PAGES pages, or the server ignores `page`), the values not
 * shown are asked again in halves, down to one value alone; one still unresolved is `unknown`.
 * `drop`: values the ledger holds; one the answer does not show would be forgotten, which nothing
 * undoes, so it is asked alone before it is called absent. (A value to add wrongly thought
 * absent is sent, and a refusal of it is looked up again: deliver.ts.) Cost: one request for a
 * complete first answer (a first delivery, any exact filter); at most (2u − 1)·MAX_LOOKUP_PAGES
 * more for u values not shown, and one per value to forget that AED no longer shows.
 */
export async function lookUpValues(
  lists: ListCalls,
  list: AedList,
  values: readonly string[],
  drop: ReadonlySet<string> = new Set(),
  perPage = LOOKUP_PER_PAGE,
): Promise<LookupResult> {
  const wanted = new Set(values)
  const found = new Map<string, ListEntry>()
  let requests = 0
  const take = (entries: ListEntry[]): void => {
    for (const entry of entries) {
      const value = canonicalValue(list.kind, entry.value)
      if (value === undefined || !wanted.has(value)) continue
      const seen = found.get(value)
      found.set(value, seen === undefined ? { ...entry, value } : merge(seen, entry))
    }
  }
  const unknown: string[] = []
  const alone = new Set<string>()
  const ask = async (asked: readonly string[]): Promise<string[]> => {
    if (asked.length === 1 && asked[0] !== undefined) alone.add(asked[0])
    const open = (): string[] => asked.filter((v) => !found.has(v))
    const complete = await scan(
      lists,
      list,
      asked,
      perPage,
      take,
      () => open().length,
      () => requests++,
    )
    return complete ? [] : open()
  }
  /** Asks these values; the ones an incomplete answer did not show are asked again in halves. */
  const settle = async (asked: readonly string[]): Promise<void> => {
    const open = await ask(asked)
    if (open.length === 0) return
    if (asked.length === 1) {
      unknown.push(...open)
      return
    }
    const middle = Math.ceil(open.length / 2)
    await settle(open.slice(0, middle))
    await settle(open.slice(middle))
  }
  await settle(values)
  for (const value of values)
    if (drop.has(value) && !found.has(value) && !alone.has(value) && !unknown.includes(value))
      await settle([value])
  return { found, unknown, requests }
}
