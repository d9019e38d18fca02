/**
 * AED's deny and allow lists over REST (docs/aed-api.md, "Deny and allow lists: names", "Adding and
 * removing entries", "Inbound scope"): the lists the
 * connector writes, their v2 and v3 names, and the calls it makes on them: look values up, read
 * a whole list, add values with their annotations, remove values, list the protection groups.
 */
import { z } from 'zod'
import type { HttpClient } from '../http/client.js'
import { parseError, parseJsonBody } from '../http/json.js'
import { PagingGuard } from '../http/paging-guard.js'

/** The REST API version in AED's paths (`/api/aed/v3/…`); the client detects it (client.ts). */
export type AedApiVersion = 'v2' | 'v3'

export type ListKind = 'host' | 'domain' | 'url'

export interface AedList {
  /** Stable name: ledger entries, summaries and the dry-run listing use it. */
  id: string
  direction: 'outbound' | 'inbound'
  action: 'deny' | 'allow'
  kind: ListKind
  v2: string
  v3: string
}

const list = (
  direction: AedList['direction'],
  action: AedList['action'],
  kind: ListKind,
  v2: string,
  v3: string,
): AedList => ({ id: `${direction}-${v3}`, direction, action, kind, v2, v3 })

/**
 * The lists REST delivery writes (docs/aed-api.md, "Deny and allow lists: names"). AED has allow
 * lists for hosts only, and domain and URL lists only inbound.
 */
export const LISTS = {
  outboundDenyHosts: list('outbound', 'deny', 'host', 'blacklisted-hosts', 'denied-hosts'),
  outboundAllowHosts: list('outbound', 'allow', 'host', 'whitelisted-hosts', 'allowed-hosts'),
  inboundDenyHosts: list('inbound', 'deny', 'host', 'blacklisted-hosts', 'denied-hosts'),
  inboundAllowHosts: list('inbound', 'allow', 'host', 'whitelisted-hosts', 'allowed-hosts'),
  inboundDenyDomains: list('inbound', 'deny', 'domain', 'blacklisted-domains', 'denied-domains'),
  inboundDenyUrls: list('inbound', 'deny', 'url', 'blacklisted-urls', 'denied-urls'),
} as const

export const ALL_LISTS: readonly AedList[] = Object.values(LISTS)

export function listById(id: string): AedList | undefined {
  return ALL_LISTS.find((l) => l.id === id)
}

/** The item field and the add/delete parameter of a list's values. */
export const VALUE_FIELD: Record<ListKind, string> = {
  host: 'hostAddress',
  domain: 'domain',
  url: 'url',
}

/** The key of a many-value add answer (docs/aed-api.md, "Deny and allow lists: names"). */
const WRAPPER: Record<ListKind, string> = { host: 'hosts', domain: 'domains', url: 'urls' }

/** `-1` (global) or a comma list of protection-group ids: the wire form of an inbound scope. */
export type Scope = string
export const GLOBAL_SCOPE: Scope = '-1'

function listPath(l: AedList, version: AedApiVersion): string {
  const prefix = l.direction === 'outbound' ? 'otf' : 'protection-groups'
  return `/api/aed/${version}/${prefix}/${version === 'v2' ? l.v2 : l.v3}/`
}

/** One value as a list holds it: inbound lists collect annotations and scopes per value. */
export interface ListEntry {
  value: string
  annotations: string[]
  pgids: number[]
  /** Central-configuration ids (`-1` also stands for global, as in `pgid`). */
  cids: number[]
}

/**
 * A refused write. [I: A-AED-LIST-FULL] AED's list-capacity error is not public; the simulator
 * answers 422 with code `listCapacityExceeded`, so any 422 whose code speaks of a capacity, a
 * limit or a full list counts as one.
 */
export interface WriteRefusal {
  status: number
  code: string | undefined
  /** The field the error names, if any: the value field means one of the values is at fault. */
  field: string | undefined
  message: string
  full: boolean
}

const FULL_CODE = /capacity|limit|full/i

