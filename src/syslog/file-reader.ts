/**
 * Reads what is new in a syslog file (written by rsyslog or syslog-ng) since a checkpoint, in
 * batches of complete lines, each with the checkpoint after it: the caller saves a batch's
 * checkpoint once it has imported the batch, so a crash re-reads at most that batch and never
 * skips one. Memory stays bounded: the file is streamed in chunks, and a line longer than
 * `maxLineBytes` is counted and skipped without being held whole.
 *
 * How each change to the file between two runs is met (docs/reliability.md, "Reading the syslog
 * file", states what it cannot guarantee):
 * - it grew: the new complete lines; a partial last line waits for its newline;
 * - nothing new (same file, size and modification time): an open, an fstat and one read of its
 *   first 1 KiB (the fingerprint), nothing else;
 * - rotated by rename (another file at the path, or none yet): the checkpoint's file is found
 *   among the rotated names by inode (log-files.ts rotatedCandidates) and its rest read first,
 *   then any later generation never read, then the new file from its start. While the new file
 *   is still empty the daemon may still be writing to the renamed one, so the reader stays on it;
 * - copytruncate (the same file, shorter, or its first bytes changed): the copy is found among
 *   the rotated names by its first bytes (the checkpoint's fingerprint) and its rest read, then
 *   the truncated file from its start;
 * - replaced by a file with other content, or deleted: said in a notice; a new file is read from
 *   its start.
 */
import type { Stats } from 'node:fs'
import {
  HEAD_BYTES,
  headDigest,
  headMatches,
  sameFile,
  type SyslogCheckpoint,
} from './checkpoint.js'
import { LineSplitter, type SplitLine } from './line-splitter.js'
import {
  openLogFile,
  openRotated,
  rotatedCandidates,
  type OpenLog,
  type RotatedCandidate,
} from './log-files.js'

export interface SyslogReadOptions {
  /** The setting that named the file, for error messages (default `syslog_file`). */
  setting?: string
  /** Longer lines are counted as too long and skipped (default 64 KiB; rsyslog's default maximum message is 8 KiB). */
  maxLineBytes?: number
  /** Lines per batch (default 1,000). */
  batchLines?: number
  /** Bytes per read (default 64 KiB). */
  chunkBytes?: number
  /** Without a checkpoint: read the whole file (default) or start after its last complete line. */
  firstRun?: 'beginning' | 'end'
}

interface LineBase {
  /** The file the line was read from (a rotated name when it came from a rotated file). */
  file: string
  /** Byte offset of the line's first byte in that file. */
  offset: number
  /** 1-based line number in that file, counted from where the reader first started in it. */
  line: number
  /** The unterminated last line of a file the daemon no longer writes to. */
  partial: boolean
}

export type SyslogLine =
  (LineBase & { kind: 'line'; bytes: Buffer }) | (LineBase & { kind: 'too-long'; length: number })

export type ReaderNoticeKind =
  | 'first-run'
  | 'missing'
  | 'rotated'
  | 'rotated-not-found'
  | 'truncated'
  | 'copy-not-found'
  | 'replaced'
  | 'unread-generation'
  | 'waiting-for-new-file'

/**
 * Notices that say the file changed in a way rotation does not explain (gone, shrunk, replaced)
 * or that lines may be lost: logged as warnings, so a run at the default level shows them.
 */
export const WARNING_NOTICES: ReadonlySet<ReaderNoticeKind> = new Set([
  'missing',
  'truncated',
  'copy-not-found',
  'rotated-not-found',
  'replaced',
])

export interface ReaderNotice {
  kind: ReaderNoticeKind
  file: string
  message: string
}

export interface SyslogBatch {
  lines: SyslogLine[]
  /** The checkpoint once these lines are imported; undefined only while there never was a file. */
  checkpoint: SyslogCheckpoint | undefined
  notices: ReaderNotice[]
}

interface Step {
  file: OpenLog
  from: number
  line: number
  /** The daemon no longer writes to it: its unterminated last line is handed out too. */
  final: boolean
}

