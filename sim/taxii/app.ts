/**
 * A small TAXII 2.0 / 2.1 server for the client's tests, following the spec's rules: Basic auth
 * (401), can_read/can_write (403), unknown roots/collections/statuses (404), Accept (406),
 * max_content_length (413), Content-Type (415), 2.0 item ranges (206/416) and 2.1 limit/next.
 * Options add the awkward behaviours of real servers: medallion's off-by-one ranges, statuses that
 * stay pending, objects rejected one by one, 404 for an empty 2.0 collection.
 *
 * In-process only (the client's unit tests and bench/suites/taxii.ts serve it on a loopback port);
 * not folded into aed-sim's TAXII server because that one models AED (its API root, collections,
 * pattern checks and enforcement), while these tests need other servers' quirks and a request log.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { StixObject } from '../../src/stix/types.js'
import { refOf } from '../../src/taxii/batches.js'
import { isMediaType } from '../../src/taxii/media.js'
import {
  API_ROOT_VERSION,
  DISCOVERY_PATH,
  MEDIA_TYPES,
  type CollectionInfo,
  type StatusDetail,
  type StatusResource,
  type TaxiiVersion,
} from '../../src/taxii/types.js'

export interface TaxiiSimOptions {
  version: TaxiiVersion
  /** Basic credentials accepted (default `{ user: 'pass' }`). */
  users?: Record<string, string>
  maxContentLength?: number
  /** Most items in one page, whatever the client asks (default 100). */
  maxPageSize?: number
  /** medallion 1.1: the end of a requested item range is treated as exclusive. */
  rangeOffByOne?: boolean
  /** A new status stays pending for this many status GETs (default 0: complete at once). */
  pendingPolls?: number
  /** A message rejects the object (a per-object failure in the status). */
  reject?: (object: StixObject) => string | undefined
  /** medallion 1.1: GET objects of an empty collection is a 404. */
  emptyIs404?: boolean
  collections?: CollectionInfo[]
  /** false: accept and acknowledge objects without keeping them (benchmarks). Default true. */
  keepObjects?: boolean
}

interface Stored {
  object: StixObject
  version: string
  dateAdded: string
}

export interface TaxiiSimState {
  objects: Map<string, Stored[]>
  /** `METHOD path?query (range)` of every request, in order. */
  log: string[]
}

export const TEST_ROOT = 'api1'

export const TEST_COLLECTIONS: CollectionInfo[] = [
  {
    id: '91a7b528-80eb-42ed-a74d-c6fbd5a26116',
    title: 'AED Blocklist',
    can_read: true,
    can_write: true,
  },
  {
    id: '52892447-4d7e-4f70-b94d-d7f22742ff63',
    title: 'Read Only',
    can_read: true,
    can_write: false,
  },
]

/** A fixed, increasing clock: date_added values never depend on the host. */
function addedClock(): () => string {
  let tick = Date.UTC(2026, 0, 1)
  return () => new Date((tick += 1)).toISOString()
}

