/**
 * The AED REST API under one version root (`/api/aed/v2`, `/api/aed/v3`, and the `/api/aps/vN`
 * alias): countries, summary, protection groups, deny/allow lists, [SIM] alerts, and (v3) the
 * TAXII configuration routes.
 */
import type { Context, Handler, Hono } from 'hono'
import { param, route, type Method } from './routing.js'
import { COUNTRIES } from './countries.js'
import { AedError, aedJsonResponse, badField, notFound } from './json.js'
import { applyListQuery, listResponse, type Item, type ListSpec } from './listing.js'
import {
  GLOBAL,
  KIND_FIELD,
  KIND_WRAPPER,
  LIST_DEFS,
  LIST_FULL_CODE,
  LIST_FULL_STATUS,
  normalizeValue,
  type ListDef,
  type ListRules,
  type ListStore,
  type Scope,
} from './lists.js'
import { compareHosts } from './net.js'
import { mountRemoteSyslogRoutes } from './routes-remote-syslog.js'
import { SOFTWARE_VERSION } from './syslog/format.js'
import { Params } from './params.js'
import type { ProtectionGroup } from './protection-groups.js'
import type { AedState } from './state.js'
import { mountTaxiiConfigurationRoutes } from './taxii/routes-configuration.js'

export type ApiVersion = 'v2' | 'v3'

const noContent = (): Response => new Response(null, { status: 204 })

const pgidParam = (c: Context): number => Number(param(c, 'pgid'))

export interface RestOptions {
  state: AedState
  version: ApiVersion
  /** [SIM] Whether v3 also answers the v2 list names (unknown on real boxes; off by default). */
  v3AcceptsV2Names: boolean
  /** How strict the deny/allow lists are (STRICT_LIST_RULES by default). */
  lists: ListRules
  /** The appliance's name (`/summary/` `hostname`). */
  hostname: string
}

export function mountRestRoutes(app: Hono, base: string, options: RestOptions): void {
  const { state, version } = options
  const p = (path: string): string => `${base}/${path}`

  route(app, p('countries/'), {
    GET: async (c) => {
      const params = await Params.from(c)
      const items = [...COUNTRIES].map(([country, name]) => ({ country, name }))
      return listResponse(
        c,
        'countries',
        applyListQuery(items, params, { defaultSort: 'name', filters: ['country', 'name'] }),
      )
    },
  })
  route(app, p('countries/:country/'), {
    GET: (c) => {
      const code = param(c, 'country').toUpperCase()
      const name = COUNTRIES.get(code)
      if (name === undefined) throw notFound(param(c, 'country'))
      return aedJsonResponse({ country: code, name })
    },
  })

  route(app, p('summary/'), {
    // [SIM] Only `protectionLevel` is attested (docs/aed-api.md, "Summary"); the rest is small.
    GET: () =>
      aedJsonResponse({
        deploymentMode: 'inline',
        hostname: options.hostname,
        protectionGroups: state.protectionGroups.size,
        protectionLevel: state.protectionLevel,
        softwareVersion: SOFTWARE_VERSION,
      }),
  })

  mountProtectionGroups(app, p, state)
  for (const def of LIST_DEFS) {
    mountList(app, p, state, def, version === 'v2' ? 'v2' : 'v3', options.lists)
    if (version === 'v3' && options.v3AcceptsV2Names)
      mountList(app, p, state, def, 'v2', options.lists)
  }

  route(app, p('alerts/'), {
    GET: async (c) => {
      const params = await Params.from(c)
      return listResponse(c, 'alerts', state.alerts.query(params), !params.has('select'))
    },
  })
  route(app, p('alerts/:alertId{[0-9]+}/'), {
    GET: (c) => aedJsonResponse(state.alerts.require(Number(param(c, 'alertId')))),
  })

  mountRemoteSyslogRoutes(app, p, state)
  if (version === 'v3') mountTaxiiConfigurationRoutes(app, p, state)
}

function renderPg(group: ProtectionGroup, withCid = true): Item {
  if (withCid) return { ...group }
  const rest: Item = { ...group }
  delete rest.cid
  return rest
}

