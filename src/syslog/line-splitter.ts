/**
 * Splits a byte stream read in chunks into complete lines, in bounded memory: a line longer than
 * the cap is never buffered whole but counted as too long and skipped up to its newline, and
 * the bytes after the last newline wait for the next chunk (a partial line is never consumed).
 */

/** A complete line (without its `\n`), or a line too long to keep. */
export type SplitLine =
  | { kind: 'line'; offset: number; bytes: Buffer }
  | { kind: 'too-long'; offset: number; length: number }

const NEWLINE = 0x0a

export class LineSplitter {
  /** Pieces of the line being read (the part after the last newline seen). */
  private pending: Buffer[] = []
  private pendingLength = 0
  /** The current line passed the cap: its bytes are counted, not kept. */
  private skipping = false
  /** File offset where the current (incomplete) line starts: everything before is consumed. */
  private start: number

  constructor(
    startOffset: number,
    private readonly maxLineBytes: number,
  ) {
    this.start = startOffset
  }

  /** Offset of the first byte not yet part of a complete line. */
  get consumed(): number {
    return this.start
  }

  /** Bytes of the incomplete line waiting for its newline. */
  get waiting(): number {
    return this.pendingLength
  }

  /** Bytes held in memory for it: at most the cap, whatever the line's length. */
  get held(): number {
    return this.pending.reduce((sum, piece) => sum + piece.length, 0)
  }

  /** Feeds a chunk that follows the previous one in the file; calls `emit` per complete line. */
  push(chunk: Buffer, emit: (line: SplitLine) => void): void {
    let from = 0
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, from)
      if (nl === -1) break
      const length = this.pendingLength + (nl - from)
      if (this.skipping || length > this.maxLineBytes) {
        emit({ kind: 'too-long', offset: this.start, length })
      } else {
        const piece = chunk.subarray(from, nl)
        const bytes =
          this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece], length)
        emit({ kind: 'line', offset: this.start, bytes })
      }
      this.start += length + 1
      this.pending = []
      this.pendingLength = 0
      this.skipping = false
      from = nl + 1
    }
    if (from >= chunk.length) return
    const rest = chunk.subarray(from)
    this.pendingLength += rest.length
    if (this.skipping) return
    if (this.pendingLength > this.maxLineBytes) {
      this.skipping = true
      this.pending = []
    } else this.pending.push(rest)
  }

  /**
   * Ends a stream that will not grow (a rotated file the daemon has left): its unterminated last
   * line, if any, is handed out (`partial`) and consumed.
   */
  finish(emit: (line: SplitLine, partial: true) => void): void {
    if (this.pendingLength === 0) return
    const length = this.pendingLength
    if (this.skipping) emit({ kind: 'too-long', offset: this.start, length }, true)
    else
      emit({ kind: 'line', offset: this.start, bytes: Buffer.concat(this.pending, length) }, true)
    this.start += length
    this.pending = []
    this.pendingLength = 0
    this.skipping = false
  }
}