const DEFAULTS = {
  setting: 'syslog_file',
  maxLineBytes: 64 * 1024,
  batchLines: 1000,
  chunkBytes: 64 * 1024,
  firstRun: 'beginning',
} as const

/** How many rotated files are opened to compare first bytes, newest first. */
const MAX_CONTENT_CANDIDATES = 16

/**
 * Yields the new lines in batches; the last batch (possibly without lines) carries the final
 * checkpoint and any remaining notices. Always yields at least one batch.
 */
export async function* readSyslogFile(
  path: string,
  checkpoint: SyslogCheckpoint | undefined,
  options: SyslogReadOptions = {},
): AsyncGenerator<SyslogBatch, void, undefined> {
  const o = { ...DEFAULTS, ...options }
  const opened: OpenLog[] = []
  const notices: ReaderNotice[] = []
  const notice = (kind: ReaderNoticeKind, file: string, message: string): void => {
    notices.push({ kind, file, message })
  }
  let cp = checkpoint
  try {
    const live = await openLogFile(path, o.setting)
    if (live !== undefined) opened.push(live)
    const steps = await plan(path, cp, live, o, notice, opened)
    for (const step of steps) {
      for await (const part of readFrom(step, o)) {
        cp = part.checkpoint
        if (part.lines.length > 0)
          yield { lines: part.lines, checkpoint: cp, notices: notices.splice(0) }
      }
    }
    yield { lines: [], checkpoint: cp, notices: notices.splice(0) }
  } finally {
    for (const file of opened) await file.handle.close().catch(() => undefined)
  }
}

type Notify = (kind: ReaderNoticeKind, file: string, message: string) => void

/** What to read, in order, to go from the checkpoint to the end of the file at `path`. */
async function plan(
  path: string,
  cp: SyslogCheckpoint | undefined,
  live: OpenLog | undefined,
  o: Required<SyslogReadOptions>,
  notice: Notify,
  opened: OpenLog[],
): Promise<Step[]> {
  const keep = (file: OpenLog | undefined): OpenLog | undefined => {
    if (file !== undefined) opened.push(file)
    return file
  }
  if (cp === undefined) {
    if (live === undefined) {
      notice('missing', path, `${path} does not exist (yet): nothing to read`)
      return []
    }
    const from = o.firstRun === 'end' ? await lastLineEnd(live, o.maxLineBytes) : 0
    notice('first-run', path, `no checkpoint: reading ${path} from byte ${String(from)}`)
    return [{ file: live, from, line: 0, final: false }]
  }

  if (live !== undefined && sameFile(live.st, cp)) {
    if (live.st.size === cp.readTo && live.st.mtimeMs === cp.mtimeMs) return []
    if (cp.headBytes === 0) {
      // Nothing read yet (the file was empty): no fingerprint tells a copytruncate, so a copy
      // made since the last run (modified after it) is read whole first.
      return afterRotation(path, live, undefined, cp, notice, keep, undefined, false)
    }
    if (live.st.size >= cp.offset && headMatches(live.head, cp))
      return [{ file: live, from: cp.offset, line: cp.line, final: false }]
    // Same inode, but shorter or with other first bytes: truncated in place (copytruncate).
    notice(
      'truncated',
      path,
      `${path} was truncated (${String(live.st.size)} bytes, had ${String(cp.offset)} read): reading the rest of its copy, then the file from its start`,
    )
    const copy = keep(await findByContent(path, cp, [live.st]))
    if (copy === undefined)
      notice(
        'copy-not-found',
        path,
        `no rotated copy of ${path} starts with the bytes already read: lines written after the last run and before the truncation are not read`,
      )
    const first =
      copy === undefined ? undefined : { file: copy, from: cp.offset, line: cp.line, final: true }
    return afterRotation(path, live, copy, cp, notice, keep, first, false)
  }

  // Nothing at the path, or another file: the checkpoint's file was renamed (rotated).
  const exclude = live === undefined ? [] : [live.st]
  const old = keep((await findByInode(path, cp)) ?? (await findByContent(path, cp, exclude)))
  if (old !== undefined)
    notice('rotated', old.path, `${path} was rotated: reading the rest of ${old.path}`)
  else {
    notice(
      'rotated-not-found',
      path,
      `the file read last time (inode ${String(cp.ino)}) is not at ${path} nor among its uncompressed rotated names: lines written to it after the last run are not read`,
    )
    if (
      live !== undefined &&
      cp.headBytes > 0 &&
      live.st.size >= cp.offset &&
      headMatches(live.head, cp)
    ) {
      notice(
        'replaced',
        path,
        `${path} is a copy of the file read last time: continuing after byte ${String(cp.offset)}`,
      )
      return [{ file: live, from: cp.offset, line: cp.line, final: false }]
    }
    if (live !== undefined)
      notice('replaced', path, `${path} is another file: reading it from its start`)
  }
  const first =
    old === undefined ? undefined : { file: old, from: cp.offset, line: cp.line, final: true }
  return afterRotation(path, live, old, cp, notice, keep, first, true)
}

