/** What a run did, per direction: printed at the end and logged. */
import { oneLine } from '../log/one-line.js'

export class Counter {
  private readonly counts = new Map<string, number>()

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n)
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0
  }

  get total(): number {
    let sum = 0
    for (const n of this.counts.values()) sum += n
    return sum
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
}

export interface RunSummary {
  /** `lists`: the export delivered to AED's deny and allow lists over REST. */
  direction: 'export' | 'import' | 'lists'
  /** Objects read from the source system, per kind. */
  fetched: Counter
  /** Objects written to the target system, per kind. */
  sent: Counter
  /** Objects not sent, per reason. */
  skipped: Counter
  /** Export: values a never-block guard kept out, per reason. */
  refused: Counter
  /** Export: objects revoked in AED (or removed from its lists), per reason. */
  revoked: Counter
  /** Lists: values AED holds under someone else's annotation, per list; never touched. */
  foreign: Counter
  /** Objects the target refused. */
  rejected: number
  /** Objects the target already had in this exact version. */
  unchanged: number
  durationMs: number
  /** Facts for the summary table (collection title, event ids …). */
  notes: string[]
  /** Problems the run worked around but the user must hear of (exit 3), e.g. a lost ledger. */
  problems: string[]
}

export function newSummary(direction: RunSummary['direction']): RunSummary {
  return {
    direction,
    fetched: new Counter(),
    sent: new Counter(),
    skipped: new Counter(),
    refused: new Counter(),
    revoked: new Counter(),
    foreign: new Counter(),
    rejected: 0,
    unchanged: 0,
    durationMs: 0,
    notes: [],
    problems: [],
  }
}

export function formatSummary(summaries: readonly RunSummary[]): string {
  const lines: string[] = []
  for (const s of summaries) {
    const list = (c: Counter): string =>
      Object.entries(c.toJSON())
        .map(([k, n]) => `${k} ${String(n)}`)
        .join(', ') || 'none'
    const title = s.direction === 'lists' ? 'export to AED lists' : s.direction
    lines.push(`${title} (${(s.durationMs / 1000).toFixed(1)} s)`)
    lines.push(`  fetched:   ${list(s.fetched)}`)
    lines.push(`  sent:      ${list(s.sent)}`)
    lines.push(`  skipped:   ${list(s.skipped)}`)
    if (s.direction !== 'import') {
      lines.push(`  refused:   ${list(s.refused)}`)
      lines.push(`  ${s.direction === 'lists' ? 'removed: ' : 'revoked: '}  ${list(s.revoked)}`)
    }
    if (s.direction === 'lists') lines.push(`  foreign:   ${list(s.foreign)}`)
    lines.push(`  unchanged: ${String(s.unchanged)}`)
    lines.push(`  rejected:  ${String(s.rejected)}`)
    // Notes quote servers (a collection title, an AED refusal): each stays one line of its own.
    for (const note of s.notes) lines.push(`  ${oneLine(note)}`)
    for (const problem of s.problems) lines.push(`  PROBLEM: ${oneLine(problem)}`)
  }
  return lines.join('\n')
}
