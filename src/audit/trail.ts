/**
 * The audit trail (README.md, "Audit trail"): one record per value AED acknowledged blocking or
 * unblocking, over TAXII or over REST, and per value the connector refused to send, with the
 * reason. The phases call `audit.record(...)` on an injected sink; the file behind it is
 * src/audit/file.ts. A dry run gets NO_AUDIT: it changes nothing in AED, so it has nothing to
 * account for.
 */

/**
 * `block`/`unblock`: AED acknowledged adding or revoking the value (a deny list entry, a STIX
 * indicator). `allow`/`unallow`: the same on one of AED's allow lists. `refuse`: the connector
 * kept the value out of AED (a never-block guard, an entry someone else holds, the mass guard).
 */
export type AuditAction = 'block' | 'unblock' | 'allow' | 'unallow' | 'refuse'

export interface AuditEvent {
  action: AuditAction
  /** The indicator's value; undefined for a record about many values (the mass guard). */
  value?: string | undefined
  /** The ThreatQ indicator type (`IP Address`), when known. */
  type?: string | undefined
  threatq_id?: number | undefined
  /** TAXII delivery: the STIX id AED holds the value under. */
  stix_id?: string | undefined
  /** REST delivery: the AED list (`outbound-deny-host`…). */
  list?: string | undefined
  reason: string
  /** The mass guard: how many values it held back. */
  count?: number | undefined
}

export interface AuditSink {
  record(event: AuditEvent): void
}

/** The sink of a dry run, and of code paths that account for nothing. */
export const NO_AUDIT: AuditSink = { record: () => undefined }

/** Field order of a line: the same in every record, so a line reads left to right. */
const FIELDS = ['value', 'type', 'threatq_id', 'stix_id', 'list', 'reason', 'count'] as const

/** The line's start for the last time and run seen: one `toISOString` per millisecond, not per line. */
let head = { ms: NaN, runId: '', text: '' }

/**
 * One JSON line: time (ISO-8601, UTC), run id, action, then the event's fields that are set.
 * Written as text, each value through JSON.stringify: a line per object of a million-indicator
 * export, where building an object to stringify cost 3% of the run (docs/performance.md).
 */
export function auditLine(event: AuditEvent, at: Date, runId: string): string {
  const ms = at.getTime()
  if (ms !== head.ms || runId !== head.runId)
    head = {
      ms,
      runId,
      text: `{"time":${JSON.stringify(at.toISOString())},"run":${JSON.stringify(runId)}`,
    }
  let line = `${head.text},"action":${JSON.stringify(event.action)}`
  for (const key of FIELDS) {
    const value = event[key]
    if (value !== undefined) line += `,"${key}":${JSON.stringify(value)}`
  }
  return `${line}}\n`
}

/** Events per action and list (or STIX type), for the run's metrics. */
export class AuditTally implements AuditSink {
  readonly counts = new Map<string, number>()

  record(event: AuditEvent): void {
    const key = AuditTally.key(event.action, event.list ?? '')
    this.counts.set(key, (this.counts.get(key) ?? 0) + (event.count ?? 1))
  }

  static key(action: AuditAction, list: string): string {
    return `${action} ${list}`
  }

  /** Per list, the entries added and removed (block+allow, unblock+unallow). */
  lists(): Map<string, { added: number; removed: number }> {
    const out = new Map<string, { added: number; removed: number }>()
    for (const [key, n] of this.counts) {
      const [action, list] = key.split(' ') as [AuditAction, string]
      if (list === '' || action === 'refuse') continue
      const row = out.get(list) ?? { added: 0, removed: 0 }
      if (action === 'block' || action === 'allow') row.added += n
      else row.removed += n
      out.set(list, row)
    }
    return out
  }
}

/** Every event to each sink. */
export function teeAudit(...sinks: AuditSink[]): AuditSink {
  return {
    record: (event) => {
      for (const sink of sinks) sink.record(event)
    },
  }
}
