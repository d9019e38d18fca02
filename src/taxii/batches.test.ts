import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { StixObject } from '../stix/types.js'
import { splitIntoBatches, type Batch, type Oversized } from './batches.js'
import type { TaxiiVersion } from './types.js'

const indicator = (n: number, text: string): StixObject => ({
  type: 'indicator',
  id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  modified: '2026-01-01T00:00:00.000Z',
  name: text,
})

async function collect(
  objects: StixObject[],
  version: TaxiiVersion,
  maxBytes: number,
  maxObjects = 1000,
) {
  const out: (Batch | Oversized)[] = []
  for await (const item of splitIntoBatches(objects, { version, maxBytes, maxObjects }))
    out.push(item)
  return out
}

for (const version of ['2.0', '2.1'] as const) {
  describe(`splitIntoBatches (TAXII ${version})`, () => {
    it('keeps every body within the byte limit, counted in UTF-8, fills greedily, keeps order', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.string({ unit: 'grapheme', maxLength: 60 }), { minLength: 1, maxLength: 60 }),
          fc.integer({ min: 400, max: 2000 }),
          fc.integer({ min: 1, max: 10 }),
          async (names, maxBytes, maxObjects) => {
            const objects = names.map((name, i) => indicator(i, name))
            const items = await collect(objects, version, maxBytes, maxObjects)
            const sent: unknown[] = []
            let previous: Batch | undefined
            for (const item of items) {
              if (item.kind === 'oversized') continue
              assert.equal(Buffer.byteLength(item.body), item.bytes)
              assert.ok(item.bytes <= maxBytes)
              assert.ok(item.objects.length <= maxObjects)
              const body = JSON.parse(item.body) as { objects: StixObject[]; spec_version?: string }
              assert.equal(body.spec_version, version === '2.0' ? '2.0' : undefined)
              assert.deepEqual(
                body.objects.map((o) => o.id),
                item.objects.map((o) => o.id),
              )
              if (previous !== undefined && previous.objects.length < maxObjects) {
                // Greedy: the previous batch was closed only because this batch's first object did not fit.
                const first = JSON.stringify(body.objects[0])
                assert.ok(previous.bytes + 1 + Buffer.byteLength(first) > maxBytes)
              }
              sent.push(...body.objects)
              previous = item
            }
            const oversized = new Set(
              items.filter((i) => i.kind === 'oversized').map((i) => i.object.id),
            )
            assert.deepEqual(
              sent,
              objects.filter((o) => !oversized.has(o.id)),
            )
          },
        ),
        { numRuns: 60 },
      )
    })

    it('reports an object too large to travel alone, and sends the others', async () => {
      const big = indicator(1, 'é'.repeat(600))
      const items = await collect([indicator(0, 'a'), big, indicator(2, 'b')], version, 1000)
      assert.deepEqual(
        items.map((i) => i.kind),
        ['oversized', 'batch'],
      )
      const oversized = items[0] as Oversized
      assert.deepEqual(oversized.object, { id: big.id, version: '2026-01-01T00:00:00.000Z' })
      assert.match(
        oversized.message,
        /^not sent: the object is \d+ bytes.*over the API root's max_content_length of 1000$/,
      )
      assert.equal((items[1] as Batch).objects.length, 2)
    })

    it('sends the UTF-8 bytes of the body, each batch in bytes of its own', async () => {
      const objects = ['ä', 'b', '\u{1F600}', 'd', 'e'].map((name, i) => indicator(i, name))
      const items = await collect(objects, version, 100_000, 2)
      const batches = items.filter((i): i is Batch => i.kind === 'batch')
      assert.equal(batches.length, 3)
      for (const batch of batches) {
        assert.deepEqual(batch.payload, Buffer.from(batch.body))
        assert.equal(batch.payload.length, batch.bytes)
      }
      // Later batches do not overwrite the bytes of earlier ones.
      assert.deepEqual(
        batches.flatMap(
          (b) => (JSON.parse(b.payload.toString()) as { objects: StixObject[] }).objects,
        ),
        objects,
      )
    })

    it('splits objects that arrive in arrays exactly as one by one', async () => {
      // 2.0 bundle ids are random: compare bodies without them.
      const comparable = (items: (Batch | Oversized)[]) =>
        items.map((i) =>
          i.kind === 'batch' ? { ...i, body: i.body.replace(/bundle--[0-9a-f-]{36}/, '') } : i,
        )
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.string({ maxLength: 300 }), { minLength: 1, maxLength: 40 }),
          fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 20 }),
          async (names, cuts) => {
            const objects = names.map((name, i) => indicator(i, name))
            async function* chunks() {
              let at = 0
              for (const cut of cuts) {
                yield await Promise.resolve(objects.slice(at, at + cut))
                at += cut
              }
              yield objects.slice(at)
            }
            const split: (Batch | Oversized)[] = []
            for await (const item of splitIntoBatches(chunks(), {
              version,
              maxBytes: 1200,
              maxObjects: 5,
            }))
              split.push(item)
            assert.deepEqual(
              comparable(split),
              comparable(await collect(objects, version, 1200, 5)),
            )
          },
        ),
        { numRuns: 60 },
      )
    })

    it('pulls from the source one batch at a time', async () => {
      let pulled = 0
      async function* source() {
        for (let i = 0; i < 100; i++) {
          pulled++
          yield await Promise.resolve(indicator(i, 'x'))
        }
      }
      const iterator = splitIntoBatches(source(), { version, maxBytes: 100_000, maxObjects: 10 })
      await iterator.next()
      assert.equal(pulled, 11)
      await iterator.return(undefined)
    })
  })
}
