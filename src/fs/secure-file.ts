/**
 * Every file the connector keeps (config, state, ledgers and journal, lists ledger, log, cron
 * file) is opened here, and only here. The connector runs as root from cron: a symbolic link,
 * a FIFO or another user's file planted at one of these names must not redirect tokens or log
 * lines elsewhere, nor be read back as ours (docs/reliability.md, "Hostile input"). So:
 *
 * - nothing follows a symlink: opens use O_NOFOLLOW, atomic writes lstat the target and never
 *   realpath it (write-file-atomic does, so it is not used);
 * - an opened file must be a regular file owned by the running user, checked on the descriptor
 *   (fstat), so nothing can be swapped in between the check and the use;
 * - a violation is a ConfigError (exit 2) naming the file and what is wrong with it;
 * - directories holding them must not be writable by others (checkPrivateDir).
 */
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs'
import { lstat, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { ConfigError } from '../errors.js'

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } =
  constants
// O_NONBLOCK: opening a planted FIFO returns at once (and is then refused) instead of hanging
// the run; it changes nothing for regular files.
const READ = O_RDONLY | O_NOFOLLOW | O_NONBLOCK
const APPEND = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK
const CREATE_NEW = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW

const uid = (): number | undefined => process.getuid?.()

function refuse(path: string, what: string, cause?: unknown): ConfigError {
  return new ConfigError(
    `${path} ${what}: the connector only uses regular files of its own user in its config and log directories; move it away`,
    { file: path, ...(cause === undefined ? {} : { cause }) },
  )
}

/** Why a file found at one of our names cannot be used, or undefined when it can. */
function problem(st: Stats, options: { append?: boolean } = {}): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link'
  if (!st.isFile()) return 'is not a regular file'
  const me = uid()
  if (me !== undefined && st.uid !== me)
    return `is owned by uid ${String(st.uid)}, not by the user running the connector (uid ${String(me)})`
  // Appending to a hard link writes into every name it has (a log line into another file).
  if (options.append === true && st.nlink > 1)
    return `has ${String(st.nlink)} hard links (it is also another file)`
  return undefined
}

/** The open error of a name that is not a plain file, as a ConfigError; others pass through. */
function openError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code
  // O_NOFOLLOW on a symlink: ELOOP. A FIFO without a reader, opened for writing: ENXIO.
  if (code === 'ELOOP') return refuse(path, 'is a symbolic link', error)
  if (code === 'ENXIO') return refuse(path, 'is not a regular file', error)
  return error
}

/** The handle's stats once it is known to be a file of ours; closes it and throws if not. */
async function checked(
  handle: FileHandle,
  path: string,
  options?: { append?: boolean },
): Promise<Stats> {
  const st = await handle.stat()
  const wrong = problem(st, options)
  if (wrong === undefined) return st
  await handle.close()
  throw refuse(path, wrong)
}

/**
 * Reads a private file: undefined if it does not exist. `mode` is its permission bits, for the
 * warning about secrets others can read.
 */
export async function readPrivate(
  path: string,
): Promise<{ bytes: Buffer; mode: number } | undefined> {
  const opened = await openPrivate(path)
  if (opened === undefined) return undefined
  try {
    return { bytes: await opened.handle.readFile(), mode: opened.st.mode & 0o7777 }
  } finally {
    await opened.handle.close().catch(() => undefined)
  }
}

/**
 * Opens a private file for reading in parts (the caller closes it): undefined if it does not
 * exist. For files too large to hold whole (the syslog import's aggregates).
 */
export async function openPrivate(
  path: string,
): Promise<{ handle: FileHandle; st: Stats } | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, READ)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw openError(path, error)
  }
  try {
    return { handle, st: await checked(handle, path) }
  } catch (error) {
    await handle.close().catch(() => undefined)
    throw error
  }
}

/** readPrivate as UTF-8 text. */
export async function readPrivateText(path: string): Promise<string | undefined> {
  return (await readPrivate(path))?.bytes.toString('utf8')
}

/** Opens (creating, 0600) a private file for appending: the export journal. */
export async function appendPrivate(path: string): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await open(path, APPEND, 0o600)
  } catch (error) {
    throw openError(path, error)
  }
  await checked(handle, path, { append: true })
  return handle
}

/** appendPrivate for a synchronous caller (the log file: pino gets the descriptor). */
export function appendPrivateSync(path: string): number {
  let fd: number
  try {
    fd = openSync(path, APPEND, 0o600)
  } catch (error) {
    throw openError(path, error)
  }
  const wrong = problem(fstatSync(fd), { append: true })
  if (wrong === undefined) return fd
  closeSync(fd)
  throw refuse(path, wrong)
}

/**
 * Refuses what is at `path` if it is there and not a file of ours. A rename replaces a symlink
 * rather than its target, but a link there is a sign of tampering worth stopping for.
 */