/**
 * After the checkpoint's file (`previous`, or none found; `first` reads its rest): the
 * generations rotated since, whole, oldest first, then the file at the path from its start.
 * With `waitForBytes` (rotation by rename) the daemon writes to the last renamed file until it
 * reopens the path, so while nothing is at the path, or an empty file, the reader stays on it.
 */
async function afterRotation(
  path: string,
  live: OpenLog | undefined,
  previous: OpenLog | undefined,
  cp: SyslogCheckpoint,
  notice: Notify,
  keep: (file: OpenLog | undefined) => OpenLog | undefined,
  first: Step | undefined,
  waitForBytes: boolean,
): Promise<Step[]> {
  const since = previous?.st.mtimeMs ?? cp.mtimeMs
  const exclude = [live?.st, previous?.st].filter((st) => st !== undefined)
  const steps: Step[] = first === undefined ? [] : [first]
  for (const file of await newerGenerations(path, since, exclude, notice, keep))
    steps.push({ file, from: 0, line: 0, final: true })
  const last = steps.at(-1)
  if (live === undefined) {
    if (last !== undefined) last.final = false
    notice(
      'missing',
      path,
      last === undefined
        ? `${path} does not exist (deleted?): nothing to read`
        : `${path} does not exist (rotated, not yet recreated): staying on ${last.file.path}`,
    )
    return steps
  }
  if (waitForBytes && last !== undefined && live.st.size === 0) {
    last.final = false
    notice(
      'waiting-for-new-file',
      path,
      `${path} is new and still empty: staying on ${last.file.path}`,
    )
    return steps
  }
  steps.push({ file: live, from: 0, line: 0, final: false })
  return steps
}

const isOneOf = (st: Stats, files: readonly Stats[]): boolean =>
  files.some((f) => f.dev === st.dev && f.ino === st.ino)

/** The checkpoint's file under a rotated name, by inode (and still its first bytes). */
async function findByInode(path: string, cp: SyslogCheckpoint): Promise<OpenLog | undefined> {
  for (const candidate of await rotatedCandidates(path)) {
    if (!sameFile(candidate.st, cp)) continue
    const file = await openRotated(candidate.path)
    if (file === undefined) continue
    // An inode is reused once its file is deleted: the first bytes tell.
    if (sameFile(file.st, cp) && file.st.size >= cp.offset && headMatches(file.head, cp))
      return file
    await file.handle.close()
  }
  return undefined
}

/** A rotated copy (copytruncate) starting with the bytes the checkpoint has read. */
async function findByContent(
  path: string,
  cp: SyslogCheckpoint,
  exclude: readonly Stats[],
): Promise<OpenLog | undefined> {
  // With nothing read there is nothing to recognise a copy by.
  if (cp.headBytes === 0) return undefined
  const candidates = (await rotatedCandidates(path))
    .filter((c) => c.st.size >= cp.offset && !isOneOf(c.st, exclude))
    .sort(byMtime)
    .reverse()
    .slice(0, MAX_CONTENT_CANDIDATES)
  for (const candidate of candidates) {
    const file = await openRotated(candidate.path)
    if (file === undefined) continue
    if (file.st.size >= cp.offset && headMatches(file.head, cp)) return file
    await file.handle.close()
  }
  return undefined
}

