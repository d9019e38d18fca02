/**
 * What became of each ThreatQ indicator that owns a ledger entry, for the reasons of removals:
 * the reason it is not delivered, or where it goes. Kept as a sorted column of owners and a byte
 * each (9 bytes an owner, where a Map of a million owners held ~45 MB), the rare reason texts
 * beside them (docs/performance.md, "Issue 23: the lists delivery at a million").
 */

export interface Fate {
  action: 'deny' | 'allow'
  kind: 'host' | 'domain' | 'url'
}
const fate = (action: Fate['action']) => ({
  host: { action, kind: 'host' } as const,
  domain: { action, kind: 'domain' } as const,
  url: { action, kind: 'url' } as const,
})
/** One shared object per action and kind. */
export const FATES = { deny: fate('deny'), allow: fate('allow') }
const CODES: readonly Fate[] = [
  FATES.deny.host,
  FATES.deny.domain,
  FATES.deny.url,
  FATES.allow.host,
  FATES.allow.domain,
  FATES.allow.url,
]
/** The code of a fate given as a reason text (kept beside, by owner). */
const REASON = 255

export class OwnerFates {
  private readonly owners: Float64Array
  /** 0: not read this run (left the data collection, or deleted); 1–6: CODES; REASON. */
  private readonly codes: Uint8Array
  private readonly reasons = new Map<number, string>()

  constructor(owners: Iterable<number>, count: number) {
    const all = new Float64Array(count)
    let n = 0
    for (const owner of owners) if (n < count) all[n++] = owner
    all.subarray(0, n).sort()
    let distinct = 0
    for (let i = 0; i < n; i++) if (i === 0 || all[i] !== all[i - 1]) all[distinct++] = all[i] ?? 0
    this.owners = all.slice(0, distinct)
    this.codes = new Uint8Array(distinct)
  }

  has(owner: number): boolean {
    return this.find(owner) >= 0
  }

  /** Records what became of an owner read this run; an indicator that owns nothing is ignored. */
  set(owner: number, what: string | Fate): void {
    const at = this.find(owner)
    if (at < 0) return
    if (typeof what === 'string') {
      this.codes[at] = REASON
      this.reasons.set(owner, what)
    } else this.codes[at] = CODES.indexOf(what) + 1
  }

  /** What became of an owner: undefined when no member read this run was it. */
  get(owner: number): string | Fate | undefined {
    const at = this.find(owner)
    const code = at < 0 ? 0 : (this.codes[at] ?? 0)
    if (code === REASON) return this.reasons.get(owner)
    return code === 0 ? undefined : CODES[code - 1]
  }

  private find(owner: number): number {
    let lo = 0
    let hi = this.owners.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const at = this.owners[mid] ?? 0
      if (at === owner) return mid
      if (at < owner) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}
