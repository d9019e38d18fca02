/**
 * One run per instance: a lock file holding the owner's pid. A lock whose process is gone (a
 * crash, kill -9) is stale and taken over.
 */
import { lstat, open, unlink } from 'node:fs/promises'
import { ConfigError, EXIT, ExitError } from '../errors.js'
import { readPrivateText } from './secure-file.js'

export interface Lock {
  release(): Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function tryCreate(path: string): Promise<boolean> {
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

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await lstat(path)).mtimeMs
  } catch {
    return Infinity
  }
}

export async function acquireLock(path: string, instance: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(path)) {
      return {
        release: async () => {
          // A lock replaced by something else during the run is left alone, not a new failure.
          const owner = await ownerOf(path).catch(() => undefined)
          if (owner === process.pid) await unlink(path).catch(() => undefined)
        },
      }
    }
    const owner = await ownerOf(path)
    // No pid yet: the owner may be between creating the file and writing to it.
    const fresh = owner === undefined && (await ageMs(path)) < 5000
    if (fresh || (owner !== undefined && owner !== process.pid && alive(owner)))
      throw new ExitError(
        EXIT.locked,
        `another run of instance "${instance}" (pid ${owner === undefined ? '?' : String(owner)}) holds ${path}`,
        { file: path },
      )
    await unlink(path).catch(() => undefined)
  }
  throw new ExitError(EXIT.locked, `could not take ${path}: another run keeps creating it`, {
    file: path,
  })
}