function mountProtectionGroups(app: Hono, p: (path: string) => string, state: AedState): void {
  const pgs = state.protectionGroups
  const spec: ListSpec = {
    defaultSort: 'pgid',
    filters: ['pgid', 'name', 'description', 'timeCreated', 'protectionLevel', 'serverType'],
  }
  /** PATCH one or several pgids; the response omits `cid`, as in the fixtures. */
  const patch = (params: Params, pgids: number[]): Response => {
    if (pgids.length === 0)
      throw badField('pgid', 'A pgid must be provided in order to update the protection group.')
    const groups = pgids.map((id) => pgs.require(id))
    for (const g of groups) pgs.update(g, params, state.now())
    const rendered = groups.map((g) => renderPg(g, false))
    return aedJsonResponse(rendered.length === 1 ? rendered[0] : { 'protection-groups': rendered })
  }

  route(app, p('protection-groups/'), {
    GET: async (c) => {
      const params = await Params.from(c)
      const active = params.bool('active')
      const items = pgs
        .all()
        .filter((g) => active === undefined || g.active === (active ? 1 : 0))
        .map((g) => renderPg(g))
      return listResponse(c, 'protection-groups', applyListQuery(items, params, spec))
    },
    POST: async (c) =>
      aedJsonResponse(renderPg(pgs.create(await Params.from(c), state.now())), 201),
    PATCH: async (c) => {
      const params = await Params.from(c)
      return patch(params, params.intList('pgid'))
    },
  })
  route(app, p('protection-groups/:pgid{[0-9]+}/'), {
    GET: (c) => aedJsonResponse(renderPg(pgs.require(pgidParam(c)))),
    PATCH: async (c) => patch(await Params.from(c), [pgidParam(c)]),
    DELETE: (c) => {
      pgs.delete(pgidParam(c))
      return noContent()
    },
  })
}

/** `cid` xor `pgid`, each a comma list; `-1` is global (docs/aed-api.md, "Inbound scope"). */
function scopesOf(params: Params, state: AedState): Scope[] | undefined {
  const cids = params.intList('cid')
  const pgids = params.intList('pgid')
  if (cids.length > 0 && pgids.length > 0) {
    throw new AedError(400, 'invalidField', 'cid and pgid cannot be combined.', 'cid')
  }
  if (cids.length === 0 && pgids.length === 0) return undefined
  const scopes: Scope[] = []
  for (const id of cids) scopes.push(id === -1 ? GLOBAL : { kind: 'cid', id })
  for (const id of pgids) {
    if (id !== -1 && state.protectionGroups.get(id) === undefined) {
      throw badField('pgid', `Protection group ${String(id)} does not exist.`)
    }
    scopes.push(id === -1 ? GLOBAL : { kind: 'pgid', id })
  }
  return scopes
}

function inScope(item: Item, scopes: readonly Scope[]): boolean {
  const cid = item.cid as number[]
  const pgid = item.pgid as number[]
  return scopes.some((s) =>
    s.kind === 'global'
      ? pgid.includes(-1)
      : s.kind === 'cid'
        ? cid.includes(s.id)
        : pgid.includes(s.id),
  )
}

/**
 * One description for every value, or a comma list (or array) mapped one to one (docs/aed-api.md,
 * "Adding and removing entries"); undefined when the request gives no `annotation` at all, so a
 * re-add keeps the stored one.
 */
function annotationsFor(params: Params, count: number): string[] | undefined {
  const raw = params.raw('annotation')
  if (raw === undefined || raw === null) return undefined
  const text = params.string('annotation') ?? ''
  if (count > 1 && text.includes(',')) {
    const parts = text.split(',').map((s) => s.trim())
    if (parts.length === count) return parts
  }
  return [text]
}

function valuesOf(params: Params, def: ListDef, rules?: ListRules): string[] {
  const field = KIND_FIELD[def.kind]
  // [SIM] SIM-AED-50: only hosts are ever sent as an array (XSOAR, FortiSOAR); domains and URLs
  // come as a comma string, in the query (XSOAR) or the JSON body (FortiSOAR).
  if (rules?.arrays === 'refuse' && def.kind !== 'host' && Array.isArray(params.raw(field)))
    throw badField(field, `"${field}" must be a comma-separated string, not an array.`)
  const raw = params.list(field)
  if (raw.length === 0) throw badField(field, `"${field}" must be provided.`)
  return [...new Set(raw.map((v) => normalizeValue(def.kind, v)))]
}

