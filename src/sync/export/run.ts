/**
 * The export direction as a sync (docs/architecture.md, "The export ledger"): the TAXII delivery's
 * phases (delivery.ts) run by the one delivery pipeline (../pipeline.ts), which starts and
 * finishes the run, and stops it before anything is sent when it would revoke too much.
 */
import { runDelivery } from '../pipeline.js'
import type { RevocationRecord } from '../mass-guard.js'
import { newSummary, type RunSummary } from '../summary.js'
import { type ExportDeps, exportPhases, type ExportSettings, type SavedLedger } from './delivery.js'

/** What the mass guard judges a run by: its option, the window's records, the time. */
export interface ExportGuard {
  maxRevokePercent: number
  allowMassRevoke: boolean
  /** `max_revoke_window_hours`, the window's records so far, and the time they are judged at. */
  windowHours: number
  revocations: readonly RevocationRecord[]
  now: Date
}

export interface ExportOutcome {
  summary: RunSummary
  /** What the saved ledger holds, and its id scope; undefined when it was not saved (dry run). */
  ledger: SavedLedger | undefined
  /** The mass guard's window records to keep once this run has committed. */
  revocations: RevocationRecord[]
}

export async function runExport(
  deps: ExportDeps,
  settings: ExportSettings & ExportGuard,
): Promise<ExportOutcome> {
  const summary = newSummary('export', deps.writer.readOnly)
  const outcome = await runDelivery(exportPhases(deps, settings, summary), {
    title: 'export',
    logger: deps.logger,
    summary,
    audit: deps.audit,
    guard: { ...settings, history: settings.revocations },
    words: {
      doing: 'sending',
      verb: 'revoke',
      heldWhat: 'objects AED holds from this instance',
      noun: 'revocations',
    },
    finishFields: (s) => ({
      fetched: s.fetched.toJSON(),
      sent: s.sent.toJSON(),
      skipped: s.skipped.toJSON(),
      refused: s.refused.toJSON(),
      revoked: s.revoked.toJSON(),
      rejected: s.rejected.toJSON(),
      unchanged: s.unchanged.toJSON(),
    }),
  })
  return { summary, ledger: outcome.saved, revocations: outcome.revocations }
}
