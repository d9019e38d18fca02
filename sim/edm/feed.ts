/**
 * How the EDM stand-in learns about blocked traffic on the AEDs it manages: it reads each
 * aed-sim's journal (`GET /_sim/blocks?after=<seq>`) before answering a query, so traffic posted
 * to an aed-sim is in EDM's next answer (docs/sim-edm.md).
 */
import { isIP } from 'node:net'
import { Agent, fetch } from 'undici'
import type { Block } from '../aed/blocks.js'
import { SIM_TLS_CERT } from '../common/tls.js'

export interface BlocksPage {
  hostname: string
  lastSeq: number
  blocks: Block[]
}

export interface AedFeed {
  /** Tells this AED's records apart from another's (its URL). */
  key: string
  /** The AED's address as EDM reports it (`hostIp`). */
  hostIp: string
  read(after: number, limit: number): Promise<BlocksPage>
}

/** What a feed reads of an HTTP answer (a fetch Response, or hono's in-process one). */
export interface Answer {
  ok: boolean
  status: number
  json(): Promise<unknown>
}

/** Something that answers HTTP requests: an aed-sim's hono app in-process, or `fetch`. */
export type RequestFn = (path: string) => Promise<Answer>

export function feedOf(key: string, hostIp: string, request: RequestFn): AedFeed {
  return {
    key,
    hostIp,
    async read(after, limit) {
      const res = await request(`/_sim/blocks?after=${String(after)}&limit=${String(limit)}`)
      if (!res.ok) throw new Error(`${key}: /_sim/blocks answered ${String(res.status)}`)
      return (await res.json()) as BlocksPage
    },
  }
}

/** An aed-sim over HTTP(S); `hostIp` is the URL's address (127.0.0.1 for a name). */
export function httpFeed(url: string): AedFeed {
  const base = url.replace(/\/+$/, '')
  const host = new URL(base).hostname.replace(/^\[|\]$/g, '')
  const dispatcher = new Agent({ connect: { ca: SIM_TLS_CERT } })
  return feedOf(base, isIP(host) === 0 ? '127.0.0.1' : host, (path) =>
    fetch(`${base}${path}`, { dispatcher }),
  )
}
