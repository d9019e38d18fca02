/** Shared helpers for the aed-sim handler tests (no sockets: `sim.app.request`). */
import assert from 'node:assert/strict'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES } from '../../src/taxii/types.js'
import { scalarText } from './json.js'
import { createAedSim, DEFAULTS, type AedSim, type AedSimOptions } from './app.js'
import { collectionIdFor } from './taxii/store.js'

export const TOKEN = DEFAULTS.token
/** 2026-01-15T12:00:00Z: tests pin the clock. */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0)
export const NOW = NOW_MS / 1000

export function newSim(options: AedSimOptions = {}): AedSim {
  return createAedSim({ now: () => NOW_MS, ...options })
}

export interface Reply {
  status: number
  headers: Headers
  text: string
  /** Parsed body (undefined when empty or not JSON). */
  body: unknown
}

export interface CallOptions {
  body?: unknown
  headers?: Record<string, string>
  token?: string | null
}

/** A REST call with the API token (unless `token: null`). */
export async function call(
  sim: AedSim,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? TOKEN : options.token
  if (token !== null) headers['X-Arbux-APIToken'] = token
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await sim.app.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: res.status, headers: res.headers, text, body: parsed }
}

/** Narrowing for test assertions on JSON bodies. */
export const obj = (value: unknown): Record<string, unknown> => value as Record<string, unknown>
export const arr = (value: unknown): Record<string, unknown>[] => value as Record<string, unknown>[]

/** Items keyed by one of their fields. */
export function indexBy(
  items: Record<string, unknown>[],
  key: string,
): Record<string, Record<string, unknown> | undefined> {
  const out: Record<string, Record<string, unknown> | undefined> = {}
  for (const item of items) out[scalarText(item[key])] = item
  return out
}

/** Creates a protection group through the REST API; returns its pgid. */
export async function createPg(sim: AedSim, body: Record<string, unknown>): Promise<number> {
  const res = await call(sim, 'POST', '/api/aed/v3/protection-groups/', { body })
  if (res.status !== 201) throw new Error(`protection group not created: ${res.text}`)
  return obj(res.body).pgid as number
}

/** An admin (`/_sim/`) call that must succeed; its JSON answer. */
export async function admin(
  sim: AedSim,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await sim.app.request(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  assert.ok(res.status < 300, `${method} ${path}: ${String(res.status)}`)
  return obj(await res.json())
}

/** Pushes STIX 2.0 indicators with these patterns to the default collection over TAXII. */
export async function pushIndicators(
  sim: AedSim,
  patterns: string[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const objects = patterns.map((pattern) => ({
    type: 'indicator',
    id: `indicator--${uuidv4()}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    labels: ['malicious-activity'],
    name: 'Bad thing',
    pattern,
    valid_from: '2026-01-01T00:00:00Z',
    ...extra,
  }))
  const res = await sim.app.request(
    `/taxii/aed/collections/${collectionIdFor(DEFAULTS.collection)}/objects/`,
    {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEFAULTS.taxiiUser}:${DEFAULTS.taxiiPassword}`).toString('base64')}`,
        accept: MEDIA_TYPES['2.0'].taxii,
        'content-type': MEDIA_TYPES['2.0'].stix,
      },
      body: JSON.stringify({
        type: 'bundle',
        id: `bundle--${uuidv4()}`,
        spec_version: '2.0',
        objects,
      }),
    },
  )
  assert.equal(res.status, 202)
}
