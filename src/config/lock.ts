/**
 * One run per instance: a lock file holding the owner's pid. A lock whose process is gone (a
 * crash, kill -9) is stale and taken over.
 */
import { link, lstat, open, readdir, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ConfigError, EXIT, ExitError } from '../errors.js'
import { readPrivateText } from '../fs/secure-file.js'

export interface Lock {
  release(): Promise<void>
}

export interface LockOptions {
  /**
   * How long a lock file without a pid may be young and still belong to a live run (one that
   * created it in place and has not written its pid yet); it is waited out, then taken over.
   */
  emptyGraceMs?: number
}

const EMPTY_GRACE_MS = 5000
const POLL_MS = 50

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const tempOf = (path: string, pid: number): string => `${path}.${String(pid)}.tmp`

/** File systems without hard links answer these to link(). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])

/**
 * Creates the lock with the pid already in it: the pid is written to a file of this process,
 * hard-linked into place (which fails if the lock exists). Created in place and written after,
 * a run killed between the two left an empty lock, which the next runs refused as one being
 * taken right now.
 */
async function tryCreate(path: string): Promise<boolean> {
  const temp = tempOf(path, process.pid)
  // The name is predictable: whatever stands there (a leftover, a planted link) is removed, and
  // O_EXCL never opens through a link.
  await unlink(temp).catch(() => undefined)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(`${String(process.pid)}\n`)
  } finally {
    await handle.close()
  }
  try {
    await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== undefined && NO_LINKS.has(code)) return await createInPlace(path)
    throw error
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

async function createInPlace(path: string): Promise<boolean> {
  try {
    // O_EXCL: a name that exists, a symlink included, is never opened.
    const handle = await open(path, 'wx', 0o600)
    await handle.writeFile(`${String(process.pid)}\n`)
    await handle.close()
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/** The pid files of runs killed while taking the lock (the holder now knows they are dead). */
async function sweepTemps(path: string): Promise<void> {
  const name = basename(path)
  const entries = await readdir(dirname(path)).catch(() => [])
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`) || !entry.endsWith('.tmp')) continue
    const pid = Number(entry.slice(name.length + 1, -'.tmp'.length))
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid))
      await unlink(join(dirname(path), entry)).catch(() => undefined)
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readPrivateText(path)) ?? '', 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch (error) {
    // A link or another user's file at the lock's name is not a stale lock to take over.
    if (error instanceof ConfigError) throw error
    return undefined
  }
}

/** Who holds the lock at `path`, for --status: undefined when it is free. */
export async function lockHolder(
  path: string,
): Promise<{ pid: number | undefined; alive: boolean } | undefined> {
  try {
    await lstat(path)
  } catch {
    return undefined
  }
  const pid = await ownerOf(path)
  return { pid, alive: pid !== undefined && alive(pid) }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await lstat(path)).mtimeMs
  } catch {
    return Infinity
  }
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

/**
 * The lock's owner; a lock without a pid is given until it is `graceMs` old to get one (its owner
 * may be between creating it and writing to it), rather than refused while it is young: a run
 * killed there (by an earlier version, or on a file system without hard links) never writes it.
 */
async function settledOwner(path: string, graceMs: number): Promise<number | undefined> {
  for (;;) {
    const owner = await ownerOf(path)
    if (owner !== undefined) return owner
    const age = await ageMs(path)
    if (age >= graceMs) return undefined
    await pause(Math.min(POLL_MS, graceMs - age))
  }
}

export async function acquireLock(
  path: string,
  instance: string,
  options: LockOptions = {},
): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(path)) {
      await sweepTemps(path)
      return {
        release: async () => {
          // A lock replaced by something else during the run is left alone, not a new failure.
          const owner = await ownerOf(path).catch(() => undefined)
          if (owner === process.pid) await unlink(path).catch(() => undefined)
        },
      }
    }
    const owner = await settledOwner(path, options.emptyGraceMs ?? EMPTY_GRACE_MS)
    if (owner !== undefined && owner !== process.pid && alive(owner))
      throw new ExitError(
        EXIT.locked,
        `another run of instance "${instance}" (pid ${String(owner)}) holds ${path}`,
        { file: path },
      )
    await unlink(path).catch(() => undefined)
  }
  throw new ExitError(EXIT.locked, `could not take ${path}: another run keeps creating it`, {
    file: path,
  })
}
