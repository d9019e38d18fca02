/**
 * Preloaded into the connector (`NODE_OPTIONS=--import=<this file>`) by the crash tests, to hit
 * the state-write window exactly: at the n-th rename onto a file named `CRASH_RENAME_FILE` the
 * process sends itself SIGKILL — just before the rename (writePrivateFile has written and synced
 * its temp file, the target is untouched) or just after it (the target is replaced, nothing after
 * it runs). With `CRASH_LOCK_FILE` it sends itself SIGKILL as soon as the call that created the
 * instance's lock file of that name returns (before anything else of the run). Without either it
 * does nothing.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { basename } from 'node:path'

type Rename = (from: string, to: string) => Promise<void>

const target = process.env.CRASH_RENAME_FILE
const nth = Number(process.env.CRASH_RENAME_NTH ?? '1')
const after = process.env.CRASH_RENAME_WHEN === 'after'

if (target !== undefined && target !== '') {
  const require = createRequire(import.meta.url)
  // src/fs/secure-file.ts imports rename from node:fs/promises: patch the CommonJS object
  // behind it, then push the change into the ESM bindings (an ESM namespace is frozen).
  const fs = require('node:fs') as { promises: { rename: Rename } }
  const { syncBuiltinESMExports } = require('node:module') as { syncBuiltinESMExports: () => void }
  const rename = fs.promises.rename
  let seen = 0
  fs.promises.rename = async (from, to) => {
    if (basename(to) !== target || ++seen !== nth) return rename(from, to)
    if (!after) process.kill(process.pid, 'SIGKILL')
    await rename(from, to)
    process.kill(process.pid, 'SIGKILL')
  }
  syncBuiltinESMExports()
}

type Open = (path: unknown, flags?: unknown, mode?: unknown) => Promise<unknown>
type Link = (from: unknown, to: unknown) => Promise<void>

const lockFile = process.env.CRASH_LOCK_FILE

if (lockFile !== undefined && lockFile !== '') {
  const fsp = createRequire(import.meta.url)('node:fs/promises') as { open: Open; link: Link }
  const { open, link } = fsp
  const kill = (): void => {
    process.kill(process.pid, 'SIGKILL')
  }
  // Either way a lock is created: in place (open 'wx') or linked into place.
  fsp.open = async (path, flags, mode) => {
    const handle = await open(path, flags, mode)
    if (basename(String(path)) === lockFile && String(flags).includes('x')) kill()
    return handle
  }
  fsp.link = async (from, to) => {
    await link(from, to)
    if (basename(String(to)) === lockFile) kill()
  }
  // The connector's `import { open } from 'node:fs/promises'` bindings follow the patched object.
  syncBuiltinESMExports()
}
