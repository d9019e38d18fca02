/**
 * The mass-revocation guard (README.md, "The export is a sync"), shared by the TAXII export and the
 * list delivery: a run that would take back more than `max_revoke_percent` of what AED holds from
 * this instance, or all of it, stops before it writes anything, unless `--allow-mass-revoke`.
 *
 * Per run is not enough: a saved search that loses 19% a run empties AED in a few runs, each
 * under the limit. So the same limit also holds over a window
 * (`max_revoke_window_hours`): what the runs of the window took back, plus what this run would,
 * against what AED held at the window's start (or more, if it grew within it). The history of
 * the window lives in the state file, one record per run that took something back, pruned.
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

/** One run that took something back: when, what AED held before it, and how much. */
export interface RevocationRecord {
  at: string
  held: number
  count: number
}

export interface MassGuardSettings {
  dataCollection: string
  maxRevokePercent: number
  allowMassRevoke: boolean
  /** `max_revoke_window_hours`; 0 judges each run alone. */
  windowHours: number
  /** The delivery's records, as the state file keeps them. */
  history: readonly RevocationRecord[]
  now: Date
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

/**
 * Most records kept. Past it the two oldest merge (their counts add up, the larger held stays),
 * so the state file stays small whatever the cron interval, and the window never forgets a
 * revocation: merging only ever makes the guard stricter.
 */
export const MAX_RECORDS = 200

/** The records still inside the window that ends at `now`, oldest first, at most MAX_RECORDS. */
export function prune(
  history: readonly RevocationRecord[],
  now: Date,
  windowHours: number,
): RevocationRecord[] {
  const from = now.getTime() - windowHours * 3_600_000
  const kept = history
    .filter((r) => {
      const at = Date.parse(r.at)
      // A record from the future (a clock set back) still counts: forgetting it would be lenient.
      return Number.isFinite(at) && at > from
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  while (kept.length > MAX_RECORDS) {
    const [first, second] = kept
    if (first === undefined || second === undefined) break
    kept.splice(0, 2, {
      at: first.at,
      held: Math.max(first.held, second.held),
      count: first.count + second.count,
    })
  }
  return kept
}

/** What the window would add up to with this run, when it passes the limit. */
export interface WindowExcess {
  /** Taken back by the window's earlier runs. */
  before: number
  /** The window's total with this run. */
  count: number
  /** What AED held at the window's start (or more, if it grew within it). */
  held: number
  /** The window's first record. */
  since: string
  percent: number
}

/**
 * The window's verdict, pure: undefined when this run may go on, else what the window adds up
 * to. The window is `windowHours` back from `now`; with no earlier record in it, the per-run
 * rule alone decides.
 */
export function windowExcess(
  change: Pick<MassChange, 'count' | 'held'>,
  history: readonly RevocationRecord[],
  settings: { maxRevokePercent: number; windowHours: number; now: Date },
): WindowExcess | undefined {
  if (change.count === 0 || settings.windowHours === 0) return undefined
  const window = prune(history, settings.now, settings.windowHours)
  const first = window[0]
  if (first === undefined) return undefined
  const before = window.reduce((sum, r) => sum + r.count, 0)
  const count = before + change.count
  const held = Math.max(change.held, ...window.map((r) => r.held))
  const percent = (count * 100) / held
  if (percent <= settings.maxRevokePercent) return undefined
  return { before, count, held, since: first.at, percent }
}

/**
 * Stops the run (exit 3) when it would take back too much, alone or with the window's earlier
 * runs; otherwise answers the records to save once the run has committed. An override confirms
 * what AED holds now: the window starts afresh after it.
 */
export function guardMassChange(
  change: MassChange,
  settings: MassGuardSettings,
  words: MassGuardWords,
  audit: AuditSink,
): RevocationRecord[] {
  const { count, held } = change
  if (settings.allowMassRevoke) return []
  const window = prune(settings.history, settings.now, settings.windowHours)
  if (count === 0) return window
  const reasons = [...change.byReason].map(([r, n]) => `${String(n)} ${r}`).join(', ')
  const check = `The data collection "${settings.dataCollection}" matched ${String(change.members)} indicators now`
  const fix = `Check it in ThreatQ; if the ${words.noun} are intended, run again with --allow-mass-revoke`
  // One stop for both rules: the refusal on the audit trail, then exit 3 with the message.
  const refuse = (limit: string, message: string): never => {
    audit.record({ action: 'refuse', reason: `mass guard: ${limit}: ${reasons}`, count })
    throw new ExitError(EXIT.rejected, message)
  }
  const percent = (count * 100) / held
  if (count >= held || percent > settings.maxRevokePercent)
    refuse(
      `would ${words.verb} ${String(count)} of ${String(held)} (max_revoke_percent ${String(settings.maxRevokePercent)})`,
      `stopped before ${words.doing} anything: this run would ${words.verb} ${String(count)} of the ${String(held)} ${words.heldWhat} (${percent.toFixed(1)}%, max_revoke_percent is ${String(settings.maxRevokePercent)}): ${reasons}. ${check}: an emptied or changed saved search is the usual cause. ${fix}`,
    )
  const excess = windowExcess(change, window, settings)
  if (excess !== undefined)
    refuse(
      `would ${words.verb} ${String(count)} more, ${String(excess.count)} of ${String(excess.held)} over the last ${String(settings.windowHours)} h (max_revoke_percent ${String(settings.maxRevokePercent)}, max_revoke_window_hours ${String(settings.windowHours)})`,
      `stopped before ${words.doing} anything: over the last ${String(settings.windowHours)} h (max_revoke_window_hours) runs since ${excess.since} took back ${String(excess.before)} and this run would ${words.verb} ${String(count)} more: ${String(excess.count)} of the ${String(excess.held)} ${words.heldWhat} at the window's start (${excess.percent.toFixed(1)}%, max_revoke_percent is ${String(settings.maxRevokePercent)}): ${reasons}. ${check}: a saved search that keeps shrinking is the usual cause. ${fix} (the window then starts afresh)`,
    )
  return prune(
    [...window, { at: settings.now.toISOString(), held, count }],
    settings.now,
    settings.windowHours,
  )
}
