/** Shared helpers for the edm-sim tests (no sockets: `sim.app.request`). */
import type { AedSim } from '../aed/app.js'
import { createEdmSim, EDM_DEFAULTS, type EdmSim, type EdmSimOptions } from './app.js'
import { feedOf, type AedFeed } from './feed.js'

export const EDM_TOKEN = EDM_DEFAULTS.token
/** 2026-01-15T12:00:00Z, as the aed-sim tests. */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0)

export function newEdm(options: EdmSimOptions = {}): EdmSim {
  return createEdmSim({ now: () => NOW_MS, ...options })
}

/** An in-process aed-sim as a managed AED. */
export function feedFromAed(aed: AedSim, key: string, hostIp: string): AedFeed {
  return feedOf(key, hostIp, async (path) => aed.app.request(path))
}

export interface Hits {
  status: number
  body: {
    message?: string
    errors?: Record<string, string>
    data?: {
      hits: Record<string, unknown>[]
      totalSize: number
      currSize: number
      threatDescriptions: Record<string, string>
    }
  }
}

/** `GET /api/v1/alerts/threats?<query>` with the new header (or the given headers). */
export async function threats(
  edm: EdmSim,
  query = '',
  headers: Record<string, string> = { 'X-Arbux-APIToken': EDM_TOKEN },
): Promise<Hits> {
  const res = await edm.app.request(`/api/v1/alerts/threats${query === '' ? '' : `?${query}`}`, {
    headers,
  })
  return { status: res.status, body: (await res.json()) as Hits['body'] }
}

export async function edmAdmin(edm: EdmSim, path: string, body: unknown): Promise<unknown> {
  const res = await edm.app.request(path, { method: 'POST', body: JSON.stringify(body) })
  if (res.status >= 300) throw new Error(`${path}: ${String(res.status)} ${await res.text()}`)
  return res.json()
}
