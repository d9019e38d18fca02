/**
 * How a membership scan (the export's and the lists') reports the members it does not deliver:
 * each counted in the summary, each refusal recorded in the audit trail, and every reason logged
 * once at the end of the scan (src/sync/reasons.ts).
 */
import type { AuditSink } from '../audit/trail.js'
import type { Logger } from '../log/logger.js'
import { ReasonLog } from './reasons.js'
import type { RunSummary } from './summary.js'

/** Where a scan counts and records what it does not deliver. */
export interface ScanSinks {
  summary: RunSummary
  /** Each refusal is recorded in the audit trail. */
  audit: AuditSink
  /** Called once per refused value (dry-run listing). */
  onRefusal?: ((refusal: { id: number; value: string; reason: string }) => void) | undefined
}

/**
 * The per-indicator reasons of a membership scan, logged once per reason at the end of the scan
 * (src/sync/reasons.ts): the summary and the audit trail still count and record each one.
 */
export interface ScanReasons {
  invalid: ReasonLog
  refused: ReasonLog
  skipped: ReasonLog
}

export function scanReasons(): ScanReasons {
  return {
    invalid: new ReasonLog('skipped an indicator record ThreatQ sent malformed', 'warn'),
    refused: new ReasonLog('indicator refused'),
    skipped: new ReasonLog('indicator skipped'),
  }
}

export function flushScanReasons(reasons: ScanReasons, logger: Logger): void {
  reasons.invalid.flush(logger)
  reasons.refused.flush(logger)
  reasons.skipped.flush(logger)
}

/** Counts the records of a membership page ThreatQ sent malformed. */
export function reportInvalid(
  deps: Pick<ScanSinks, 'summary'>,
  reasons: ScanReasons,
  invalid: readonly { id: unknown; reason: string }[],
): void {
  for (const bad of invalid) {
    deps.summary.skipped.add('invalid ThreatQ record')
    reasons.invalid.add(bad.reason, { id: bad.id })
  }
}

/** Counts a member that is not exported: refused by a guard, or skipped with why. */
export function reportUnexported(
  deps: ScanSinks,
  reasons: ScanReasons,
  member: { id: number; value: string; type: string | undefined },
  why: { kind: string; reason: string; detail?: string | undefined },
): void {
  if (why.kind === 'refused') {
    deps.summary.refused.add(why.reason)
    deps.audit.record({
      action: 'refuse',
      value: member.value,
      type: member.type,
      threatq_id: member.id,
      reason: why.reason,
    })
    reasons.refused.add(why.reason, { id: member.id, value: member.value })
    deps.onRefusal?.({ id: member.id, value: member.value, reason: why.reason })
    return
  }
  deps.summary.skipped.add(why.reason)
  reasons.skipped.add(why.reason, {
    id: member.id,
    type: member.type,
    ...(why.detail === undefined ? {} : { detail: why.detail }),
  })
}
