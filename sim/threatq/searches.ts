/**
 * Saved searches (data collections: docs/threatq-api.md, "Data collections") as records: creation,
 * their `hash`, the response shape and the `api_query` that drives their results. Kept out of the
 * route modules because the seed (core.ts → seed.ts) and the admin surface create searches too.
 */
import { createHash } from 'node:crypto'
import { isObject, type Json } from './ingest.js'
import type { SavedSearch, Store } from './store.js'
import { formatTq } from './time.js'

export function presentSearch(search: SavedSearch): Json {
  return {
    id: search.id,
    hash: search.hash,
    name: search.name,
    json: search.json,
    created_at: formatTq(search.createdAt),
    updated_at: formatTq(search.updatedAt),
  }
}

/** The `api_query` of a saved search whose `json` may be an object or a JSON string. */
export function apiQuery(search: SavedSearch): unknown {
  let json = search.json
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json) as unknown
    } catch {
      return undefined
    }
  }
  return isObject(json) ? json.api_query : undefined
}

export function searchHash(id: number, name: string): string {
  return createHash('md5')
    .update(`${String(id)}:${name}`)
    .digest('hex')
}

export function createSearch(store: Store, name: string, json: unknown): SavedSearch {
  const now = store.now()
  const id = ++store.seq.search
  const search: SavedSearch = {
    id,
    hash: searchHash(id, name),
    name,
    json,
    createdAt: now,
    updatedAt: now,
  }
  store.searches.push(search)
  store.changed()
  return search
}

/**
 * [SIM] Replaces a saved search's `json` (what a person editing the data collection in the UI
 * does; the real API has no documented call for it). The id and hash stay, so clients holding
 * the hash see the new membership on their next query.
 */
export function replaceSearch(store: Store, search: SavedSearch, json: unknown): SavedSearch {
  search.json = json
  search.updatedAt = store.now()
  store.changed()
  return search
}
