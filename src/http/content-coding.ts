/**
 * Compressed answers. undici's request() neither asks for nor decodes them (fetch did both); a real
 * ThreatQ or AED across a WAN may gzip megabyte pages, so the client asks for the codings fetch
 * asked for and decodes them here.
 */
import { promisify } from 'node:util'
import zlib from 'node:zlib'

export const ACCEPT_ENCODING = 'gzip, deflate, br'

/** As fetch (and curl): lenient flushing, so a slightly truncated stream still decodes. */
const ZLIB = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }
const BROTLI = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
}
/**
 * Bounds on one answer. A page is read whole (the clients parse it as one JSON document), so
 * without them a 2 MB gzip bomb, or an endless body, takes the process down with V8's fatal
 * out-of-memory error before any timeout fires.
 */
export interface BodyLimits {
  /** Most bytes read from the socket. */
  wireBytes: number
  /** Most bytes after the content codings are undone (each stage stops there: maxOutputLength). */
  decodedBytes: number
}

/** Past a limit: the body stops being read at once. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
  constructor(
    readonly which: 'wire' | 'decoded',
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(
      `the answer is larger than ${String(limit)} bytes ${which === 'wire' ? 'on the wire' : 'decoded'}`,
      options,
    )
  }
}

type Decoder = (data: Buffer, maxOutputLength: number) => Promise<Buffer>

const gunzip = promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.gunzip)
const inflate = promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.inflate)
const inflateRaw = promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.inflateRaw)
const brotli = promisify<Buffer, zlib.BrotliOptions, Buffer>(zlib.brotliDecompress)

const DECODERS: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['gzip', (data, maxOutputLength) => gunzip(data, { ...ZLIB, maxOutputLength })],
  ['x-gzip', (data, maxOutputLength) => gunzip(data, { ...ZLIB, maxOutputLength })],
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate (fetch accepts both).
  [
    'deflate',
    (data, maxOutputLength) =>
      ((data[0] ?? 0) & 0x0f) === 0x08
        ? inflate(data, { ...ZLIB, maxOutputLength })
        : inflateRaw(data, { ...ZLIB, maxOutputLength }),
  ],
  ['br', (data, maxOutputLength) => brotli(data, { ...BROTLI, maxOutputLength })],
])

/** More codings than this is an attack on the decoder, not a real answer (fetch's limit too). */
const MAX_CODINGS = 5

type Body = AsyncIterable<Buffer | Uint8Array> & { destroy?(error?: Error): unknown }

/**
 * The body's bytes, its Content-Encoding undone, within `limits`: a Content-Length past the wire
 * limit fails before reading, a body that grows past it fails as it does, and decoding stops at
 * the decoded limit.
 */
export async function bodyBytes(
  body: Body,
  contentEncoding: string | null,
  limits: BodyLimits,
  contentLength?: string | null,
): Promise<Buffer> {
  const declared = contentLength == null ? NaN : Number(contentLength)
  if (declared > limits.wireBytes) {
    body.destroy?.()
    throw new BodyTooLargeError('wire', limits.wireBytes)
  }
  const wire = await readAll(body, limits.wireBytes)
  if (contentEncoding === null) {
    if (wire.length > limits.decodedBytes)
      throw new BodyTooLargeError('decoded', limits.decodedBytes)
    return wire
  }
  return decodeContent(wire, contentEncoding, limits.decodedBytes)
}

const lenient = new TextDecoder()
const strict = new TextDecoder('utf-8', { fatal: true })

/**
 * The bytes as UTF-8 text, a BOM dropped (as fetch's text() did). `strict`: undefined when they
 * are not valid UTF-8, instead of U+FFFD in place of each bad sequence: an answer we act on must
 * not turn a value into another one (two values differing in their bad bytes into the same one).
 */
export function utf8Text(bytes: Buffer, mode: 'strict' | 'lenient'): string | undefined {
  if (mode === 'lenient') return lenient.decode(bytes)
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}

/** Reads the stream to its end, counting: past `limit` bytes it is destroyed and the read fails. */
async function readAll(body: Body, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of body) {
    length += chunk.length
    if (length > limit) {
      body.destroy?.()
      throw new BodyTooLargeError('wire', limit)
    }
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  }
  return Buffer.concat(chunks, length)
}

/**
 * The body as sent before its Content-Encoding (codings undone last to first, each stage stopped
 * at `maxBytes`); a coding we do not know leaves the body as it arrived, as fetch did.
 */
async function decodeContent(
  data: Buffer,
  contentEncoding: string,
  maxBytes: number,
): Promise<Buffer> {
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
  for (const decode of decoders) {
    try {
      decoded = await decode(decoded, maxBytes)
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new BodyTooLargeError('decoded', maxBytes, { cause: error })
      throw error
    }
  }
  if (decoded.length > maxBytes) throw new BodyTooLargeError('decoded', maxBytes)
  return decoded
}
