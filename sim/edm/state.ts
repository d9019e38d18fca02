/** edm-sim's state, and its snapshot for `--data-dir` (sim/edm/persist.ts). */
import { RecordStore } from './records.js'

export const SNAPSHOT_FORMAT = 1

/** What edm-sim stores: the records and, per AED, the last journal record read. */
export class EdmState {
  readonly records = new RecordStore()
  readonly cursors = new Map<string, number>()
  /** Records made through `/_sim/threats`, for their ids. */
  made = 0

  clear(): void {
    this.records.clear()
    this.cursors.clear()
    this.made = 0
  }

  snapshot(): unknown {
    return {
      format: SNAPSHOT_FORMAT,
      made: this.made,
      cursors: Object.fromEntries(this.cursors),
      records: this.records.snapshot(),
    }
  }

  restore(data: unknown): boolean {
    const d = data as {
      format?: number
      made?: number
      cursors?: Record<string, number>
      records?: unknown
    } | null
    if (d?.format !== SNAPSHOT_FORMAT) return false
    this.clear()
    this.made = d.made ?? 0
    for (const [key, seq] of Object.entries(d.cursors ?? {})) this.cursors.set(key, seq)
    this.records.restore(d.records)
    return true
  }
}

export interface FeedStatus {
  key: string
  lastSeq: number
  /** Journal records the AED dropped before EDM read them. */
  missed: number
  error: string | null
}
