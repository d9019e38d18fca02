/**
 * Connector (incoming feed) records (docs/threatq-api.md, "Connector records"): creation, updates
 * and the response shape, shared by `/api/connectors` (routes-connectors.ts) and the admin
 * surface's UI stand-in.
 *
 * [I] `POST /api/connectors` is unverified (REST convention). [SIM] `custom_fields` is a flat
 * object of UI option key → value (the option keys: README.md, "Options"); PUT merges it key by
 * key.
 */
import { validationError } from './errors.js'
import { truthy } from './http.js'
import { isObject, readStatus, readTlp, text, type Json } from './ingest.js'
import { parseWith } from './present.js'
import type { ConnectorRec, Store } from './store.js'
import { formatTq, formatTqOrNull, parseTq } from './time.js'
import { collectionDef, tlpFromId } from './vocab.js'

/** [SIM] The category custom connectors are filed under ("ThreatQ Labs" tab of Incoming Feeds). */
export const LABS_CATEGORY = { id: 3, name: 'ThreatQ Labs' }

export function presentConnector(c: ConnectorRec, withSpec?: string): Json {
  const tree = parseWith(withSpec)
  const out: Json = {
    id: c.id,
    name: c.name,
    namespace: c.namespace,
    custom_fields: c.customFields,
    frequency: c.frequency,
    category_id: c.categoryId,
    indicator_status_id: c.indicatorStatusId,
    tlp_id: c.tlpId,
    gate_oauth2_client_id: null,
    last_import_at: formatTqOrNull(c.lastImportAt),
    last_import_count: c.lastImportCount,
    is_active: c.isActive,
    created_at: formatTq(c.createdAt),
    updated_at: formatTq(c.updatedAt),
  }
  if (tree.has('category'))
    out.category = c.categoryId === LABS_CATEGORY.id ? { ...LABS_CATEGORY } : null
  if (tree.has('tlp')) {
    const tlp = c.tlpId === null ? undefined : tlpFromId(c.tlpId)
    out.tlp = tlp === undefined ? null : { id: tlp.id, name: tlp.name }
  }
  return out
}

export function createConnector(store: Store, name: string): ConnectorRec {
  const now = store.now()
  const record: ConnectorRec = {
    id: ++store.seq.connector,
    name,
    namespace: null,
    customFields: {},
    frequency: null,
    categoryId: LABS_CATEGORY.id,
    indicatorStatusId: null,
    tlpId: null,
    isActive: false,
    lastImportAt: null,
    lastImportCount: null,
    createdAt: now,
    updatedAt: now,
  }
  store.connectors.push(record)
  store.changed()
  return record
}

/** Applies a create/update body; unknown keys are ignored like a permissive real API. */
export function updateConnector(store: Store, record: ConnectorRec, body: Json): void {
  if (body.name !== undefined) {
    if (typeof body.name !== 'string' || body.name === '')
      throw validationError('name', 'The name field is required.')
    record.name = body.name
  }
  if (body.namespace !== undefined)
    record.namespace = body.namespace === null ? null : (text(body.namespace) ?? '')
  if (body.frequency !== undefined)
    record.frequency = body.frequency === null ? null : (text(body.frequency) ?? '')
  if (body.category_id !== undefined)
    record.categoryId = body.category_id === null ? null : Number(body.category_id)
  if (body.custom_fields !== undefined) {
    if (!isObject(body.custom_fields))
      throw validationError('custom_fields', 'The custom fields must be an object.')
    record.customFields = { ...record.customFields, ...body.custom_fields }
  }
  if (body.is_active !== undefined) record.isActive = truthy(body.is_active)
  if (body.indicator_status_id !== undefined || body.indicator_status !== undefined) {
    const def = collectionDef('indicators')
    record.indicatorStatusId =
      body.indicator_status_id === null || def === undefined
        ? null
        : (readStatus(store, def, {
            status_id: body.indicator_status_id,
            status: body.indicator_status,
          }) ?? null)
  }
  if (body.tlp_id !== undefined || body.tlp !== undefined)
    record.tlpId = readTlp(body.tlp_id ?? body.tlp, 'tlp_id') ?? null
  if (body.last_import_at !== undefined) {
    if (body.last_import_at === null) record.lastImportAt = null
    else {
      const t =
        typeof body.last_import_at === 'string'
          ? parseTq(body.last_import_at, store.now())
          : undefined
      if (t === undefined)
        throw validationError('last_import_at', 'The last import at is not a valid date.')
      record.lastImportAt = t
    }
  }
  if (body.last_import_count !== undefined) {
    const n = Number(body.last_import_count)
    if (!Number.isInteger(n) || n < 0)
      throw validationError('last_import_count', 'The last import count must be an integer.')
    record.lastImportCount = n
  }
  record.updatedAt = store.now()
  store.changed()
}
