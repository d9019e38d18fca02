/**
 * The form in which `never_block` URL prefixes and URL values are compared: what a
 * server would take as the same resource, so that no spelling of a protected URL escapes its entry.
 */

const UNRESERVED = /^[A-Za-z0-9._~-]$/

/** `%41` → `A`; other escapes keep their meaning (a `%2F` is not a `/`). */
const decodeUnreserved = (escape: string, hex: string): string => {
  const char = String.fromCharCode(parseInt(hex, 16))
  return UNRESERVED.test(char) ? char : escape
}

export interface UrlKey {
  /** ASCII, lower case, no trailing dot; an IPv6 literal keeps its brackets. */
  host: string
  /** Path and query, compared as a prefix. */
  path: string
}

/**
 * WHATWG parsing does most of it: default port dropped, dot segments (also `%2e`) resolved, host
 * case and IDN folded, `\` read as `/`. On top of it: userinfo, fragment, scheme and port are left
 * out (AED lists hold URLs without scheme, and another port or scheme of a protected path is still
 * the protected service: refusing it is the safe side); unreserved escapes decoded, repeated
 * slashes collapsed and the path case-folded, as many servers treat them alike.
 */
export function urlKey(text: string): UrlKey | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.hostname === '') return undefined
  const path = `${url.pathname}${url.search}`
    .replace(/%([0-9A-Fa-f]{2})/g, decodeUnreserved)
    .replace(/\/{2,}/g, '/')
    .toLowerCase()
  return { host: url.hostname.replace(/\.$/, ''), path }
}
