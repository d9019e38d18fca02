/**
 * Opening the syslog file and finding its rotated generations. The file belongs to the syslog
 * daemon (root, syslog, adm), not to us, so unlike src/fs/secure-file.ts its owner is not
 * checked; the other house rules hold: no symlink is followed (O_NOFOLLOW, and candidates are
 * lstat'ed), a FIFO cannot hang the run (O_NONBLOCK), and what is opened must be a regular file,
 * checked on the descriptor (fstat).
 */
import { constants, type Stats } from 'node:fs'
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ConfigError } from '../errors.js'
import { HEAD_BYTES } from './checkpoint.js'

const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

export interface OpenLog {
  path: string
  handle: FileHandle
  st: Stats
  /** The file's first HEAD_BYTES bytes (fewer if it is shorter), for its fingerprint. */
  head: Buffer
}

/** Rotated names that hold compressed data: not readable as lines. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|lzma|z|zip)$/i

async function readHead(handle: FileHandle, size: number): Promise<Buffer> {
  const head = Buffer.alloc(Math.min(HEAD_BYTES, size))
  let got = 0
  while (got < head.length) {
    const { bytesRead } = await handle.read(head, got, head.length - got, got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return head.subarray(0, got)
}

async function openAt(path: string): Promise<OpenLog> {
  const handle = await open(path, READ)
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' })
    return { path, handle, st, head: await readHead(handle, st.size) }
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }
}

/**
 * Opens the configured file: undefined when nothing is at the path (deleted, or between a
 * rotation's rename and the daemon creating the new file). Anything that is there but cannot be
 * read as a plain file is a setting mistake (ConfigError, exit 2) naming `setting`.
 */
export async function openLogFile(path: string, setting: string): Promise<OpenLog | undefined> {
  try {
    return await openAt(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    const what =
      code === 'ELOOP'
        ? 'is a symbolic link (give the file itself)'
        : code === 'ENOTREG'
          ? 'is not a regular file'
          : code === 'EACCES'
            ? 'cannot be read by the user running the connector (add it to the group that owns the file, e.g. adm)'
            : `cannot be opened (${code ?? String(error)})`
    throw new ConfigError(`${setting} ${path} ${what}`, {
      option: setting,
      file: path,
      cause: error,
    })
  }
}

/** Opens a rotated generation; undefined when it went away or is not a plain readable file. */
export async function openRotated(path: string): Promise<OpenLog | undefined> {
  try {
    return await openAt(path)
  } catch {
    return undefined
  }
}

export interface RotatedCandidate {
  path: string
  st: Stats
}

/**
 * [I: A-SYSLOG-ROTATED-NAMES] The rotated generations of `path` that can be read: the entries of its directory named
 * `<file>.<anything>` or `<file>-<anything>` (logrotate's `<file>.1`, `<file>.2`, dateext's
 * `<file>-YYYYMMDD`, savelog's `<file>.0`) that are regular files (lstat: links are not
 * followed) and not compressed. Other directories (logrotate's `olddir`) are not looked at.
 */
export async function rotatedCandidates(path: string): Promise<RotatedCandidate[]> {
  const dir = dirname(path)
  const base = basename(path)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const found: RotatedCandidate[] = []
  for (const name of names) {
    if (name.length <= base.length + 1 || !name.startsWith(base)) continue
    const sep = name[base.length]
    if ((sep !== '.' && sep !== '-') || COMPRESSED.test(name)) continue
    const candidate = join(dir, name)
    try {
      const st = await lstat(candidate)
      if (st.isFile()) found.push({ path: candidate, st })
    } catch {
      // Gone since readdir: not a candidate.
    }
  }
  return found
}