const envelope = z.looseObject({
  errors: z.array(
    z.looseObject({
      code: z.string().optional(),
      field: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
  message: z.string().optional(),
})

function refusalOf(status: number, body: string): WriteRefusal {
  let parsed: z.output<typeof envelope> | undefined
  try {
    parsed = envelope.parse(JSON.parse(body))
  } catch {
    parsed = undefined
  }
  const first = parsed?.errors[0]
  const code = first?.code
  return {
    status,
    code,
    field: first?.field,
    message: first?.message ?? parsed?.message ?? (body.trim().slice(0, 200) || `HTTP ${status}`),
    full: status === 422 && code !== undefined && FULL_CODE.test(code),
  }
}

const item = z.looseObject({
  annotation: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
  pgid: z.array(z.number()).optional(),
  cid: z.array(z.number()).optional(),
})

function entryOf(l: AedList, raw: unknown): ListEntry | undefined {
  const parsed = item.safeParse(raw)
  const value = (raw as Record<string, unknown> | null)?.[VALUE_FIELD[l.kind]]
  if (!parsed.success || typeof value !== 'string') return undefined
  const a = parsed.data.annotation
  return {
    value,
    annotations: a === undefined || a === null ? [] : typeof a === 'string' ? [a] : a,
    pgids: parsed.data.pgid ?? [],
    cids: parsed.data.cid ?? [],
  }
}

/** One page of a list answer: the entries read, and how many records it held in all. */
export interface ListPage {
  entries: ListEntry[]
  /** Records on the page, readable or not: a page as long as `perPage` may have a next one. */
  records: number
}

/**
 * The records of a list answer: under the list's own name, else under the answer's one array
 * valued key, as XSOAR reads it (`list(raw_result.keys())[0]`, docs/aed-api.md, "Lists, paging
 * and filters"), so a renamed
 * list key (v2 names on v3, FortiSOAR's schemas) still reads.
 */
function listItems(body: Record<string, unknown>, key: string): unknown[] | undefined {
  const own = body[key]
  if (Array.isArray(own)) return own as unknown[]
  const arrays = Object.values(body).filter((v): v is unknown[] => Array.isArray(v))
  return arrays.length === 1 ? arrays[0] : undefined
}

/** The calls on one appliance's lists; the API version is resolved on first use. */
export class AedLists {
  constructor(
    private readonly http: HttpClient,
    private readonly version: () => Promise<AedApiVersion>,
  ) {}

  async path(l: AedList): Promise<string> {
    return listPath(l, await this.version())
  }

  private async page(l: AedList, query: Record<string, string | number>): Promise<ListPage> {
    const version = await this.version()
    const key = version === 'v2' ? l.v2 : l.v3
    const response = await this.http.request({
      path: listPath(l, version),
      query,
      headers: { accept: 'application/json' },
    })
    // Only the list key, no paging metadata (docs/aed-api.md, "Lists, paging and filters").
    const body = parseJsonBody('aed', response, z.record(z.string(), z.unknown()), `${key} list`)
    const items = listItems(body, key)
    if (items === undefined)
      throw parseError('aed', response, `the ${key} list answer has no "${key}" array`)
    const entries: ListEntry[] = []
    for (const raw of items) {
      const entry = entryOf(l, raw)
      if (entry !== undefined) entries.push(entry)
    }
    return { entries, records: items.length }
  }

  /**
   * One page of AED's answer to a value filter. [I: A-AED-LIST-LOOKUP] how AED matches the
   * filter is unknown (exact, substring, containment…): callers compare every record with the
   * values themselves (src/sync/lists/lookup.ts) and page on while a page comes back full.
   */
  lookup(
    l: AedList,
    values: readonly string[],
    page = 1,
    perPage = values.length,
  ): Promise<ListPage> {
    return this.page(l, {
      [VALUE_FIELD[l.kind]]: values.join(','),
      ...(page === 1 ? {} : { page }),
      perPage,
    })
  }

  /**
   * The whole list, a page at a time until a short page (no page count exists). A page with
   * nothing new ends it (a server that ignores paging answers page 1 for ever, a hostile one
   * cycles): recovery is its reader, and an entry it misses is kept as foreign, never removed.
   */
  async *readAll(l: AedList, perPage = 1000): AsyncGenerator<ListEntry[]> {
    const guard = new PagingGuard()
    for (let page = 1; ; page++) {
      const { entries } = await this.page(l, { page, perPage })
      const keys = entries.map((e) => `${e.value}|${e.annotations.join(',')}`)
      if (entries.length > 0 && guard.check({ keys, next: page + 1 }) !== undefined) return
      yield entries
      if (entries.length < perPage) return
    }
  }

  /**
   * Adds values, each with its own annotation (a comma list maps one to one: docs/aed-api.md,
   * "Adding and removing entries").
   * Answers what AED stored, or why it refused the whole request.
   */
  async add(
    l: AedList,
    values: readonly string[],
    annotations: readonly string[],
    scope: Scope | undefined,
  ): Promise<{ ok: true; entries: ListEntry[] } | { ok: false; refusal: WriteRefusal }> {
    const response = await this.http.request({
      method: 'POST',
      path: await this.path(l),
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(addBody(l, values, annotations, scope)),
      // 409: how some servers may refuse a value they hold already [I: A-AED-LIST-READD].
      okStatuses: [200, 201, 400, 409, 422],
    })
    if (response.status === 400 || response.status === 409 || response.status === 422)
      return { ok: false, refusal: refusalOf(response.status, response.body) }
    // One value: the bare item; several: a wrapper such as {"hosts": […]} (docs/aed-api.md,
    // "Adding and removing entries").
    const data = parseJsonBody('aed', response, z.unknown(), 'list add answer')
    const wrapped = (data as Record<string, unknown> | null)?.[WRAPPER[l.kind]]
    const items: unknown[] = Array.isArray(wrapped) ? wrapped : Array.isArray(data) ? data : [data]
    return { ok: true, entries: items.map((i) => entryOf(l, i)).filter((e) => e !== undefined) }
  }

  /**
   * Removes values; AED answers 204 whether or not they were there. [I: A-AED-LIST-SCOPE] with
   * a `pgid`, an inbound value leaves that scope only (docs/aed-api.md, "Inbound scope").
   */
  async remove(l: AedList, values: readonly string[], scope: Scope | undefined): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: await this.path(l),
      query: removeQuery(l, values, scope),
      okStatuses: [200, 204],
    })
  }

  /** Every protection group's id and name. */
  async protectionGroups(): Promise<{ pgid: number; name: string }[]> {
    const version = await this.version()
    const groups: { pgid: number; name: string }[] = []
    const perPage = 100
    // A page with nothing new ends it: paging ignored, or pages that cycle.
    const guard = new PagingGuard()
    for (let page = 1; ; page++) {
      const response = await this.http.request({
        path: `/api/aed/${version}/protection-groups/`,
        query: { page, perPage },
        headers: { accept: 'application/json' },
      })
      const body = parseJsonBody(
        'aed',
        response,
        z.looseObject({
          'protection-groups': z.array(z.looseObject({ pgid: z.number(), name: z.string() })),
        }),
        'protection groups',
      )
      const items = body['protection-groups']
      const keys = items.map((g) => String(g.pgid))
      if (items.length > 0 && guard.check({ keys, next: page + 1 }) !== undefined) break
      groups.push(...items.map(({ pgid, name }) => ({ pgid, name })))
      if (items.length < perPage) break
    }
    return groups
  }
}