const byMtime = (a: RotatedCandidate, b: RotatedCandidate): number => a.st.mtimeMs - b.st.mtimeMs

/**
 * Generations rotated after the checkpoint's file (two rotations between runs): modified after
 * it, oldest first. None of them was read; each is read whole.
 */
async function newerGenerations(
  path: string,
  sinceMs: number,
  exclude: readonly Stats[],
  notice: Notify,
  keep: (file: OpenLog | undefined) => OpenLog | undefined,
): Promise<OpenLog[]> {
  const newer = (await rotatedCandidates(path))
    .filter((c) => c.st.mtimeMs > sinceMs && !isOneOf(c.st, exclude))
    .sort(byMtime)
  const files: OpenLog[] = []
  for (const candidate of newer) {
    const file = keep(await openRotated(candidate.path))
    if (file === undefined) continue
    notice(
      'unread-generation',
      file.path,
      `${file.path} was rotated since the last run: reading it whole`,
    )
    files.push(file)
  }
  return files
}

/** Offset just after the last complete line (first run starting at the end). */
async function lastLineEnd(file: OpenLog, maxLineBytes: number): Promise<number> {
  const size = file.st.size
  const length = Math.min(size, maxLineBytes + 1)
  const tail = Buffer.alloc(length)
  const { bytesRead } = await file.handle.read(tail, 0, length, size - length)
  const nl = tail.subarray(0, bytesRead).lastIndexOf(0x0a)
  if (nl !== -1) return size - length + nl + 1
  // No newline in reach: the whole file is one partial line, or the end of an overlong one.
  return length === size ? 0 : size
}

interface Part {
  lines: SyslogLine[]
  checkpoint: SyslogCheckpoint
}

/** Streams one file from `from` to its size when opened, in batches. */
async function* readFrom(step: Step, o: Required<SyslogReadOptions>): AsyncGenerator<Part> {
  const { file, final } = step
  const end = file.st.size
  const splitter = new LineSplitter(step.from, o.maxLineBytes)
  let lineNo = step.line
  let lines: SyslogLine[] = []
  const emit = (l: SplitLine, partial = false): void => {
    lineNo++
    const { path } = file
    lines.push(
      l.kind === 'line'
        ? { kind: 'line', file: path, offset: l.offset, line: lineNo, partial, bytes: l.bytes }
        : {
            kind: 'too-long',
            file: path,
            offset: l.offset,
            line: lineNo,
            partial,
            length: l.length,
          },
    )
  }
  const checkpointAt = (readTo: number): SyslogCheckpoint => {
    const offset = splitter.consumed
    const headBytes = Math.min(HEAD_BYTES, offset, file.head.length)
    return {
      version: 1,
      dev: file.st.dev,
      ino: file.st.ino,
      offset,
      line: lineNo,
      headBytes,
      headSha256: headDigest(file.head, headBytes),
      readTo,
      mtimeMs: file.st.mtimeMs,
    }
  }
  let pos = step.from
  while (pos < end) {
    // A fresh buffer per read: the lines handed out are views into it.
    const chunk = Buffer.allocUnsafe(Math.min(o.chunkBytes, end - pos))
    const { bytesRead } = await file.handle.read(chunk, 0, chunk.length, pos)
    if (bytesRead === 0) break // It shrank while being read: the next run notices.
    pos += bytesRead
    splitter.push(chunk.subarray(0, bytesRead), emit)
    if (lines.length >= o.batchLines) {
      yield { lines, checkpoint: checkpointAt(splitter.consumed) }
      lines = []
    }
  }
  if (final)
    splitter.finish((l) => {
      emit(l, true)
    })
  yield { lines, checkpoint: checkpointAt(pos) }
}
