/** What a run did, per direction: printed at the end and logged. */
import { oneLine } from '../log/one-line.js'

export class Counter {
  private readonly counts = new Map<string, number>()

  add(key: string, n = 1): void {
    // A kind counted zero times is not shown (`sent: event 0` reads as a write).
    if (n === 0) return
    this.counts.set(key, (this.counts.get(key) ?? 0) + n)
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0
  }

  /** Takes back `n` of `key` (an object counted as sent that AED already held), never below 0. */
  remove(key: string, n = 1): void {
    const left = this.get(key) - n
    if (left > 0) this.counts.set(key, left)
    else this.counts.delete(key)
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

/**
 * Each figure counts an object at most once per run (README "What the summary counts" defines
 * them per direction): a figure that can exceed the collection is counting something twice.
 */
export interface RunSummary {
  /** `lists`: the export delivered to AED's deny and allow lists over REST. */
  direction: 'export' | 'import' | 'lists'
  /** `--dry-run`: nothing was written; `sent` and `revoked` are what a run would do. */
  dryRun: boolean
  /** Objects read from the source system this run, per kind, whatever became of them. */
  fetched: Counter
  /** Objects written to the target system, per kind (new ones, on import). */
  sent: Counter
  /** Import: events written that ThreatQ already held (an ongoing alert read again), per kind. */
  updated: Counter
  /** Objects not sent, per reason. */
  skipped: Counter
  /** Export: values a never-block guard kept out, per reason. */
  refused: Counter
  /** Export: objects revoked in AED (or removed from its lists), per reason. */
  revoked: Counter
  /** Lists: values AED holds under someone else's annotation, per list; never touched. */
  foreign: Counter
  /** Objects the target refused, per reason (its answer, shortened: see `shortReason`). */
  rejected: Counter
  /** Objects the target already had in this exact version, per kind. */
  unchanged: Counter
  durationMs: number
  /** Facts for the summary table (collection title, event ids …). */
  notes: string[]
  /** Problems the run worked around but the user must hear of (exit 3), e.g. a lost ledger. */
  problems: string[]
}

export function newSummary(direction: RunSummary['direction'], dryRun = false): RunSummary {
  return {
    direction,
    dryRun,
    fetched: new Counter(),
    sent: new Counter(),
    updated: new Counter(),
    skipped: new Counter(),
    refused: new Counter(),
    revoked: new Counter(),
    foreign: new Counter(),
    rejected: new Counter(),
    unchanged: new Counter(),
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
    const target = s.direction === 'import' ? 'ThreatQ' : 'AED'
    const dry = s.dryRun ? `, dry run: nothing sent to ${target}` : ''
    lines.push(`${title} (${(s.durationMs / 1000).toFixed(1)} s${dry})`)
    // A dry run's figures are what a run would write: no wording that claims delivery.
    const line = (label: string, text: string): void => {
      lines.push(`  ${`${label}:`.padEnd(10)} ${text}`)
    }
    line('fetched', list(s.fetched))
    line(s.dryRun ? 'would send' : 'sent', list(s.sent))
    if (s.direction === 'import') line(s.dryRun ? 'would update' : 'updated', list(s.updated))
    line('skipped', list(s.skipped))
    if (s.direction !== 'import') {
      line('refused', list(s.refused))
      const revoked = s.direction === 'lists' ? 'remove' : 'revoke'
      line(s.dryRun ? `would ${revoked}` : `${revoked}d`, list(s.revoked))
    }
    if (s.direction === 'lists') line('foreign', list(s.foreign))
    line('unchanged', list(s.unchanged))
    line('rejected', list(s.rejected))
    // Notes quote servers (a collection title, an AED refusal): each stays one line of its own.
    for (const note of s.notes) lines.push(`  ${oneLine(note)}`)
    for (const problem of s.problems) lines.push(`  PROBLEM: ${oneLine(problem)}`)
  }
  return lines.join('\n')
}

/**
 * A target's refusal as a short, stable reason to count by: one line, ids and numbers that differ
 * per object replaced, cut to a length a summary line can hold.
 */
export function shortReason(message: string, max = 80): string {
  const text = message
    .replace(/\s+/g, ' ')
    .replace(/\b[a-z][a-z0-9-]*--[0-9a-f-]{36}\b/gi, '<id>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    // Sizes and counts (an object's bytes); a status code (3 digits) stays.
    .replace(/\b\d{4,}\b/g, 'N')
    .trim()
  const one = oneLine(text === '' ? 'no reason given' : text)
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}
