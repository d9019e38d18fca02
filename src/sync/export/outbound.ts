/**
 * The objects of an export in the order they are sent: revocations first, then what the plan
 * sends (collect.ts). The instance's identity travels with the first object, so a run with
 * nothing new sends nothing at all.
 */
import type { StixObject } from '../../stix/types.js'
import type { RunSummary } from '../summary.js'
import type { DeliveryProgress } from './delivery-progress.js'

export async function* outbound(
  identity: StixObject,
  sources: readonly AsyncIterable<StixObject[]>[],
  summary: Pick<RunSummary, 'sent'>,
  progress: Pick<DeliveryProgress, 'read' | 'readAll'>,
): AsyncGenerator<StixObject[]> {
  let first = true
  for (const source of sources)
    for await (const chunk of source) {
      if (first && chunk.length > 0) {
        first = false
        summary.sent.add('identity')
        progress.read(1)
        yield [identity]
      }
      progress.read(chunk.length)
      yield chunk
    }
  progress.readAll()
}
