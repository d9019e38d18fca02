/**
 * Vocabulary and directory endpoints (docs/threatq-api.md, "Vocabularies and metadata"):
 * `/api/objects`, indicator types and statuses, event types (listing and adding), sources, tags and
 * the current user.
 */
import { notFound, validationError } from './errors.js'
import { idParam, pagedList, readJson } from './http.js'
import { isObject, readTlp, type Json } from './ingest.js'
import type { SimApp, SimCore } from './core.js'
import type { NamedRec, SourceRec, StatusRec, TypeRec } from './store.js'
import { stringMatcher } from './query.js'
import { formatTq } from './time.js'
import { COLLECTIONS, tlpFromId } from './vocab.js'

function typeJson(t: TypeRec): Json {
  const at = formatTq(t.createdAt)
  return {
    id: t.id,
    name: t.name,
    ...(t.class === null
      ? { user_editable: t.userEditable ? 'Y' : 'N' }
      : { class: t.class, score: null, wildcard_matching: 'Y' }),
    created_at: at,
    updated_at: at,
  }
}

function statusJson(s: StatusRec): Json {
  const at = formatTq(s.createdAt)
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    user_editable: 'N',
    visible: 'Y',
    include_in_export: s.name === 'Active' ? 'Y' : 'N',
    protected: 'Y',
    created_at: at,
    updated_at: at,
  }
}

function sourceJson(s: SourceRec): Json {
  const tlp = s.defaultTlpId === null ? undefined : tlpFromId(s.defaultTlpId)
  return {
    id: s.id,
    name: s.name,
    source_type: s.sourceType,
    reference_id: s.referenceId,
    tlp_id: s.defaultTlpId,
    tlp: tlp === undefined ? null : { id: tlp.id, name: tlp.name },
    created_at: formatTq(s.createdAt),
  }
}

function found<T>(value: T | undefined): T {
  if (value === undefined) throw notFound()
  return value
}

/** `?name=` (with `%` wildcards) over a vocabulary list. */
function byName<T extends NamedRec>(items: readonly T[], name: string | undefined): readonly T[] {
  if (name === undefined) return items
  const test = stringMatcher(name)
  return items.filter((i) => test(i.name))
}

export function mountMetaRoutes(app: SimApp, sim: SimCore): void {
  app.get('/api/objects', (c) =>
    c.json({
      data: COLLECTIONS.map((def) => ({
        name: def.name,
        display_name: def.displayName,
        display_name_plural: def.displayNamePlural,
        collection: def.collection,
        types: sim.store.types(def.collection).map((t) => ({ id: t.id, name: t.name })),
        statuses: sim.store
          .statuses(def.collection)
          .map((s) => ({ id: s.id, name: s.name, description: s.description })),
      })),
    }),
  )

  app.get('/api/indicator/types', (c) =>
    c.json(pagedList(c, byName(sim.store.indicatorTypes, c.req.query('name')), typeJson)),
  )
  app.get('/api/indicator/types/:id', (c) =>
    c.json({ data: typeJson(found(sim.store.typeById('indicators', idParam(c)))) }),
  )
  app.get('/api/indicator/statuses', (c) =>
    c.json(pagedList(c, byName(sim.store.indicatorStatuses, c.req.query('name')), statusJson)),
  )
  app.get('/api/indicator/statuses/:id', (c) =>
    c.json({ data: statusJson(found(sim.store.statusById('indicators', idParam(c)))) }),
  )
  app.get('/api/event/types', (c) =>
    c.json(pagedList(c, byName(sim.store.eventTypes, c.req.query('name')), typeJson)),
  )
  app.get('/api/event/types/:id', (c) =>
    c.json({ data: typeJson(found(sim.store.typeById('events', idParam(c)))) }),
  )
  app.post('/api/event/types', async (c) => {
    const body = await readJson(c)
    const name = isObject(body) && typeof body.name === 'string' ? body.name.trim() : ''
    if (name === '') throw validationError('name', 'The name field is required.')
    if (sim.store.typeByName('events', name) !== undefined) {
      throw validationError('name', 'The name has already been taken.')
    }
    return c.json({ data: typeJson(sim.store.addEventType(name)) }, 201)
  })

  app.get('/api/sources', (c) =>
    c.json(pagedList(c, byName(sim.store.sources, c.req.query('name')), sourceJson)),
  )
  app.get('/api/sources/:id', (c) =>
    c.json({ data: sourceJson(found(sim.store.sourceById(idParam(c)))) }),
  )
  // [SIM] The admin-set default TLP of a source (where real servers expose it is unknown).
  app.put('/api/sources/:id', async (c) => {
    const s = found(sim.store.sourceById(idParam(c)))
    const body = await readJson(c)
    if (!isObject(body)) throw validationError('tlp_id', 'The body must be an object.')
    s.defaultTlpId = readTlp(body.tlp_id ?? body.tlp, 'tlp_id') ?? null
    sim.store.changed()
    return c.json({ data: sourceJson(s) })
  })

  app.get('/api/tags', (c) =>
    c.json(pagedList(c, byName(sim.store.tags.items, c.req.query('name')), (t) => ({ ...t }))),
  )

  app.get('/api/users/current', (c) => {
    const subject = c.get('subject')
    const source = sim.store.findSource(subject.name)
    return c.json({
      data: { email: subject.name, source: source === undefined ? null : sourceJson(source) },
    })
  })
}
