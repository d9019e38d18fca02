/** TAXII 2.0 (discovery /taxii/) and 2.1 (discovery /taxii2/) endpoints over one TaxiiStore. */
import type { Context, Hono } from 'hono'
import { v4 as uuidv4 } from 'uuid'
import {
  API_ROOT_VERSION,
  DISCOVERY_PATH,
  MEDIA_TYPES,
  type CollectionInfo,
  type ManifestEntry,
  type StatusResource,
  type TaxiiVersion,
} from '../../../src/taxii/types.js'
import {
  TaxiiError,
  authenticate,
  pageByLimit,
  pageByRange,
  readLimitedBody,
  requireAccept,
  requireContentType,
  type Paged,
} from './http.js'
import {
  timestampKey,
  type CollectionRecord,
  type StatusRecord,
  type StoredVersion,
  type TaxiiClient,
  type TaxiiStore,
} from './store.js'

/** [SIM] The API root's name (AED's is unknown: docs/aed-api.md, "Open points"). */
export const API_ROOT_NAME = 'aed'

/** Media type of STIX content as a 2.1 collection advertises it. */
const STIX21_MEDIA_TYPE = 'application/stix+json;version=2.1'

export function renderStatus(s: StatusRecord): StatusResource {
  const pending = s.pendingPolls > 0
  const v20 = s.taxiiVersion === '2.0'
  const successes = s.successIds.map((id, i) =>
    v20 ? id : { id, version: s.successVersions[i] ?? '' },
  )
  const failures = s.failures.map((d) =>
    v20
      ? { id: d.id, message: d.message ?? '' }
      : { id: d.id, version: d.version, message: d.message ?? '' },
  )
  const total = successes.length + failures.length
  if (pending) {
    const pendings = [
      ...successes,
      ...s.failures.map((d) => (v20 ? d.id : { id: d.id, version: d.version })),
    ]
    return {
      id: s.id,
      status: 'pending',
      request_timestamp: s.requestTimestamp,
      total_count: total,
      success_count: 0,
      failure_count: 0,
      pending_count: total,
      successes: [],
      failures: [],
      pendings,
    }
  }
  return {
    id: s.id,
    status: 'complete',
    request_timestamp: s.requestTimestamp,
    total_count: total,
    success_count: successes.length,
    failure_count: failures.length,
    pending_count: 0,
    successes,
    failures,
    pendings: [],
  }
}

interface Filters {
  addedAfter?: string
  ids?: Set<string>
  types?: Set<string>
  versions: string[]
  specVersions?: Set<string>
}

function filtersOf(c: Context, version: TaxiiVersion, objectId?: string): Filters {
  // A filter is a comma list (the spec's form); repeating the parameter adds to it.
  const list = (name: string): string[] | undefined => {
    const all = c.req.queries(name)
    return all === undefined
      ? undefined
      : all
          .flatMap((v) => v.split(','))
          .map((s) => s.trim())
          .filter((s) => s !== '')
  }
  const filters: Filters = { versions: list('match[version]') ?? ['last'] }
  const addedAfter = c.req.query('added_after')
  if (addedAfter !== undefined) {
    const key = timestampKey(addedAfter)
    if (key === undefined)
      throw new TaxiiError(400, 'Bad Request', `"added_after" is not a timestamp: ${addedAfter}`)
    filters.addedAfter = key
  }
  for (const v of filters.versions) {
    if (!['last', 'first', 'all'].includes(v) && timestampKey(v) === undefined) {
      throw new TaxiiError(
        400,
        'Bad Request',
        `"match[version]" value "${v}" is not last, first, all or a timestamp.`,
      )
    }
  }
  const ids = objectId === undefined ? list('match[id]') : [objectId]
  if (ids !== undefined) filters.ids = new Set(ids)
  const types = list('match[type]')
  if (types !== undefined) filters.types = new Set(types)
  const specVersions = version === '2.1' ? list('match[spec_version]') : undefined
  if (specVersions !== undefined) filters.specVersions = new Set(specVersions)
  return filters
}

