/**
 * Redirects, which undici's request() does not follow: the client follows them itself, within the
 * origin it was configured for only. Credentials travel in headers whose names vary by system
 * (ThreatQ's Authorization, AED's X-Arbux-APIToken), so no header list could strip them all on the
 * way to another host (undici's redirect interceptor strips only Authorization and cookies, and
 * fetch only Authorization); a redirect to another origin is refused with its target named.
 */

import { sameOrigin } from './origin.js'

/** One request as sent: a redirect may change each part. */
export interface Hop {
  url: string
  method: string
  headers: Record<string, string>
  body?: string | Buffer | undefined
}

export type RedirectStep =
  { kind: 'none' } | { kind: 'follow'; hop: Hop } | { kind: 'refuse'; reason: string }

/** fetch's limit. */
const MAX_REDIRECTS = 20

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/**
 * What to do with an answer to `hop`, the `count`th redirect so far: nothing (not a redirect, or one
 * without a Location, which the caller sees as it is), follow it, or refuse it.
 */
export function redirectStep(
  status: number,
  location: string | null,
  hop: Hop,
  count: number,
): RedirectStep {
  if (!REDIRECTS.has(status) || location === null) return { kind: 'none' }
  let target: URL
  try {
    target = new URL(location, hop.url)
  } catch {
    return { kind: 'refuse', reason: `redirected to ${location}, which is not a URL` }
  }
  const from = new URL(hop.url).origin
  if (!sameOrigin(target, hop.url)) {
    return {
      kind: 'refuse',
      reason: `redirected to ${target.origin}, another origin: not followed, so that credentials for ${from} are not sent there (configure the address it redirects to)`,
    }
  }
  if (count >= MAX_REDIRECTS) {
    return { kind: 'refuse', reason: `more than ${String(MAX_REDIRECTS)} redirects` }
  }
  target.hash = ''
  // As fetch: 303 turns anything but HEAD into GET; 301 and 302 turn POST into GET; the body goes.
  const toGet =
    (status === 303 && hop.method !== 'HEAD') || (status <= 302 && hop.method === 'POST')
  if (!toGet) return { kind: 'follow', hop: { ...hop, url: target.toString() } }
  const headers = Object.fromEntries(
    Object.entries(hop.headers).filter(([name]) => !name.toLowerCase().startsWith('content-')),
  )
  return { kind: 'follow', hop: { url: target.toString(), method: 'GET', headers } }
}
