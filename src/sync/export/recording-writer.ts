/**
 * The dry run's writer: the objects are split into the requests a run would send, and recorded
 * (with the revocations and refusals) instead of sent; nothing reaches AED and the ledger, opened
 * read-only, learns nothing. An object too large for the TAXII server is counted as a run would
 * count it.
 */
import { splitIntoBatches } from '../../taxii/batches.js'
import type { DryRunOutput } from '../output.js'
import { ReasonLog } from '../reasons.js'
import type { Revocation } from './revoke.js'
import { type Refusal, sentFigure, type WriterChoice } from './writer.js'

/** A revocation as the dry-run file lists it. */
export type ListedRevocation = Pick<Revocation, 'id' | 'threatq' | 'reason'>

/** Where a dry run records what it would send. */
export interface DryRunRecord {
  /** Before the first request's body. */
  begin(): Promise<void>
  /** One request's body, as it would be sent. */
  bundle(body: string): Promise<void>
  revocation(revocation: ListedRevocation): void
  refusal(refusal: Refusal): void
  /** After the last body. */
  end(): Promise<void>
}

/** A dry run without `--output`: the summary and the log say what it would do. */
export const NOT_RECORDED: DryRunRecord = {
  begin: () => Promise.resolve(),
  bundle: () => Promise.resolve(),
  revocation: () => undefined,
  refusal: () => undefined,
  end: () => Promise.resolve(),
}

/**
 * `--output FILE`: `"export": {"bundles": [...], "revocations": [...], "refusals": [...]}`. The
 * revocations and refusals are learnt while the bodies stream, so they wait for the end.
 */
export function recordInFile(output: DryRunOutput): DryRunRecord {
  const revocations: ListedRevocation[] = []
  const refusals: Refusal[] = []
  return {
    async begin() {
      await output.beginSection('export')
      await output.beginList('bundles')
    },
    bundle: (body) => output.raw(body),
    revocation: (r) => revocations.push({ id: r.id, threatq: r.threatq, reason: r.reason }),
    refusal: (r) => refusals.push(r),
    async end() {
      await output.beginList('revocations')
      for (const r of revocations) await output.item(r)
      await output.beginList('refusals')
      for (const r of refusals) await output.item(r)
    },
  }
}

/** A dry run's writer, recording into `record`. */
export function recordingTaxiiWriter(record: DryRunRecord): WriterChoice {
  return {
    readOnly: true,
    open({ taxii, collection, summary, logger, maxObjects }) {
      return {
        track: () => undefined,
        settle: () => Promise.resolve(),
        refused: (refusal) => {
          record.refusal(refusal)
        },
        revoking: (revocation) => {
          record.revocation(revocation)
        },
        async write(objects, revoked) {
          const rejections = new ReasonLog('AED rejected an object', 'warn')
          await record.begin()
          for await (const batch of splitIntoBatches(objects, {
            version: taxii.version,
            maxBytes: collection.maxContentLength,
            maxObjects,
          })) {
            if (batch.kind === 'batch') await record.bundle(batch.body)
            else {
              summary.sent.remove(sentFigure(batch.object.id, revoked))
              summary.rejected.add('too large for the TAXII server')
              rejections.add('too large for the TAXII server', {
                id: batch.object.id,
                reason: batch.message,
              })
            }
          }
          await record.end()
          rejections.flush(logger)
        },
      }
    },
  }
}
