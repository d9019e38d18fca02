import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StixObject } from '../../stix/types.js'
import { newSummary } from '../summary.js'
import { outbound } from './outbound.js'

const object = (id: string): StixObject => ({ type: id.split('--')[0] ?? id, id })
async function* source(...chunks: StixObject[][]): AsyncGenerator<StixObject[]> {
  for (const chunk of chunks) yield chunk
  await Promise.resolve()
}
async function all(stream: AsyncIterable<StixObject[]>): Promise<string[][]> {
  const out: string[][] = []
  for await (const chunk of stream) out.push(chunk.map((o) => o.id))
  return out
}

describe('the objects of a run in sending order', () => {
  const identity = object('identity--i')

  it('the identity goes with the first object, revocations before the rest', async () => {
    const summary = newSummary('export')
    let read = 0
    let ended = false
    const progress = {
      read: (n: number) => (read += n),
      readAll: () => (ended = true),
    }
    const chunks = await all(
      outbound(
        identity,
        [
          source([], [object('indicator--r')]),
          source([object('indicator--a'), object('malware--m')]),
        ],
        summary,
        progress,
      ),
    )
    // An empty chunk travels as it comes: no identity before it.
    assert.deepEqual(chunks, [
      [],
      ['identity--i'],
      ['indicator--r'],
      ['indicator--a', 'malware--m'],
    ])
    assert.deepEqual(summary.sent.toJSON(), { identity: 1 })
    assert.deepEqual([read, ended], [4, true])
  })

  it('a run with nothing to send sends nothing, not even the identity', async () => {
    const summary = newSummary('export')
    const progress = { read: () => undefined, readAll: () => undefined }
    assert.deepEqual(await all(outbound(identity, [source([]), source()], summary, progress)), [[]])
    assert.deepEqual(summary.sent.toJSON(), {})
  })
})
