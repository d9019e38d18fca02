/**
 * `--data-dir` for a simulator whose state snapshots itself (aed-sim's and edm-sim's persist.ts):
 * the state survives restarts. A JSON snapshot is written shortly after changes (debounced) and on
 * shutdown, atomically, and loaded at start.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import writeFileAtomic from 'write-file-atomic'

/** What a simulator's state offers to be saved (aed-sim's AedState, edm-sim's EdmState). */
export interface Snapshotting {
  snapshot(): unknown
  /** False (and nothing changed) when the snapshot has another format. */
  restore(data: unknown): boolean
}

export class SnapshotFile {
  private timer: NodeJS.Timeout | undefined
  private dirty = false
  readonly file: string

  constructor(
    dir: string,
    fileName: string,
    private readonly state: Snapshotting,
    private readonly delayMs = 250,
  ) {
    mkdirSync(dir, { recursive: true })
    this.file = join(dir, fileName)
  }

  /** Loads the snapshot if there is one; says what happened. */
  load(): 'loaded' | 'absent' | 'incompatible' {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
      throw error
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw new Error(`${this.file} is not a readable snapshot (move it away to start afresh)`, {
        cause: error,
      })
    }
    return this.state.restore(data) ? 'loaded' : 'incompatible'
  }

  schedule(): void {
    this.dirty = true
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, this.delayMs)
    this.timer.unref()
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.dirty) return
    this.dirty = false
    writeFileAtomic.sync(this.file, JSON.stringify(this.state.snapshot()), { mode: 0o600 })
  }
}
