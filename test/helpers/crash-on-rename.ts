/**
 * Preloaded into the connector (`NODE_OPTIONS=--import=<this file>`) by the crash tests, to hit
 * the state-write window exactly: at the n-th rename onto a file named `CRASH_RENAME_FILE` the
 * process sends itself SIGKILL — just before the rename (writePrivateFile has written and synced
 * its temp file, the target is untouched) or just after it (the target is replaced, nothing after
 * it runs). Without `CRASH_RENAME_FILE` it does nothing.
 */
import { createRequire } from 'node:module'
import { basename } from 'node:path'

type Rename = (from: string, to: string) => Promise<void>

const target = process.env.CRASH_RENAME_FILE
const nth = Number(process.env.CRASH_RENAME_NTH ?? '1')
const after = process.env.CRASH_RENAME_WHEN === 'after'

if (target !== undefined && target !== '') {
  const require = createRequire(import.meta.url)
  // src/config/secure-file.ts imports rename from node:fs/promises: patch the CommonJS object
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
