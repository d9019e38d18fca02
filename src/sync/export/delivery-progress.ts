/**
 * What the progress bar shows of an export's delivery: objects AED acknowledged, of an estimate
 * from the plan until the last object is read, then of the exact count.
 */
import type { SyncPlan } from './sync-plan.js'

export interface DeliveryProgress {
  /** Objects read from the stream being sent. */
  read(n: number): void
  /** The stream ended: the total is exact now. */
  readAll(): void
  /** Objects AED acknowledged (stored, or held in that version already). */
  acknowledged(n: number): void
}

/** `show(acknowledged, total)`: called as AED acknowledges, never for a delivery that sends nothing. */
export function deliveryProgress(
  plan: Pick<SyncPlan, 'relatedToSend' | 'indicatorsToSend' | 'relationships' | 'reports'>,
  revocations: number,
  show: ((acknowledged: number, total: number) => void) | undefined,
): DeliveryProgress {
  const planned =
    revocations +
    plan.relatedToSend.length +
    plan.indicatorsToSend +
    plan.relationships.length / 4 +
    plan.reports.length
  // With the identity, which travels with the first object. Marking definitions and indicators
  // new since the scan come on top: an estimate until the stream of objects ends.
  const estimate = planned > 0 ? planned + 1 : 0
  let read = 0
  let exact = false
  let delivering = false
  let acknowledged = 0
  const update = (): void => {
    show?.(acknowledged, exact ? read : Math.max(estimate, read))
  }
  return {
    read(n) {
      read += n
    },
    readAll() {
      exact = true
      // A dry run reads the stream too, and delivers nothing.
      if (delivering) update()
    },
    acknowledged(n) {
      delivering = true
      acknowledged += n
      update()
    },
  }
}