function mountList(
  app: Hono,
  p: (path: string) => string,
  state: AedState,
  def: ListDef,
  names: 'v2' | 'v3',
  rules: ListRules,
): void {
  const store: ListStore = state.list(def.id)
  const field = KIND_FIELD[def.kind]
  const key = names === 'v2' ? def.v2Key : def.v3Key
  const path = names === 'v2' ? def.v2Path : def.v3Path
  const spec: ListSpec = {
    defaultSort: field,
    filters: [field, 'updateTime'],
    ...(def.kind === 'host' ? { comparators: { hostAddress: compareHosts } } : {}),
  }
  const looseSpec: ListSpec = { ...spec, filters: ['updateTime'] }
  const inbound = def.direction === 'inbound'

  /** Add/replace response: outbound countries a bare array, else one object or a wrapper. */
  const written = (values: string[], status: number): Response => {
    const items = values.map((v) => store.render(v))
    if (def.direction === 'outbound' && def.kind === 'country')
      return aedJsonResponse(items, status)
    return aedJsonResponse(
      items.length === 1 ? items[0] : { [KIND_WRAPPER[def.kind]]: items },
      status,
    )
  }

  const handlers = (
    fixedPgid: ((c: Context) => number) | undefined,
  ): Partial<Record<Method, Handler>> => {
    const scopes = (c: Context, params: Params): Scope[] | undefined => {
      if (!inbound) return undefined
      if (fixedPgid === undefined) return scopesOf(params, state)
      const pgid = fixedPgid(c)
      state.protectionGroups.require(pgid)
      return [{ kind: 'pgid', id: pgid }]
    }
    /** POST adds, PUT replaces; both answer with what was written. */
    const write = async (
      c: Context,
      mode: 'add' | 'replace',
      status: number,
    ): Promise<Response> => {
      try {
        return await writeNamed(c, mode, status)
      } catch (error) {
        // [SIM] SIM-AED-51: a bare 400 says neither which field nor which value is at fault.
        if (rules.errors === 'bare' && error instanceof AedError && error.status === 400)
          throw new AedError(400, 'badRequest', 'The request could not be processed.')
        throw error
      }
    }
    const writeNamed = async (
      c: Context,
      mode: 'add' | 'replace',
      status: number,
    ): Promise<Response> => {
      const params = await Params.from(c)
      const values = valuesOf(params, def, rules)
      const scope = scopes(c, params) ?? [GLOBAL]
      // [SIM] SIM-AED-52: a real AED may refuse a value it holds already; nothing is written.
      if (mode === 'add' && rules.readds === 'refuse') {
        const held = values.find((v) => store.holds(v, scope))
        if (held !== undefined)
          throw new AedError(
            400,
            'duplicateEntry',
            `"${held}" is already in the ${key} list.`,
            field,
          )
      }
      const capacity = store.capacity
      if (capacity !== null) {
        const after = store.sizeAfter(mode, values, scope)
        if (after > capacity) {
          throw new AedError(
            LIST_FULL_STATUS,
            LIST_FULL_CODE,
            `The ${key} list holds at most ${String(capacity)} entries: ` +
              `it holds ${String(store.size)} and this request would make it ${String(after)}. ` +
              'Nothing was written.',
            field,
          )
        }
      }
      store[mode](values, annotationsFor(params, values.length), scope, state.now())
      return written(values, status)
    }
    const h: Partial<Record<Method, Handler>> = {
      GET: async (c) => {
        const params = await Params.from(c)
        const wanted = scopes(c, params)
        // A lookup by value reads those values only, not the whole list (a client checking 100
        // values of a 1M-entry list should not cost a 1M-entry render).
        const asked = params.list(field)
        const loose = asked.length > 0 && rules.filter === 'substring'
        let items = loose
          ? [...store.containing(asked.map((a) => (def.kind === 'url' ? a : a.toLowerCase())))].map(
              (v) => store.render(v) ?? {},
            )
          : asked.length > 0
            ? [...new Set(asked)].flatMap((v) => {
                let value: string
                try {
                  value = normalizeValue(def.kind, v)
                } catch {
                  return []
                }
                const item = store.render(value)
                return item === undefined ? [] : [item]
              })
            : store.renderAll()
        if (wanted !== undefined) items = items.filter((i) => inScope(i, wanted))
        // [SIM] SIM-AED-49: the loose filter has chosen already; the exact one would undo it.
        return listResponse(c, key, applyListQuery(items, params, loose ? looseSpec : spec))
      },
      POST: (c) => write(c, 'add', 201),
      DELETE: async (c) => {
        const params = await Params.from(c)
        store.remove(valuesOf(params, def), scopes(c, params))
        return noContent()
      },
    }
    if (def.kind === 'host') {
      h.PUT = (c) => write(c, 'replace', 200)
    }
    return h
  }

  route(app, p(`${path}/`), handlers(undefined))
  if (inbound && names === 'v3')
    route(app, p(`protection-groups/:pgid{[0-9]+}/${def.v3Key}/`), handlers(pgidParam))

  if (def.kind === 'url') return
  const item = (valueOf: (c: Context) => string): Partial<Record<Method, Handler>> => {
    const lookup = (c: Context): string => {
      const raw = valueOf(c)
      let value: string
      try {
        value = normalizeValue(def.kind, raw)
      } catch {
        throw notFound(raw)
      }
      if (store.render(value) === undefined) throw notFound(raw)
      return value
    }
    return {
      GET: (c) => aedJsonResponse(store.render(lookup(c))),
      DELETE: (c) => {
        store.remove([lookup(c)], undefined)
        return noContent()
      },
    }
  }
  route(
    app,
    p(`${path}/:value/`),
    item((c) => param(c, 'value')),
  )
  if (def.kind === 'host') {
    route(
      app,
      p(`${path}/:net/:mask{[0-9]+}/`),
      item((c) => `${param(c, 'net')}/${param(c, 'mask')}`),
    )
  }
}