/**
 * The versions `match[id]` names, in the order they were added. Read from each object's own
 * versions, so reading back a hundred ids of a million-object collection does not walk it all.
 * Versions added by one request share a date_added: those come in id, then version order.
 */
function versionsOfIds(collection: CollectionRecord, ids: ReadonlySet<string>): StoredVersion[] {
  const out: StoredVersion[] = []
  for (const id of ids) out.push(...(collection.objects.get(id)?.versions ?? []))
  const key = (v: StoredVersion): string => timestampKey(v.dateAdded) ?? v.dateAdded
  return out.sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    if (ka !== kb) return ka < kb ? -1 : 1
    if (a.object.id !== b.object.id) return a.object.id < b.object.id ? -1 : 1
    return a.versionKey < b.versionKey ? -1 : a.versionKey > b.versionKey ? 1 : 0
  })
}

function selectVersions(collection: CollectionRecord, f: Filters): StoredVersion[] {
  const wantAll = f.versions.includes('all')
  const wantLast = f.versions.includes('last')
  const wantFirst = f.versions.includes('first')
  const exact = new Set(f.versions.map((v) => timestampKey(v)).filter((k) => k !== undefined))
  const out: StoredVersion[] = []
  // An id list short of the collection's size is cheaper to look up than to filter on.
  const candidates =
    f.ids !== undefined && f.ids.size < collection.objects.size
      ? versionsOfIds(collection, f.ids)
      : collection.versions
  for (const v of candidates) {
    const id = v.object.id
    if (f.ids !== undefined && !f.ids.has(id)) continue
    if (f.types !== undefined && !f.types.has(v.object.type)) continue
    if (f.addedAfter !== undefined && (timestampKey(v.dateAdded) ?? '') <= f.addedAfter) continue
    if (f.specVersions !== undefined) {
      const sv = typeof v.object.spec_version === 'string' ? v.object.spec_version : '2.0'
      if (!f.specVersions.has(sv)) continue
    }
    if (!wantAll) {
      const stored = collection.objects.get(id)
      const ok =
        (wantLast && stored?.latest === v) ||
        (wantFirst && stored?.first === v) ||
        exact.has(v.versionKey)
      if (!ok) continue
    }
    out.push(v)
  }
  return out
}

function dateHeaders(items: readonly StoredVersion[]): Record<string, string> {
  const first = items[0]
  const last = items[items.length - 1]
  if (first === undefined || last === undefined) return {}
  return { 'x-taxii-date-added-first': first.dateAdded, 'x-taxii-date-added-last': last.dateAdded }
}

/** A TAXII 2.1 envelope; `{}` when there is nothing, as medallion answers. */
function envelope(paged: Paged<unknown>, items: unknown[]): Record<string, unknown> {
  if (items.length === 0 && !paged.more) return {}
  return {
    more: paged.more,
    ...(paged.next === undefined ? {} : { next: paged.next }),
    objects: items,
  }
}

export interface TaxiiMountOptions {
  version: TaxiiVersion
  store: TaxiiStore
  title: string
}

