/**
 * [SIM] AED's REST view of its TAXII server (v3 `/taxii/configuration/...`, docs/aed-api.md,
 * "TAXII server on AED"): the
 * routes are attested, the shapes are not. Collections, TAXII-client users, and the stored
 * objects with what each one enforces.
 */
import type { Hono } from 'hono'
import { AedError, aedJsonResponse, badField, notFound } from '../json.js'
import { applyListQuery, listResponse, type Item } from '../listing.js'
import { Params } from '../params.js'
import { param, route } from '../routing.js'
import type { AedState } from '../state.js'
import { isExpired, type CollectionRecord, type StoredObject, type TaxiiClient } from './store.js'

/** Enforced now: entries, and (for an indicator with `valid_until`) not expired on the clock. */
const enforcedNow = (stored: StoredObject, nowMs: number): boolean =>
  stored.enforcement.entries.length > 0 && !isExpired(stored.latest.object, nowMs)

function renderCollection(c: CollectionRecord, nowMs: number): Item {
  let enforced = 0
  for (const o of c.objects.values()) if (enforcedNow(o, nowMs)) enforced++
  return {
    description: c.description,
    enforcedCount: enforced,
    id: c.id,
    objectCount: c.objects.size,
    pgid: [-1],
    title: c.title,
  }
}

function renderObjects(c: CollectionRecord, nowMs: number): Item[] {
  const out: Item[] = []
  for (const [id, stored] of c.objects) {
    const { latest, enforcement } = stored
    const object = latest.object
    const expired = enforcement.entries.length > 0 && isExpired(object, nowMs)
    out.push({
      dateAdded: latest.dateAdded,
      enforced: enforcement.entries.length > 0 && !expired,
      enforcement: enforcement.entries.map((e) => ({
        matchType: e.matchType,
        value: e.value,
      })),
      id,
      modified: latest.version,
      name: typeof object.name === 'string' ? object.name : null,
      notEnforcedReason: expired
        ? `expired: valid_until ${String(object.valid_until)} has passed`
        : enforcement.reason,
      pattern: typeof object.pattern === 'string' ? object.pattern : null,
      revoked: object.revoked === true,
      type: object.type,
      versions: stored.count,
    })
  }
  return out
}

const renderClient = (c: TaxiiClient): Item => ({
  canWrite: c.canWrite,
  collections: c.collections,
  id: c.id,
  username: c.username,
})

export function mountTaxiiConfigurationRoutes(
  app: Hono,
  p: (path: string) => string,
  state: AedState,
): void {
  const taxii = state.taxii
  const collection = (id: string): CollectionRecord => {
    const c = taxii.collections.get(id)
    if (c === undefined) throw notFound(id)
    return c
  }
  const clientById = (id: string): TaxiiClient => {
    const c = [...taxii.clients.values()].find((x) => String(x.id) === id)
    if (c === undefined) throw notFound(id)
    return c
  }
  const collectionsParam = (params: Params): string[] | undefined => {
    if (!params.has('collections')) return undefined
    const ids = params.list('collections')
    for (const id of ids)
      if (!taxii.collections.has(id)) throw badField('collections', `No collection ${id}.`)
    return ids
  }

  route(app, p('taxii/configuration/collections/'), {
    GET: async (c) => {
      const items = [...taxii.collections.values()].map((col) =>
        renderCollection(col, state.nowMs()),
      )
      return listResponse(
        c,
        'collections',
        applyListQuery(items, await Params.from(c), {
          defaultSort: 'title',
          filters: ['id', 'title'],
        }),
      )
    },
    POST: async (c) => {
      const params = await Params.from(c)
      const title = params.string('title')
      if (title === undefined) throw badField('title', '"title" is required.')
      if ([...taxii.collections.values()].some((x) => x.title === title)) {
        throw new AedError(
          422,
          'duplicateTitle',
          `A collection titled "${title}" already exists.`,
          'title',
        )
      }
      const created = taxii.addCollection(title, params.string('description') ?? '')
      // [SIM] Existing TAXII clients may use a new collection (AED's policy is unknown).
      for (const client of taxii.clients.values()) client.collections.push(created.id)
      return aedJsonResponse(renderCollection(created, state.nowMs()), 201)
    },
  })
  route(app, p('taxii/configuration/collections/:uuid/'), {
    GET: (c) => aedJsonResponse(renderCollection(collection(param(c, 'uuid')), state.nowMs())),
    DELETE: (c) => {
      taxii.deleteCollection(collection(param(c, 'uuid')).id)
      return new Response(null, { status: 204 })
    },
  })
  route(app, p('taxii/configuration/collections/:uuid/objects/'), {
    GET: async (c) => {
      const items = renderObjects(collection(param(c, 'uuid')), state.nowMs())
      const params = await Params.from(c)
      return listResponse(
        c,
        'objects',
        applyListQuery(items, params, {
          defaultSort: 'dateAdded',
          filters: ['id', 'type', 'enforced'],
        }),
      )
    },
    DELETE: async (c) => {
      const target = collection(param(c, 'uuid'))
      const ids = (await Params.from(c)).list('id')
      if (ids.length === 0) taxii.clearObjects(target)
      else for (const id of ids) taxii.deleteObject(target, id)
      return new Response(null, { status: 204 })
    },
  })

  route(app, p('taxii/configuration/clients/'), {
    GET: async (c) => {
      const items = [...taxii.clients.values()].map(renderClient)
      return listResponse(
        c,
        'clients',
        applyListQuery(items, await Params.from(c), {
          defaultSort: 'id',
          filters: ['id', 'username'],
        }),
      )
    },
    POST: async (c) => {
      const params = await Params.from(c)
      const username = params.string('username')
      const password = params.string('password')
      if (username === undefined) throw badField('username', '"username" is required.')
      if (password === undefined) throw badField('password', '"password" is required.')
      if (taxii.clients.has(username)) {
        throw new AedError(
          422,
          'duplicateUsername',
          `A TAXII client "${username}" already exists.`,
          'username',
        )
      }
      const client = taxii.addClient({
        username,
        password,
        collections: collectionsParam(params) ?? [...taxii.collections.keys()],
        canWrite: params.bool('canWrite') ?? true,
      })
      return aedJsonResponse(renderClient(client), 201)
    },
  })
  route(app, p('taxii/configuration/clients/:id/'), {
    GET: (c) => aedJsonResponse(renderClient(clientById(param(c, 'id')))),
    PATCH: async (c) => {
      const client = clientById(param(c, 'id'))
      const params = await Params.from(c)
      client.password = params.string('password') ?? client.password
      client.collections = collectionsParam(params) ?? client.collections
      client.canWrite = params.bool('canWrite') ?? client.canWrite
      return aedJsonResponse(renderClient(client))
    },
    DELETE: (c) => {
      taxii.clients.delete(clientById(param(c, 'id')).username)
      return new Response(null, { status: 204 })
    },
  })
}