/** What a list delivery needs of AED: tests hand in a fake. */
export type ListCalls = Pick<
  AedLists,
  'path' | 'lookup' | 'readAll' | 'add' | 'remove' | 'protectionGroups'
>

/**
 * The JSON body of an add (also what the dry run lists). [I: A-AED-LIST-WIRE] Hosts go as a JSON
 * array, as XSOAR sends them; domains and URLs as a comma string in the body, as FortiSOAR sends
 * them: no real client sends those as an array (docs/aed-api.md, "Adding and removing entries").
 */
export function addBody(
  l: AedList,
  values: readonly string[],
  annotations: readonly string[],
  scope: Scope | undefined,
): Record<string, unknown> {
  return {
    [VALUE_FIELD[l.kind]]: l.kind === 'host' ? values : values.join(','),
    annotation: annotations.join(','),
    ...(scope === undefined ? {} : { pgid: scope }),
  }
}

/** The query of a delete (also what the dry run lists). */
export function removeQuery(
  l: AedList,
  values: readonly string[],
  scope: Scope | undefined,
): Record<string, string> {
  return {
    [VALUE_FIELD[l.kind]]: values.join(','),
    ...(scope === undefined ? {} : { pgid: scope }),
  }
}

/** How many scope entries an inbound record holds: global shows as -1 in both `pgid` and `cid`. */
export function scopeEntries(entry: ListEntry): number {
  return entry.pgids.length + entry.cids.filter((c) => c !== -1).length
}
