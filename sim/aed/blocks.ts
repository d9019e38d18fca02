/**
 * [SIM] The appliance's journal of blocked traffic: one record per blocked flow, with its
 * connection count and what blocked it. Notifications are made from it, and an EDM stand-in reads
 * it through `GET /_sim/blocks` (docs/sim-edm.md). Bounded: the oldest records go first.
 */
import type { Alert } from './alerts.js'
import type { BlockSource } from './traffic.js'

/** [SIM] SIM-AED-56: records kept; a reader further behind than this misses the oldest. */
export const MAX_BLOCKS = 100_000

export interface Block {
  /** 1, 2, 3…: never reused, so a reader resumes after the last one it saw. */
  seq: number
  /** When the flow was blocked, epoch milliseconds. */
  timeMs: number
  connections: number
  source: BlockSource
  /** The AIF rule's element id; null for deny-list and STIX blocks. */
  elementId: number | null
  alert: Alert
}

export class BlockLog {
  private records: Block[] = []
  private nextSeq = 1

  get size(): number {
    return this.records.length
  }

  /** The last seq handed out (0 before the first block). */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  clear(): void {
    this.records = []
    this.nextSeq = 1
  }

  add(entry: Omit<Block, 'seq'>): Block {
    const block: Block = { seq: this.nextSeq++, ...entry }
    this.records.push(block)
    // Trimmed in chunks: one splice per thousand blocks, not one per block.
    if (this.records.length > MAX_BLOCKS + 1000)
      this.records.splice(0, this.records.length - MAX_BLOCKS)
    return block
  }

  /** Up to `limit` records with seq > `after`, oldest first. */
  after(after: number, limit: number): Block[] {
    let lo = 0
    let hi = this.records.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.records[mid] as Block).seq <= after) lo = mid + 1
      else hi = mid
    }
    const start = Math.max(lo, this.records.length - MAX_BLOCKS)
    return this.records.slice(start, start + limit)
  }

  snapshot(): unknown {
    return { nextSeq: this.nextSeq, records: this.records.slice(-MAX_BLOCKS) }
  }

  restore(data: unknown): void {
    this.clear()
    const d = data as { nextSeq?: number; records?: Block[] } | undefined
    this.records = [...(d?.records ?? [])]
    this.nextSeq = Math.max(d?.nextSeq ?? 1, (this.records.at(-1)?.seq ?? 0) + 1)
  }
}
