/**
 * The live writer: the objects go to AED's TAXII collection, each request's objects intended in
 * the ledger's journal before it is sent and committed once AED's status says it stored them;
 * blocks and unblocks go to the audit trail as AED stores them, refusals are counted by reason.
 */
import type { AuditEvent } from '../../audit/trail.js'
import { EXIT, ExitError } from '../../errors.js'
import type { AddResult } from '../../taxii/status.js'
import { ReasonLog } from '../reasons.js'
import { type RunSummary, shortReason } from '../summary.js'
import type { LedgerUpdate } from './ledger.js'
import { type ExportWriter, sentFigure, typeOf, type WriterChoice } from './writer.js'

/**
 * [I: A-TAXII-DUPLICATE] A TAXII server that already holds an object in this exact version
 * refuses it (medallion: "Unable to process object because identical version exist."). For a
 * re-run that is success, not a rejection.
 */
export const IDENTICAL_VERSION = /identical version|already (exists?|present)|duplicate/i

export const taxiiWriter: WriterChoice = {
  readOnly: false,
  open({ taxii, collection, ledger, summary, logger, audit, maxObjects }): ExportWriter {
    const inflight = new Map<string, LedgerUpdate[]>()
    /** What each object in flight is a block or unblock of: recorded once AED stored it. */
    const audited = new Map<string, AuditEvent>()
    return {
      track(id, updates, event) {
        inflight.set(id, updates)
        if (event !== undefined) audited.set(id, event)
      },
      settle: (updates) => ledger.commit(updates),
      refused: () => undefined,
      revoking: () => undefined,
      async write(objects, revoked, progress) {
        const rejections = new ReasonLog('AED rejected an object', 'warn')
        await ledger.openJournal()
        progress.acknowledged(0)
        await taxii.addObjects(collection, objects, {
          maxObjects,
          beforeRequest: (sent) => ledger.intend(sent.flatMap(({ id }) => inflight.get(id) ?? [])),
          onRequest: async (result, _statusId, sent) => {
            const done = committed(result, sent, inflight)
            await ledger.commit(done.updates)
            for (const id of done.settled) {
              const event = audited.get(id)
              audited.delete(id)
              if (event !== undefined && done.stored.has(id)) audit.record(event)
            }
            progress.acknowledged(acknowledgedBy(result))
            classify(result, summary, rejections, revoked)
          },
        })
        rejections.flush(logger)
      },
    }
  },
}

/** Objects a request's status counts as stored, and those AED already held in that version. */
export const acknowledgedBy = (result: AddResult): number =>
  result.success + result.failures.filter((f) => IDENTICAL_VERSION.test(f.message)).length

/**
 * The ledger updates of the objects a request carried that AED stored (or already had): not the
 * ones it refused, not the ones still pending; those are offered again by the next run.
 */
export function committed(
  result: AddResult,
  sent: readonly { id: string }[],
  inflight: Map<string, LedgerUpdate[]>,
): { updates: LedgerUpdate[]; settled: string[]; stored: Set<string> } {
  const notStored = new Set<string>()
  for (const f of result.failures) if (!IDENTICAL_VERSION.test(f.message)) notStored.add(f.id)
  for (const p of result.pendings) notStored.add(p.id)
  const updates: LedgerUpdate[] = []
  const settled: string[] = []
  const stored = new Set<string>()
  for (const { id } of sent) {
    const tracked = inflight.get(id)
    if (tracked === undefined) continue
    inflight.delete(id)
    settled.push(id)
    if (notStored.has(id)) continue
    updates.push(...tracked)
    stored.add(id)
  }
  return { updates, settled, stored }
}

/**
 * Counts a request's failures: one AED already held in that version is unchanged, any other a
 * rejection by its reason. Objects still pending fail the run.
 */
export function classify(
  result: AddResult,
  summary: RunSummary,
  rejections: ReasonLog,
  revoked: ReadonlySet<string>,
): void {
  for (const failure of result.failures) {
    const type = typeOf(failure.id)
    // Counted as sent when it was queued; AED held it already (often the identity and markings
    // that travel with every run's first batch): one object, one figure.
    summary.sent.remove(sentFigure(failure.id, revoked))
    if (IDENTICAL_VERSION.test(failure.message)) {
      summary.unchanged.add(type)
      continue
    }
    const reason = shortReason(failure.message)
    summary.rejected.add(reason)
    rejections.add(reason, { id: failure.id, version: failure.version, reason: failure.message })
  }
  // Not known to be stored, not known to be refused: the run fails, its checkpoint stays put and
  // the next run offers these objects again.
  if (result.pending > 0)
    throw new ExitError(
      EXIT.failed,
      `AED had not finished ${String(result.pending)} object(s) when status polling gave up (timeouts.taxii_status_seconds in the config file); the next run sends them again`,
    )
}
