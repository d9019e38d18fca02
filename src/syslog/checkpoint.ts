/**
 * Where the syslog file reader stopped, and how it recognises that file again: its identity
 * (device and inode) and a fingerprint of its first bytes, which tells a file that grew from one
 * that was truncated or replaced under the same inode (copytruncate, or an editor).
 */
import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'

/** Bytes of the file's start that fingerprint it. */
export const HEAD_BYTES = 1024

export interface SyslogCheckpoint {
  version: 1
  /** Identity of the file `offset` belongs to (it may be a rotated file by now). */
  dev: number
  ino: number
  /** Bytes consumed: the start of the first line not yet handed out. */
  offset: number
  /** Lines consumed from that file (for positions in messages). */
  line: number
  /** SHA-256 (hex) of the first `headBytes` bytes: min(HEAD_BYTES, offset). */
  headBytes: number
  headSha256: string
  /**
   * How far the file was looked at (offset plus a partial last line): a file of this size and
   * modification time has nothing new.
   */
  readTo: number
  mtimeMs: number
}

export function headDigest(head: Buffer, bytes: number): string {
  return createHash('sha256').update(head.subarray(0, bytes)).digest('hex')
}

export function sameFile(st: Stats, cp: Pick<SyslogCheckpoint, 'dev' | 'ino'>): boolean {
  return st.dev === cp.dev && st.ino === cp.ino
}

/** True when the first bytes of a file (`head`, read from offset 0) are the checkpoint's. */
export function headMatches(head: Buffer, cp: SyslogCheckpoint): boolean {
  return head.length >= cp.headBytes && headDigest(head, cp.headBytes) === cp.headSha256
}

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** A checkpoint read back from the state file, or undefined when it is not one. */
export function readCheckpoint(value: unknown): SyslogCheckpoint | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  if (
    v.version !== 1 ||
    !isCount(v.dev) ||
    !isCount(v.ino) ||
    !isCount(v.offset) ||
    !isCount(v.line) ||
    !isCount(v.headBytes) ||
    v.headBytes > HEAD_BYTES ||
    v.headBytes > v.offset ||
    typeof v.headSha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(v.headSha256) ||
    !isCount(v.readTo) ||
    v.readTo < v.offset ||
    typeof v.mtimeMs !== 'number' ||
    !Number.isFinite(v.mtimeMs)
  )
    return undefined
  return {
    version: 1,
    dev: v.dev,
    ino: v.ino,
    offset: v.offset,
    line: v.line,
    headBytes: v.headBytes,
    headSha256: v.headSha256,
    readTo: v.readTo,
    mtimeMs: v.mtimeMs,
  }
}