async function checkTarget(path: string): Promise<void> {
  let st: Stats
  try {
    st = await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const wrong = problem(st)
  if (wrong !== undefined) throw refuse(path, wrong)
}

/**
 * Atomic 0600 write (or `mode`): a temp file beside the target (O_EXCL|O_NOFOLLOW: never someone else's
 * file), written and fsynced, then renamed over the target (a crash leaves the old file or the
 * new one, never a mix), then the directory fsynced so the rename itself survives a power cut.
 */
export async function writePrivateFile(
  path: string,
  /** The content, or its parts in order (written as they come: a large file is never held whole). */
  content: string | Buffer | Iterable<Uint8Array> | AsyncIterable<string | Uint8Array>,
  /** Other than 0600 only for a file that holds no secret and others must read (metrics). */
  mode = 0o600,
): Promise<void> {
  await checkTarget(path)
  const temp = join(
    dirname(path),
    `.${basename(path)}.${String(process.pid)}.${randomBytes(6).toString('hex')}.tmp`,
  )
  let handle: FileHandle | undefined
  try {
    handle = await open(temp, CREATE_NEW, 0o600)
    // The umask can only take bits away; this makes the mode exactly that whatever it is.
    await handle.chmod(mode)
    if (typeof content === 'string' || Buffer.isBuffer(content)) await handle.writeFile(content)
    else
      // writeFile, unlike write, loops until the whole part is written (a full disk throws).
      for await (const part of content) await handle.writeFile(part)
    await handle.sync()
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    throw error
  }
  await syncDir(dirname(path))
}

async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, O_RDONLY | O_DIRECTORY)
    await handle.sync()
  } catch {
    // Best effort: some file systems refuse fsync on a directory; the data itself is synced.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

/**
 * Refuses a directory others can write to (they could plant or replace the connector's files):
 * group- or world-writable without the sticky bit, or owned by neither the running user nor
 * root. With the sticky bit (/tmp), others cannot rename or remove our files, and every file is
 * opened without following links and checked for its owner, so at worst a planted name is
 * refused. `setting` names where the directory came from (`--config`, `-ll`).
 */
export async function checkPrivateDir(dir: string, setting: string): Promise<void> {
  let st: Stats
  try {
    // A symlinked directory is a legitimate layout; what matters is the directory it is.
    st = await stat(dir)
  } catch (error) {
    throw dirError(dir, setting, error)
  }
  const wrong = dirProblem(st, dir)
  if (wrong !== undefined)
    throw new ConfigError(`${setting} ${wrong}`, { option: setting, file: dir })
}

function dirError(dir: string, setting: string, error: unknown): ConfigError {
  return new ConfigError(
    `${setting} ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    { cause: error, option: setting, file: dir },
  )
}

function dirProblem(st: Stats, dir: string): string | undefined {
  if (!st.isDirectory()) return `${dir} is not a directory`
  const me = uid()
  if (me !== undefined && st.uid !== me && st.uid !== 0)
    return `${dir} is owned by uid ${String(st.uid)}, neither the user running the connector (uid ${String(me)}) nor root: others could replace its files; use a directory of your own`
  const mode = st.mode & 0o7777
  if ((mode & 0o022) !== 0 && (mode & 0o1000) === 0)
    return `${dir} is writable by ${(mode & 0o002) !== 0 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): others could plant or replace its files; fix it with: chmod go-w ${dir}`
  return undefined
}

/**
 * Refuses, before a run uses any of them, what is at these names if it is not a file of ours:
 * the run then stops before it contacts anything, rather than half-way at its first write.
 */
export async function checkPrivateFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) await checkTarget(path)
}

/**
 * A warning for each of these secrets files that others can read (group or world read bit),
 * naming the file, what it holds and the chmod that fixes it.
 */
export async function readableSecrets(
  files: readonly { path: string; holds: string }[],
): Promise<{ file: string; message: string }[]> {
  const warnings: { file: string; message: string }[] = []
  for (const { path, holds } of files) {
    let mode: number
    try {
      mode = (await lstat(path)).mode & 0o777
    } catch {
      continue // Not there (yet): nothing to expose.
    }
    if ((mode & 0o044) !== 0)
      warnings.push({
        file: path,
        message: `${path} holds ${holds} and is readable by others (mode ${mode.toString(8).padStart(4, '0')}): fix it with: chmod 600 ${path}`,
      })
  }
  return warnings
}

/**
 * Moves a file that cannot be used out of the way, to `<file>.<why>-<UTC time>`, and answers
 * where it went; a dry run leaves it in place and says so.
 */
export async function setAside(file: string, why: string, dryRun: boolean): Promise<string> {
  if (dryRun) return `${file} (left in place: dry run)`
  const movedTo = `${file}.${why}-${new Date().toISOString().replace(/[:.]/g, '')}`
  await rename(file, movedTo)
  return movedTo
}
