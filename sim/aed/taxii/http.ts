/**
 * TAXII 2.0 / 2.1 server rules (docs/taxii.md, "Server rules", after the OASIS reference server
 * medallion): HTTP Basic, media types with their version (406/415), `max_content_length` (413), 2.0
 * item ranges (206/416) and 2.1 `limit`/`next` paging, and the TAXII error body.
 */
import type { Context } from 'hono'
import type { TaxiiVersion } from '../../../src/taxii/types.js'
import { MEDIA_TYPES } from '../../../src/taxii/types.js'
import type { TaxiiClient, TaxiiStore } from './store.js'

export class TaxiiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description)
  }
}

export function taxiiErrorResponse(error: TaxiiError, version: TaxiiVersion): Response {
  return new Response(
    JSON.stringify({
      title: error.title,
      description: error.message,
      http_status: String(error.status),
    }),
    {
      status: error.status,
      headers: { 'content-type': MEDIA_TYPES[version].taxii, ...error.headers },
    },
  )
}

/** [SIM] The realm in WWW-Authenticate. */
export const TAXII_REALM = 'AED TAXII'

export function authenticate(c: Context, store: TaxiiStore): TaxiiClient {
  const header = c.req.header('authorization') ?? ''
  const challenge = { 'www-authenticate': `Basic realm="${TAXII_REALM}"` }
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim())
  if (m === null)
    throw new TaxiiError(401, 'Unauthorized', 'HTTP Basic credentials are required.', challenge)
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const client =
    colon === -1 ? undefined : store.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1))
  if (client === undefined)
    throw new TaxiiError(401, 'Unauthorized', 'Invalid username or password.', challenge)
  return client
}

interface MediaRange {
  type: string
  params: Map<string, string>
}

function parseMedia(text: string): MediaRange {
  const [type = '', ...rest] = text.split(';').map((p) => p.trim())
  const params = new Map<string, string>()
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, ''),
      )
  }
  return { type: type.toLowerCase(), params }
}

const wanted = (mediaType: string): MediaRange => parseMedia(mediaType)

/** 406 unless some Accept entry names the media type *with* its version, as medallion requires. */
export function requireAccept(c: Context, mediaType: string): void {
  const want = wanted(mediaType)
  const header = c.req.header('accept') ?? ''
  const ok = header
    .split(',')
    .map(parseMedia)
    .some((m) => m.type === want.type && m.params.get('version') === want.params.get('version'))
  if (!ok) {
    throw new TaxiiError(406, 'Not Acceptable', `The Accept header must include "${mediaType}".`)
  }
}

/** 415 unless the body's Content-Type is the media type (the version may be left out). */
export function requireContentType(c: Context, mediaType: string): void {
  const want = wanted(mediaType)
  const got = parseMedia(c.req.header('content-type') ?? '')
  const version = got.params.get('version')
  if (got.type !== want.type || (version !== undefined && version !== want.params.get('version'))) {
    throw new TaxiiError(415, 'Unsupported Media Type', `The Content-Type must be "${mediaType}".`)
  }
}

const utf8 = new TextDecoder()

/** Reads the body, enforcing max_content_length (and medallion's 413 on an empty body). */
export async function readLimitedBody(c: Context, max: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? NaN)
  const tooLarge = (): TaxiiError =>
    new TaxiiError(
      413,
      'Request Entity Too Large',
      `The body exceeds max_content_length (${String(max)} bytes).`,
    )
  if (declared > max) throw tooLarge()
  let text: string
  let size: number
  if (Number.isSafeInteger(declared) && declared >= 0) {
    // Node's HTTP parser delivers exactly Content-Length bytes, so the text is decoded straight
    // from them, without the copy an ArrayBuffer costs (megabytes per request). A body longer
    // than declared (possible only without a socket) has at least as many bytes as characters.
    text = await c.req.text()
    size = Math.max(declared, text.length)
  } else {
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    text = utf8.decode(bytes)
    size = bytes.byteLength
  }
  if (size > max) throw tooLarge()
  if (size === 0) throw new TaxiiError(413, 'Request Entity Too Large', 'The body is empty.')
  return text
}

export interface Paged<T> {
  items: T[]
  status: 200 | 206
  headers: Record<string, string>
  more: boolean
  next?: string
}

/**
 * TAXII 2.0 paging: `Range: items=a-b` (inclusive) → 206 + `Content-Range: items a-b/total`; a
 * start past the end → 416 `items * /total`; no Range but more than the page size → 206 anyway.
 * taxii2-client retries a failed Range as `items a-b`, so that spelling is accepted too.
 */
export function pageByRange<T>(c: Context, all: readonly T[], maxPageSize: number): Paged<T> {
  const header = c.req.header('range')
  const total = all.length
  if (header === undefined) {
    if (total <= maxPageSize) return { items: all.slice(), status: 200, headers: {}, more: false }
    return {
      items: all.slice(0, maxPageSize),
      status: 206,
      headers: {
        'content-range': `items 0-${String(maxPageSize - 1)}/${String(total)}`,
        'accept-ranges': 'items',
      },
      more: true,
    }
  }
  const m = /^items[= ](\d+)-(\d+)$/.exec(header.trim())
  if (m === null) throw new TaxiiError(400, 'Bad Request', `Malformed Range header "${header}".`)
  const start = Number(m[1])
  const last = Number(m[2])
  if (last < start) throw new TaxiiError(400, 'Bad Request', `Malformed Range header "${header}".`)
  if (start >= total) {
    throw new TaxiiError(
      416,
      'Requested Range Not Satisfiable',
      `Range starts past the ${String(total)} items.`,
      {
        'content-range': `items */${String(total)}`,
      },
    )
  }
  const end = Math.min(last, start + maxPageSize - 1, total - 1)
  return {
    items: all.slice(start, end + 1),
    status: 206,
    headers: {
      'content-range': `items ${String(start)}-${String(end)}/${String(total)}`,
      'accept-ranges': 'items',
    },
    more: end + 1 < total,
  }
}

/** TAXII 2.1 paging: `limit` (capped at the page size) and an opaque `next` token. */
export function pageByLimit<T>(c: Context, all: readonly T[], maxPageSize: number): Paged<T> {
  const limitText = c.req.query('limit')
  let limit = maxPageSize
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText) || Number(limitText) <= 0) {
      throw new TaxiiError(400, 'Bad Request', '"limit" must be a positive integer.')
    }
    limit = Math.min(Number(limitText), maxPageSize)
  }
  const nextText = c.req.query('next')
  let start = 0
  if (nextText !== undefined) {
    const decoded = Buffer.from(nextText, 'base64url').toString('utf8')
    if (!/^\d+$/.test(decoded))
      throw new TaxiiError(400, 'Bad Request', `Unknown "next" token "${nextText}".`)
    start = Number(decoded)
  }
  const items = all.slice(start, start + limit)
  const more = start + limit < all.length
  return {
    items,
    status: 200,
    headers: {},
    more,
    ...(more ? { next: Buffer.from(String(start + limit)).toString('base64url') } : {}),
  }
}
