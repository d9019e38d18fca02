/**
 * Which members of the data collection AED may hold (docs/mapping.md, "Sync: revocation"): not in a
 * `revoke_statuses` status, not expired, of a type AED enforces, with a valid value, and past the
 * never-block guards. The membership scan and the full pass ask the same question with the same
 * answer.
 */
import { AED_ENFORCEABLE_TYPES, buildPattern } from '../../stix/patterns.js'
import type { MemberFacts } from '../members.js'
import type { Guards } from './guards.js'

export interface ExportPolicy {
  /** Statuses that are never exported (revoked if they were); compared without case. */
  revokeStatuses: readonly string[]
  guards: Guards
  exportAllTypes: boolean
  /** Epoch ms of this run: an indicator whose expiry is not after it is expired. */
  now: number
  /**
   * Everything but the clock the verdicts depend on: while it is the ledger's, a member whose
   * version AED holds has the value it was judged on, and only its status and expiry are read.
   */
  fingerprint: string
}

/**
 * Why a member is not exported. `code` is what the ledger's per-run mark holds: the reason a
 * live entry is revoked (docs/architecture.md). Refusals and skips are counted apart.
 */
export type Verdict =
  | { ok: true }
  | {
      ok: false
      kind: 'status' | 'expired' | 'refused' | 'skipped'
      reason: string
      code: number
      /** What exactly is wrong with the value (skips only). */
      detail?: string
    }

/** Ledger marks (KeyTable marks): 1 = exportable; the others say why not. */
export const MARK = { exportable: 1, expired: 2, refused: 3, skipped: 4, status: 10 } as const

export const OK: Verdict = { ok: true }

export function verdict(
  member: MemberFacts,
  policy: ExportPolicy,
  /** The value passed under this policy before (same version, same fingerprint). */
  judged = false,
): Verdict {
  if (member.status !== undefined) {
    const status = member.status.toLowerCase()
    const index = policy.revokeStatuses.findIndex((s) => s.toLowerCase() === status)
    if (index >= 0)
      return {
        ok: false,
        kind: 'status',
        reason: `status ${member.status}`,
        code: MARK.status + index,
      }
  }
  if (member.expiresAt !== undefined && member.expiresAt <= policy.now)
    return { ok: false, kind: 'expired', reason: 'expired', code: MARK.expired }
  if (judged) return OK
  const type = member.type ?? ''
  if (!policy.exportAllTypes && !AED_ENFORCEABLE_TYPES.has(type))
    return {
      ok: false,
      kind: 'skipped',
      reason: 'not enforceable by AED',
      code: MARK.skipped,
      detail: `type ${type}`,
    }
  const pattern = buildPattern(type, member.value)
  if (!pattern.ok)
    return {
      ok: false,
      kind: 'skipped',
      reason: pattern.code === 'unsupported-type' ? 'no STIX pattern' : 'invalid value',
      code: MARK.skipped,
      detail: pattern.reason,
    }
  const refusal = policy.guards.refusal(pattern.objectPath, pattern.value)
  if (refusal !== undefined)
    return { ok: false, kind: 'refused', reason: refusal, code: MARK.refused }
  return OK
}

/** The revocation reason a ledger mark stands for (0: the member was not seen at all). */
export function markReason(mark: number, policy: Pick<ExportPolicy, 'revokeStatuses'>): string {
  if (mark === 0) return 'left the data collection or deleted'
  if (mark === MARK.expired) return 'expired'
  if (mark === MARK.refused) return 'refused by a never-block guard'
  if (mark === MARK.skipped) return 'no longer exportable'
  if (mark >= MARK.status) return `status ${policy.revokeStatuses[mark - MARK.status] ?? '?'}`
  return 'no longer related to the collection'
}