export function mountTaxiiRoutes(app: Hono, { version, store, title }: TaxiiMountOptions): void {
  const media = MEDIA_TYPES[version]
  const base = DISCOVERY_PATH[version]
  const root = `${base}:root/`
  const v20 = version === '2.0'

  const json = (
    body: unknown,
    status: number,
    contentType: string,
    headers: Record<string, string> = {},
  ): Response =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': contentType, ...headers },
    })

  /** Auth, Accept and API-root checks every endpoint below discovery shares. */
  const enter = (c: Context, accept: string): TaxiiClient => {
    const client = authenticate(c, store)
    requireAccept(c, accept)
    if (c.req.param('root') !== API_ROOT_NAME) {
      throw new TaxiiError(404, 'Not Found', `No API root "${c.req.param('root') ?? ''}".`)
    }
    return client
  }

  const collectionFor = (
    c: Context,
    client: TaxiiClient,
    need: 'read' | 'write',
  ): CollectionRecord => {
    const collection = store.collections.get(c.req.param('collection') ?? '')
    if (collection === undefined) throw new TaxiiError(404, 'Not Found', 'No such collection.')
    const canRead = client.collections.includes(collection.id)
    if (!canRead || (need === 'write' && !client.canWrite)) {
      throw new TaxiiError(
        403,
        'Forbidden',
        `The client "${client.username}" may not ${need} this collection.`,
      )
    }
    return collection
  }

  const info = (collection: CollectionRecord, client: TaxiiClient): CollectionInfo => {
    const canRead = client.collections.includes(collection.id)
    return {
      id: collection.id,
      title: collection.title,
      description: collection.description,
      can_read: canRead,
      can_write: canRead && client.canWrite,
      media_types: [v20 ? media.stix : STIX21_MEDIA_TYPE],
    }
  }

  const page = <T>(c: Context, all: readonly T[]): Paged<T> =>
    v20
      ? pageByRange(c, all, store.behaviour.maxPageSize)
      : pageByLimit(c, all, store.behaviour.maxPageSize)

  app.get(base, (c) => {
    authenticate(c, store)
    requireAccept(c, media.taxii)
    const url = new URL(c.req.url)
    const rootUrl = store.behaviour.foreignApiRoot ?? `${url.origin}${base}${API_ROOT_NAME}/`
    return json(
      {
        title: `${title} (TAXII ${version})`,
        description: 'NETSCOUT Arbor Edge Defense TAXII server (simulated)',
        contact: 'aed-sim',
        default: rootUrl,
        api_roots: [rootUrl],
      },
      200,
      media.taxii,
    )
  })

  app.get(root, (c) => {
    enter(c, media.taxii)
    return json(
      {
        title: `${title} API root`,
        description: 'STIX indicators pushed here are enforced as AED deny rules.',
        versions: [API_ROOT_VERSION[version]],
        max_content_length: store.behaviour.maxContentLength,
      },
      200,
      media.taxii,
    )
  })

  app.get(`${root}collections/`, (c) => {
    const client = enter(c, media.taxii)
    const collections = [...store.collections.values()].map((col) => info(col, client))
    return json({ collections }, 200, media.taxii)
  })

  app.get(`${root}collections/:collection/`, (c) => {
    const client = enter(c, media.taxii)
    const collection = store.collections.get(c.req.param('collection'))
    if (collection === undefined) throw new TaxiiError(404, 'Not Found', 'No such collection.')
    return json(info(collection, client), 200, media.taxii)
  })

  const objectsResponse = (c: Context, selected: StoredVersion[]): Response => {
    const paged = page(c, selected)
    const objects = paged.items.map((v) => v.object)
    const headers = { ...paged.headers, ...dateHeaders(paged.items) }
    if (v20) {
      const bundle: Record<string, unknown> = {
        type: 'bundle',
        id: `bundle--${uuidv4()}`,
        spec_version: '2.0',
      }
      if (objects.length > 0) bundle.objects = objects
      return json(bundle, paged.status, media.stix, headers)
    }
    return json(envelope(paged, objects), paged.status, media.stix, headers)
  }

  app.get(`${root}collections/:collection/objects/`, (c) => {
    const client = enter(c, media.stix)
    const collection = collectionFor(c, client, 'read')
    return objectsResponse(c, selectVersions(collection, filtersOf(c, version)))
  })

  app.post(`${root}collections/:collection/objects/`, async (c) => {
    const client = enter(c, media.taxii)
    const collection = collectionFor(c, client, 'write')
    requireContentType(c, media.stix)
    const text = await readLimitedBody(c, store.behaviour.maxContentLength)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new TaxiiError(400, 'Bad Request', 'The body is not valid JSON.')
    }
    const record = body as { type?: unknown; objects?: unknown } | null
    if (record === null || typeof record !== 'object' || (v20 && record.type !== 'bundle')) {
      throw new TaxiiError(
        400,
        'Bad Request',
        v20 ? 'The body must be a STIX 2.0 bundle.' : 'The body must be a TAXII envelope.',
      )
    }
    const objects = record.objects ?? []
    if (!Array.isArray(objects))
      throw new TaxiiError(400, 'Bad Request', '"objects" must be a list.')
    const status = store.addObjects(collection, objects, version)
    return json(renderStatus(status), 202, media.taxii)
  })

  app.get(`${root}collections/:collection/objects/:object/`, (c) => {
    const client = enter(c, media.stix)
    const collection = collectionFor(c, client, 'read')
    const selected = selectVersions(collection, filtersOf(c, version, c.req.param('object')))
    if (selected.length === 0) throw new TaxiiError(404, 'Not Found', 'No such object.')
    return objectsResponse(c, selected)
  })

  if (!v20) {
    app.delete(`${root}collections/:collection/objects/:object/`, (c) => {
      const client = enter(c, media.taxii)
      const collection = collectionFor(c, client, 'write')
      const id = c.req.param('object')
      if (!collection.objects.has(id)) throw new TaxiiError(404, 'Not Found', 'No such object.')
      const versions = c.req.query('match[version]')
      const keys =
        versions === undefined
          ? undefined
          : new Set(selectVersions(collection, filtersOf(c, version, id)).map((v) => v.versionKey))
      store.deleteObject(collection, id, keys)
      return new Response(null, { status: 200, headers: { 'content-type': media.taxii } })
    })

    app.get(`${root}collections/:collection/objects/:object/versions/`, (c) => {
      const client = enter(c, media.taxii)
      const collection = collectionFor(c, client, 'read')
      const versions = collection.objects.get(c.req.param('object'))?.versions
      if (versions === undefined) throw new TaxiiError(404, 'Not Found', 'No such object.')
      const paged = page(c, versions)
      return json(
        { more: paged.more, versions: paged.items.map((v) => v.version) },
        200,
        media.taxii,
      )
    })
  }

  app.get(`${root}collections/:collection/manifest/`, (c) => {
    const client = enter(c, media.taxii)
    const collection = collectionFor(c, client, 'read')
    const selected = selectVersions(collection, filtersOf(c, version))
    if (v20) {
      // One entry per object, listing its selected versions.
      const byId = new Map<string, StoredVersion[]>()
      for (const v of selected) {
        const versions = byId.get(v.object.id)
        if (versions === undefined) byId.set(v.object.id, [v])
        else versions.push(v)
      }
      const paged = page(c, [...byId.values()])
      const entries: ManifestEntry[] = paged.items.map((versions) => ({
        id: (versions[0] as StoredVersion).object.id,
        date_added: (versions[0] as StoredVersion).dateAdded,
        versions: versions.map((v) => v.version),
        media_types: [media.stix],
      }))
      const firsts = paged.items.map((versions) => versions[0] as StoredVersion)
      const headers = { ...paged.headers, ...dateHeaders(firsts) }
      return json({ objects: entries }, paged.status, media.taxii, headers)
    }
    const paged = page(c, selected)
    const entries: ManifestEntry[] = paged.items.map((v) => ({
      id: v.object.id,
      date_added: v.dateAdded,
      version: v.version,
      media_type: STIX21_MEDIA_TYPE,
    }))
    return json(envelope(paged, entries), paged.status, media.taxii, dateHeaders(paged.items))
  })

  // taxii2-client builds the slashless form (urljoin(collection, "../../status/<id>")).
  const status = (c: Context): Response => {
    enter(c, media.taxii)
    const record = store.statuses.get(c.req.param('status') ?? '')
    if (record === undefined) throw new TaxiiError(404, 'Not Found', 'No such status.')
    const body = renderStatus(record)
    if (record.pendingPolls > 0) record.pendingPolls -= 1
    return json(body, 200, media.taxii)
  }
  app.get(`${root}status/:status/`, status)
  app.get(`${root}status/:status`, status)
}
