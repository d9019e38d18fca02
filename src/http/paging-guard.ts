/**
 * The one rule every paging loop follows against a server that would never stop
 * (docs/reliability.md, "Hostile input"): a
 * page that brings nothing new, or a cursor that repeats or goes backwards, ends the loop. The
 * loop decides whether that is an error (a read that decides revocations must not act on a
 * partial answer) or a warning and a clean stop. Where a server states a total, the loops bound
 * by it themselves (TAXII 2.0 positions stop at it, ThreatQ's runaway and offset checks).
 */

export interface GuardedPage {
  /** A stable key per item (id, id + version); a page whose keys were all seen is nothing new. */
  keys: Iterable<string>
  /** What the next request will ask for: a token must be new, a number must grow. */
  next?: string | number | undefined
}

export class PagingGuard {
  private readonly seen = new Set<string>()
  private readonly cursors = new Set<string>()
  private lastNumber: number | undefined
  private pages = 0

  /**
   * Notes one page; answers why paging must stop, or undefined to go on. Call it before asking
   * for the next page, for every non-empty page (an empty page ends paging anyway).
   */
  check(page: GuardedPage): string | undefined {
    this.pages++
    let fresh = false
    for (const key of page.keys) {
      if (!this.seen.has(key)) {
        this.seen.add(key)
        fresh = true
      }
    }
    if (!fresh) return `page ${String(this.pages)} brings nothing new (every item was seen before)`
    const next = page.next
    if (typeof next === 'number') {
      if (this.lastNumber !== undefined && next <= this.lastNumber)
        return `the next position ${String(next)} does not advance past ${String(this.lastNumber)}`
      this.lastNumber = next
    } else if (next !== undefined) {
      if (this.cursors.has(next)) return `the next cursor repeats one already followed`
      this.cursors.add(next)
    }
    return undefined
  }
}
