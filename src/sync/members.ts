/**
 * A member of the data collection as the membership scans judge it, read from its ThreatQ record
 * in one place: the export's scan and its full pass, and the lists' scan, give a verdict
 * (src/sync/policy/verdict.ts) on the same facts.
 */
import { nameOf, type TqRecord } from '../threatq/records.js'

/** What a verdict reads of a member. */
export interface MemberFacts {
  type: string | undefined
  value: string
  status: string | undefined
  /** Epoch ms. */
  expiresAt: number | undefined
}

export interface Member extends MemberFacts {
  /** The ThreatQ indicator id. */
  id: number
}

/** The facts of an indicator record; a record without a value has the empty one, never valid. */
export function memberFacts(record: TqRecord): Member {
  return {
    id: record.id,
    value: record.value ?? '',
    type: nameOf(record.type),
    status: nameOf(record.status),
    expiresAt: record.expires_at?.getTime(),
  }
}
