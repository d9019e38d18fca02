/**
 * Splits a stream of STIX objects into add-objects request bodies that each respect the API root's
 * `max_content_length` (UTF-8 bytes, measured exactly) and an object count, holding one batch at a
 * time. An object too large to travel alone is reported, never sent.
 */
import { randomUUID } from 'node:crypto'
import type { StixObject } from '../stix/types.js'
import type { TaxiiVersion } from './types.js'

/** The identity of a sent object, as status resources report it. */
export interface ObjectRef {
  id: string
  version?: string
}

export interface Batch {
  kind: 'batch'
  /** The request body as text (a dry run's record of it). */
  readonly body: string
  /** The same body as the UTF-8 bytes that are sent. */
  readonly payload: Buffer
  /** Exact UTF-8 length of `body`. */
  bytes: number
  objects: ObjectRef[]
}

export interface Oversized {
  kind: 'oversized'
  object: ObjectRef
  message: string
}

export interface BatchLimits {
  version: TaxiiVersion
  maxBytes: number
  maxObjects: number
}

/** 2.0 wraps objects in a STIX bundle, 2.1 in a TAXII envelope. */
function wrapper(version: TaxiiVersion): { head: string; tail: string } {
  if (version === '2.1') return { head: '{"objects":[', tail: ']}' }
  // Bundle ids are all the same length, so every 2.0 wrapper has the same size.
  return {
    head: `{"type":"bundle","id":"bundle--${randomUUID()}","spec_version":"2.0","objects":[`,
    tail: ']}',
  }
}

const isChunk = (item: StixObject | readonly StixObject[]): item is readonly StixObject[] =>
  Array.isArray(item)

export function refOf(object: StixObject): ObjectRef {
  const version = object.modified ?? object.created
  return typeof version === 'string' ? { id: object.id, version } : { id: object.id }
}

/**
 * What an export sends: objects one by one (tests, small sends) or, from a stream, in arrays (the
 * export yields one per page: an async step per object costs more than the object's conversion).
 */
export type StixSource = Iterable<StixObject> | AsyncIterable<StixObject | readonly StixObject[]>

/**
 * The body of the batch being filled, as bytes: each object's JSON is copied in as it comes, so
 * it dies young instead of waiting in the heap with thousands of others for the batch to close
 * (at a million indicators, their garbage set the pace of full collections: docs/performance.md).
 */
class BodyBuilder {
  private buffer = Buffer.allocUnsafe(64 * 1024)
  private used = 0

  append(text: string, bytes: number): void {
    if (this.used + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + bytes))
      this.buffer.copy(grown, 0, 0, this.used)
      this.buffer = grown
    }
    this.used += this.buffer.write(text, this.used)
  }

  /** The bytes so far, in a buffer of their own; the builder starts again, empty. */
  take(): Buffer {
    const bytes = Buffer.from(this.buffer.subarray(0, this.used))
    this.used = 0
    return bytes
  }
}

/**
 * A batch whose text is made from its bytes only when asked (a dry run). The bytes are behind
 * getters, not own properties: a copy or comparison of a batch is of what it says, not of them.
 */
class BytesBatch implements Batch {
  readonly kind = 'batch'
  readonly bytes: number
  readonly #payload: Buffer

  constructor(
    payload: Buffer,
    readonly objects: ObjectRef[],
  ) {
    this.#payload = payload
    this.bytes = payload.length
  }

  get payload(): Buffer {
    return this.#payload
  }

  get body(): string {
    return this.#payload.toString('utf8')
  }
}

export async function* splitIntoBatches(
  source: StixSource,
  limits: BatchLimits,
): AsyncGenerator<Batch | Oversized> {
  let { head, tail } = wrapper(limits.version)
  const headBytes = Buffer.byteLength(head)
  const tailBytes = Buffer.byteLength(tail)
  const overhead = headBytes + tailBytes
  const body = new BodyBuilder()
  let refs: ObjectRef[] = []
  let bytes = overhead

  const flush = (): Batch => {
    body.append(tail, tailBytes)
    const batch = new BytesBatch(body.take(), refs)
    ;({ head, tail } = wrapper(limits.version))
    refs = []
    bytes = overhead
    return batch
  }

  for await (const item of source) {
    const objects: readonly StixObject[] = isChunk(item) ? item : [item]
    for (const object of objects) {
      const json = JSON.stringify(object)
      const size = Buffer.byteLength(json)
      if (overhead + size > limits.maxBytes) {
        yield {
          kind: 'oversized',
          object: refOf(object),
          message: `not sent: the object is ${String(size)} bytes, so a request carrying it alone would be ${String(overhead + size)} bytes, over the API root's max_content_length of ${String(limits.maxBytes)}`,
        }
        continue
      }
      const added = size + (refs.length === 0 ? 0 : 1)
      if (refs.length > 0 && (bytes + added > limits.maxBytes || refs.length >= limits.maxObjects))
        yield flush()
      if (refs.length === 0) body.append(head, headBytes)
      else body.append(',', 1)
      body.append(json, size)
      bytes += size + (refs.length === 0 ? 0 : 1)
      refs.push(refOf(object))
    }
  }
  if (refs.length > 0) yield flush()
}
