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
  body: string
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

export async function* splitIntoBatches(
  source: StixSource,
  limits: BatchLimits,
): AsyncGenerator<Batch | Oversized> {
  let { head, tail } = wrapper(limits.version)
  const overhead = Buffer.byteLength(head) + Buffer.byteLength(tail)
  let parts: string[] = []
  let refs: ObjectRef[] = []
  let bytes = overhead

  const flush = (): Batch => {
    const batch: Batch = {
      kind: 'batch',
      body: head + parts.join(',') + tail,
      bytes,
      objects: refs,
    }
    ;({ head, tail } = wrapper(limits.version))
    parts = []
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
      const added = size + (parts.length === 0 ? 0 : 1)
      if (
        parts.length > 0 &&
        (bytes + added > limits.maxBytes || parts.length >= limits.maxObjects)
      ) {
        yield flush()
      }
      bytes += size + (parts.length === 0 ? 0 : 1)
      parts.push(json)
      refs.push(refOf(object))
    }
  }
  if (parts.length > 0) yield flush()
}