export function createTaxiiSim(options: TaxiiSimOptions): {
  app: Hono
  state: TaxiiSimState
} {
  const { version } = options
  const media = MEDIA_TYPES[version]
  const users = options.users ?? { user: 'pass' }
  const maxContentLength = options.maxContentLength ?? 10_485_760
  const maxPageSize = options.maxPageSize ?? 100
  const collections = options.collections ?? TEST_COLLECTIONS
  const state: TaxiiSimState = { objects: new Map(collections.map((c) => [c.id, []])), log: [] }
  const statuses = new Map<string, { resource: StatusResource; pollsLeft: number }>()
  const nextAdded = addedClock()
  let statusCounter = 0

  const error = (
    c: Context,
    status: 400 | 401 | 403 | 404 | 406 | 413 | 415 | 416,
    title: string,
    description?: string,
  ) => {
    c.header('content-type', media.taxii)
    if (status === 401) c.header('www-authenticate', 'Basic realm="taxii"')
    return c.body(JSON.stringify({ title, description, http_status: String(status) }), status)
  }
  const taxii = (
    c: Context,
    body: unknown,
    status: 200 | 202 | 206 = 200,
    type: string = media.taxii,
  ) => {
    c.header('content-type', type)
    return c.body(JSON.stringify(body), status)
  }

  const app = new Hono()
  app.use(async (c, next) => {
    const url = new URL(c.req.url)
    const range = c.req.header('range')
    state.log.push(
      `${c.req.method} ${url.pathname}${url.search}${range === undefined ? '' : ` (${range})`}`,
    )
    const auth = c.req.header('authorization') ?? ''
    const [user, ...rest] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
    if (!auth.startsWith('Basic ') || user === undefined || users[user] !== rest.join(':')) {
      return error(c, 401, 'Unauthorized', 'missing or bad Basic credentials')
    }
    await next()
  })
  /** The request must accept one of `types` (the version's own, with its version parameter). */
  const acceptable = (c: Context, ...types: string[]) =>
    (c.req.header('accept') ?? '')
      .split(',')
      .some((a) => types.some((t) => isMediaType(a, t) && /version/i.test(a)))

  app.get(DISCOVERY_PATH[version], (c) => {
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    const root = new URL(`/${TEST_ROOT}/`, c.req.url).toString()
    return taxii(c, { title: 'Test TAXII server', default: root, api_roots: [root] })
  })

  const knownRoot: MiddlewareHandler = async (c, next) => {
    if (c.req.param('root') !== TEST_ROOT) return error(c, 404, 'Not Found', 'unknown API root')
    await next()
  }
  app.use('/:root/*', knownRoot)
  app.get('/:root/', (c) => {
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    return taxii(c, {
      title: 'API root 1',
      versions: [API_ROOT_VERSION[version]],
      max_content_length: maxContentLength,
    })
  })
  app.get('/:root/collections/', (c) => {
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    return taxii(c, { collections })
  })
  const findCollection = (c: Context) => collections.find((x) => x.id === c.req.param('id'))
  app.get('/:root/collections/:id/', (c) => {
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    const found = findCollection(c)
    return found === undefined ? error(c, 404, 'Not Found', 'unknown collection') : taxii(c, found)
  })

  const statusRoute = (c: Context) => {
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    const entry = statuses.get(c.req.param('sid') ?? '')
    if (entry === undefined) return error(c, 404, 'Not Found', 'unknown status')
    if (entry.pollsLeft > 0) entry.pollsLeft -= 1
    else completeStatus(entry.resource)
    return taxii(c, entry.resource)
  }
  // taxii2-client polls without the trailing slash; the spec's URL has it.
  app.get('/:root/status/:sid/', statusRoute)
  app.get('/:root/status/:sid', statusRoute)

  app.post('/:root/collections/:id/objects/', async (c) => {
    const found = findCollection(c)
    if (found === undefined) return error(c, 404, 'Not Found', 'unknown collection')
    if (!found.can_write) return error(c, 403, 'Forbidden', 'collection is not writable')
    if (!acceptable(c, media.taxii)) return error(c, 406, 'Not Acceptable')
    if (!isMediaType(c.req.header('content-type') ?? null, media.stix)) {
      return error(c, 415, 'Unsupported Media Type', `expected ${media.stix}`)
    }
    const raw = new Uint8Array(await c.req.arrayBuffer())
    if (raw.byteLength > maxContentLength) {
      return error(
        c,
        413,
        'Request Entity Too Large',
        `${String(raw.byteLength)} > ${String(maxContentLength)}`,
      )
    }
    let body: { type?: unknown; spec_version?: unknown; objects?: unknown }
    try {
      body = JSON.parse(new TextDecoder().decode(raw)) as typeof body
    } catch {
      return error(c, 400, 'Bad Request', 'body is not JSON')
    }
    if (version === '2.0' && (body.type !== 'bundle' || body.spec_version !== '2.0')) {
      return error(c, 400, 'Bad Request', 'expected a STIX 2.0 bundle')
    }
    if (!Array.isArray(body.objects)) return error(c, 400, 'Bad Request', 'no objects')
    const stored = state.objects.get(found.id) ?? []
    const resource = newStatus(`status-${String((statusCounter += 1))}`)
    for (const object of body.objects as StixObject[]) {
      const objectVersion = refOf(object).version ?? ''
      const detail: StatusDetail =
        version === '2.1' ? { id: object.id, version: objectVersion } : { id: object.id }
      const rejected =
        options.reject?.(object) ??
        (stored.some((s) => s.object.id === object.id && s.version === objectVersion)
          ? 'duplicate object'
          : undefined)
      if (rejected !== undefined) {
        resource.failures?.push({ ...detail, message: rejected })
      } else {
        if (options.keepObjects !== false) {
          stored.push({ object, version: objectVersion, dateAdded: nextAdded() })
        }
        resource.successes?.push(version === '2.0' ? object.id : detail)
      }
    }
    resource.total_count = body.objects.length
    const pollsLeft = options.pendingPolls ?? 0
    if (pollsLeft > 0) {
      // Report everything not failed as pending until the polls run out.
      resource.pendings = resource.successes ?? []
      resource.successes = []
    }
    recount(resource)
    if (pollsLeft === 0) completeStatus(resource)
    statuses.set(resource.id, { resource, pollsLeft })
    return taxii(c, resource, 202)
  })

  const readable = (c: Context, accept: string) => {
    const found = findCollection(c)
    if (found === undefined) return { response: error(c, 404, 'Not Found', 'unknown collection') }
    if (!found.can_read)
      return { response: error(c, 403, 'Forbidden', 'collection is not readable') }
    if (!acceptable(c, accept)) return { response: error(c, 406, 'Not Acceptable') }
    return { items: filtered(c, state.objects.get(found.id) ?? []) }
  }

  app.get('/:root/collections/:id/objects/', (c) => {
    const { response, items } = readable(c, media.stix)
    if (response !== undefined) return response
    if (version === '2.0' && options.emptyIs404 === true && items.length === 0) {
      return error(c, 404, 'Not Found', 'no objects')
    }
    return page(
      c,
      items,
      (slice) => slice.map((s) => s.object),
      (objects) =>
        version === '2.0'
          ? {
              type: 'bundle',
              id: 'bundle--0b1e7c5d-7b8c-4b33-9d5e-9e1b0f0d8b1a',
              spec_version: '2.0',
              objects,
            }
          : { objects },
      media.stix,
    )
  })

  app.get('/:root/collections/:id/manifest/', (c) => {
    const { response, items } = readable(c, media.taxii)
    if (response !== undefined) return response
    return page(
      c,
      items,
      (slice) =>
        slice.map((s) =>
          version === '2.0'
            ? {
                id: s.object.id,
                date_added: s.dateAdded,
                versions: [s.version],
                media_types: [media.stix],
              }
            : {
                id: s.object.id,
                date_added: s.dateAdded,
                version: s.version,
                media_type: 'application/stix+json;version=2.1',
              },
        ),
      (objects) => ({ objects }),
      media.taxii,
    )
  })

  /** 2.0: Range → 206/416; 2.1: limit/next → more/next. */
  function page<T>(
    c: Context,
    items: Stored[],
    render: (slice: Stored[]) => T[],
    wrap: (objects: T[]) => object,
    type: string,
  ) {
    if (items.length > 0) {
      c.header('x-taxii-date-added-first', items[0]?.dateAdded)
      c.header('x-taxii-date-added-last', items.at(-1)?.dateAdded)
    }
    if (version === '2.1') {
      const limitText = c.req.query('limit')
      const limit = limitText === undefined ? maxPageSize : Number(limitText)
      if (!Number.isInteger(limit) || limit <= 0) return error(c, 400, 'Bad Request', 'bad limit')
      const start = Number(c.req.query('next') ?? '0')
      const end = Math.min(items.length, start + Math.min(limit, maxPageSize))
      const slice = items.slice(start, end)
      const more = end < items.length
      if (slice.length > 0) {
        c.header('x-taxii-date-added-first', slice[0]?.dateAdded)
        c.header('x-taxii-date-added-last', slice.at(-1)?.dateAdded)
      }
      return taxii(
        c,
        { ...wrap(render(slice)), more, ...(more ? { next: String(end) } : {}) },
        200,
        type,
      )
    }
    c.header('accept-ranges', 'items')
    const rangeText = c.req.header('range')
    if (rangeText === undefined) {
      if (items.length < maxPageSize) return taxii(c, wrap(render(items)), 200, type)
      c.header('content-range', `items 0-${String(maxPageSize - 1)}/${String(items.length)}`)
      return taxii(c, wrap(render(items.slice(0, maxPageSize))), 206, type)
    }
    const match = /^items=(\d+)-(\d+)$/.exec(rangeText.trim())
    if (match === null) return error(c, 400, 'Bad Request', 'bad Range')
    const first = Number(match[1])
    let last = Number(match[2])
    if (last < first) return error(c, 400, 'Bad Request', 'bad Range')
    if (first >= items.length) {
      c.header('content-range', `items */${String(items.length)}`)
      return error(c, 416, 'Requested Range Not Satisfiable')
    }
    if (options.rangeOffByOne === true) last = Math.max(first, last - 1)
    last = Math.min(last, first + maxPageSize - 1, items.length - 1)
    c.header('content-range', `items ${String(first)}-${String(last)}/${String(items.length)}`)
    return taxii(c, wrap(render(items.slice(first, last + 1))), 206, type)
  }

  /** added_after, match[id], match[type] and match[version] (last by default, first, all, or a list). */
  function filtered(c: Context, items: Stored[]): Stored[] {
    const after = c.req.query('added_after')
    const ids = c.req.query('match[id]')?.split(',')
    const types = c.req.query('match[type]')?.split(',')
    const versions = (c.req.query('match[version]') ?? 'last').split(',')
    let out = items.filter(
      (s) =>
        (after === undefined || s.dateAdded > after) &&
        (ids === undefined || ids.includes(s.object.id)) &&
        (types === undefined || types.includes(s.object.type)),
    )
    if (!versions.includes('all')) {
      const byId = new Map<string, Stored[]>()
      for (const s of out) byId.set(s.object.id, [...(byId.get(s.object.id) ?? []), s])
      out = out.filter((s) => {
        const all = (byId.get(s.object.id) ?? []).map((x) => x.version).sort()
        return (
          (versions.includes('last') && s.version === all.at(-1)) ||
          (versions.includes('first') && s.version === all[0]) ||
          versions.includes(s.version)
        )
      })
    }
    return out
  }

  function newStatus(id: string): StatusResource {
    return {
      id,
      status: 'pending',
      request_timestamp: nextAdded(),
      total_count: 0,
      success_count: 0,
      failure_count: 0,
      pending_count: 0,
      successes: [],
      failures: [],
      pendings: [],
    }
  }

  function completeStatus(resource: StatusResource): void {
    resource.successes = [...(resource.successes ?? []), ...(resource.pendings ?? [])]
    resource.pendings = []
    resource.status = 'complete'
    recount(resource)
  }

  function recount(resource: StatusResource): void {
    resource.success_count = resource.successes?.length ?? 0
    resource.failure_count = resource.failures?.length ?? 0
    resource.pending_count = resource.pendings?.length ?? 0
  }

  return { app, state }
}
