/**
 * One delivery, as its phases: open the ledger, recover it, plan against it, guard the change,
 * send through a writer, commit what AED confirmed, report. The TAXII export (export/delivery.ts)
 * and the REST lists (lists/delivery.ts) each implement the phases; this runs them in order, so
 * the start and finish lines, the mass guard and the timing are written once (docs/architecture.md,
 * "One delivery pipeline").
 *
 * The dry run is not a branch here: a delivery built for it sends through a recording writer (the
 * dry-run file) and opens its ledger read-only, so committing changes nothing on disk.
 */
import type { AuditSink } from '../audit/trail.js'
import type { Logger } from '../log/logger.js'
import type { LedgerProblem } from './ledger-file.js'
import {
  guardMassChange,
  type MassChange,
  type MassGuardSettings,
  type MassGuardWords,
  type RevocationRecord,
} from './mass-guard.js'
import type { RunSummary } from './summary.js'
import type { ThreatqClient } from '../threatq/client.js'

/** What every delivery is handed beside its own AED client. */
export interface DeliveryDeps {
  threatq: ThreatqClient
  logger: Logger
  /** What AED confirmed writing or taking back, and refusals (src/audit/trail.ts). */
  audit: AuditSink
  /** Members of the data collection read (the plan's scan). */
  onProgress?: (done: number, total: number | undefined) => void
}

/** The phases one delivery implements. `L`: its ledger, `P`: its plan, `S`: what saving reports. */
export interface DeliveryPhases<L, P, S> {
  /** Opens the ledger file: what it holds, or the problem with it (a bad file set aside). */
  open(): Promise<{ ledger: L; problem: LedgerProblem | undefined }>
  /** Decides about a problem, tells it, and rebuilds the ledger from AED when that is the step. */
  recover(ledger: L, problem: LedgerProblem | undefined): Promise<void>
  /** Fields of the start line known once the ledger is open (the collections' own names). */
  started?(ledger: L): Record<string, unknown>
  /** Scans the data collection against the ledger: what to send, what to take back. */
  plan(ledger: L): Promise<P>
  /** What the plan would take back, for the mass guard (which stops the run before any send). */
  change(ledger: L, plan: P): MassChange
  /** Sends the plan through the delivery's writer, committing what AED confirms as it goes. */
  send(ledger: L, plan: P): Promise<void>
  /**
   * Saves the ledger: called after `send`, also when it failed when `saveOnFailure` (what AED
   * confirmed stays known). Undefined when nothing was saved (a read-only ledger).
   */
  commit(ledger: L): Promise<S | undefined>
  /** Releases what `open` or `send` holds (a journal), whatever happened. */
  close?(ledger: L): Promise<void>
  /** Save after a failed send, too; otherwise the ledger's own journal carries the next run on. */
  readonly saveOnFailure: boolean
}

export interface PipelineContext {
  /** Names the start and finish log lines: `export`, `list delivery`. */
  title: string
  logger: Logger
  summary: RunSummary
  audit: AuditSink
  guard: MassGuardSettings
  words: MassGuardWords
  /** The summary figures the finish line carries. */
  finishFields: (summary: RunSummary) => Record<string, unknown>
}

export interface PipelineOutcome<S> {
  summary: RunSummary
  /** What the saved ledger reports; undefined when it was not saved (dry run). */
  saved: S | undefined
  /** The mass guard's window records to keep once this run has committed. */
  revocations: RevocationRecord[]
}

export async function runDelivery<L, P, S>(
  phases: DeliveryPhases<L, P, S>,
  ctx: PipelineContext,
): Promise<PipelineOutcome<S>> {
  const started = Date.now()
  const { logger, summary } = ctx
  const { ledger, problem } = await phases.open()
  try {
    await phases.recover(ledger, problem)
    logger.info(
      {
        dataCollection: ctx.guard.dataCollection,
        dryRun: summary.dryRun,
        ...phases.started?.(ledger),
      },
      `${ctx.title} started`,
    )
    const plan = await phases.plan(ledger)
    const revocations = guardMassChange(
      phases.change(ledger, plan),
      ctx.guard,
      ctx.words,
      ctx.audit,
    )
    let saved: S | undefined
    try {
      await phases.send(ledger, plan)
      saved = await phases.commit(ledger)
    } catch (error) {
      if (phases.saveOnFailure) await phases.commit(ledger)
      throw error
    }
    summary.durationMs = Date.now() - started
    logger.info({ ...ctx.finishFields(summary), ledger: saved }, `${ctx.title} finished`)
    return { summary, saved, revocations }
  } finally {
    await phases.close?.(ledger)
  }
}
