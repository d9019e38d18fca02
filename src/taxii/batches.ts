/**
 * Splits a stream of STIX objects into add-objects request bodies that each respect the API root's
 * `max_content_length` (UTF-8 bytes, measured exactly) and an object count, holding one batch at a
 * time. An object too large to travel alone is reported, never sent.
 *
 * Each object's JSON goes into the body's bytes as soon as it is written, so the strings die young:
 * kept as a list of strings until the batch was full (5,000 objects, several pages of the export),
 * they outlived two scavenges, were promoted and left to the mark-compacts.
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
  /** The request body, UTF-8. */
  body: Buffer
  /** `body.length`. */
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

/** 2.0 wraps objects in a STIX bundle, 2.1 in a TAXII envelope; both end with TAIL. */
function head(version: TaxiiVersion): string {
  if (version === '2.1') return '{"objects":['
  // Bundle ids are all the same length, so every 2.0 head has the same size.
  return `{"type":"bundle","id":"bundle--${randomUUID()}","spec_version":"2.0","objects":[`
}

const TAIL = ']}'

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

/** A body being written: UTF-8 bytes in a buffer that grows by doubling. */
class BodyBytes {
  private buffer: Buffer
  length = 0

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity)
  }

  /** Appends `text`, whose UTF-8 length the caller has measured as `bytes`. */
  write(text: string, bytes: number): void {
    const needed = this.length + bytes
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2))
      this.buffer.copy(grown, 0, 0, this.length)
      this.buffer = grown
    }
    this.length += this.buffer.write(text, this.length)
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length)
  }
}

function finish(body: BodyBytes, objects: ObjectRef[]): Batch {
  body.write(TAIL, TAIL.length)
  const bytes = body.bytes()
  return { kind: 'batch', body: bytes, bytes: bytes.length, objects }
}

export async function* splitIntoBatches(
  source: StixSource,
  limits: BatchLimits,
): AsyncGenerator<Batch | Oversized> {
  const headBytes = Buffer.byteLength(head(limits.version))
  const overhead = headBytes + TAIL.length
  // Batches come out alike: each starts with the room the last one took.
  let capacity = 64 * 1024
  let body: BodyBytes | undefined
  let refs: ObjectRef[] = []

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
      if (
        body !== undefined &&
        (body.length + 1 + size + TAIL.length > limits.maxBytes || refs.length >= limits.maxObjects)
      ) {
        const batch = finish(body, refs)
        capacity = batch.bytes
        body = undefined
        refs = []
        yield batch
      }
      if (body === undefined) {
        body = new BodyBytes(capacity)
        body.write(head(limits.version), headBytes)
      } else body.write(',', 1)
      body.write(json, size)
      refs.push(refOf(object))
    }
  }
  if (body !== undefined) yield finish(body, refs)
}
