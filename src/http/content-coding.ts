/**
 * Compressed answers. undici's request() neither asks for nor decodes them (fetch did both); a real
 * ThreatQ or AED across a WAN may gzip megabyte pages, so the client asks for the codings fetch
 * asked for and decodes them here.
 */
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { Dispatcher } from 'undici'

export const ACCEPT_ENCODING = 'gzip, deflate, br'

/** As fetch (and curl): lenient flushing, so a slightly truncated stream still decodes. */
const ZLIB = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }
const BROTLI = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
}
const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)
const inflateRaw = promisify(zlib.inflateRaw)
const brotli = promisify(zlib.brotliDecompress)

const DECODERS: ReadonlyMap<string, (data: Buffer) => Promise<Buffer>> = new Map([
  ['gzip', (data: Buffer) => gunzip(data, ZLIB)],
  ['x-gzip', (data: Buffer) => gunzip(data, ZLIB)],
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate (fetch accepts both).
  [
    'deflate',
    (data: Buffer) =>
      ((data[0] ?? 0) & 0x0f) === 0x08 ? inflate(data, ZLIB) : inflateRaw(data, ZLIB),
  ],
  ['br', (data: Buffer) => brotli(data, BROTLI)],
])

/** More codings than this is an attack on the decoder, not a real answer (fetch's limit too). */
const MAX_CODINGS = 5

const utf8 = new TextDecoder()

/** The body as UTF-8 text (a BOM dropped, as fetch's text() did), its Content-Encoding undone. */
export async function bodyText(
  body: Pick<Dispatcher.ResponseData['body'], 'text' | 'arrayBuffer'>,
  contentEncoding: string | null,
): Promise<string> {
  if (contentEncoding === null) return body.text()
  return utf8.decode(await decodeContent(Buffer.from(await body.arrayBuffer()), contentEncoding))
}

/**
 * The body as sent before its Content-Encoding (codings undone last to first); a coding we do not
 * know leaves the body as it arrived, as fetch did.
 */
export async function decodeContent(data: Buffer, contentEncoding: string): Promise<Buffer> {
  const codings = contentEncoding.toLowerCase().split(',')
  if (codings.length > MAX_CODINGS) {
    throw new Error(`too many content codings in the answer (${String(codings.length)})`)
  }
  const decoders = []
  for (const coding of codings.reverse()) {
    const name = coding.trim()
    if (name === '' || name === 'identity') continue
    const decoder = DECODERS.get(name)
    if (decoder === undefined) return data
    decoders.push(decoder)
  }
  let decoded = data
  // An empty body (HEAD, 204) has nothing to decode, whatever its header says.
  if (decoded.length === 0) return decoded
  for (const decode of decoders) decoded = await decode(decoded)
  return decoded
}
