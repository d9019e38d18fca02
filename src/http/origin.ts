/**
 * The origin rule, the one place it lives: a URL a server hands us (a redirect's Location, a
 * discovery document's API roots, a link) is requested only on the origin the client was
 * configured for. Credentials travel in headers whose names vary by system, so they would follow
 * any URL we request; refusing other origins is the only way they stay where the operator sent them.
 */

/**
 * The normalised origin (scheme, host, port) of an absolute URL: WHATWG parsing lower-cases the
 * scheme and host, drops a default port, brackets and compresses IPv6, and decodes IPv4 spellings
 * (`0x7f.1` is 127.0.0.1). Undefined if it is no URL.
 */
export function originOf(url: string | URL): string | undefined {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/** Whether two absolute URLs share scheme, host and port; an unparseable one never does. */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  const origin = originOf(a)
  return origin !== undefined && origin !== 'null' && origin === originOf(b)
}
