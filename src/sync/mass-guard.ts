/**
 * The mass-revocation guard (DESIGN §2.3.1), shared by the TAXII export and the list delivery:
 * a run that would take back more than `max_revoke_percent` of what AED holds from this
 * instance, or all of it, stops before it writes anything, unless `--allow-mass-revoke`.
 */
import type { AuditSink } from '../audit/trail.js'
import { EXIT, ExitError } from '../errors.js'

export interface MassChange {
  /** What this run would take back, by reason. */
  byReason: ReadonlyMap<string, number>
  count: number
  /** What AED holds from this instance. */
  held: number
  /** Members the data collection matched this run. */
  members: number
}

export interface MassGuardSettings {
  dataCollection: string
  maxRevokePercent: number
  allowMassRevoke: boolean
}

export interface MassGuardWords {
  /** `sending` (TAXII) or `writing` (lists). */
  doing: string
  /** `revoke` or `remove`. */
  verb: string
  /** What `held` counts, e.g. "objects AED holds from this instance". */
  heldWhat: string
  /** `revocations` or `removals`. */
  noun: string
}

export function guardMassChange(
  change: MassChange,
  settings: MassGuardSettings,
  words: MassGuardWords,
  audit: AuditSink,
): void {
  const { count, held } = change
  if (count === 0 || settings.allowMassRevoke) return
  const percent = (count * 100) / held
  if (count < held && percent <= settings.maxRevokePercent) return
  const reasons = [...change.byReason].map(([r, n]) => `${String(n)} ${r}`).join(', ')
  audit.record({
    action: 'refuse',
    reason: `mass guard: would ${words.verb} ${String(count)} of ${String(held)} (max_revoke_percent ${String(settings.maxRevokePercent)}): ${reasons}`,
    count,
  })
  throw new ExitError(
    EXIT.rejected,
    `stopped before ${words.doing} anything: this run would ${words.verb} ${String(count)} of the ${String(held)} ${words.heldWhat} (${percent.toFixed(1)}%, max_revoke_percent is ${String(settings.maxRevokePercent)}): ${reasons}. The data collection "${settings.dataCollection}" matched ${String(change.members)} indicators now: an emptied or changed saved search is the usual cause. Check it in ThreatQ; if the ${words.noun} are intended, run again with --allow-mass-revoke`,
  )
}
