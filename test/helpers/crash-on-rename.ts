/**
 * Preloaded into the connector (`NODE_OPTIONS=--import=<this file>`) by the crash tests, to hit
 * the state-write window exactly: at the n-th rename onto a file named `CRASH_RENAME_FILE` the
 * process sends itself SIGKILL — just before the rename (write-file-atomic has written and synced
 * its temp file, the target is untouched) or just after it (the target is replaced, nothing after
 * it runs). Without `CRASH_RENAME_FILE` it does nothing.
 */
import { createRequire } from 'node:module'
import { basename } from 'node:path'

type Rename = (from: string, to: string, callback: (error: Error | null) => void) => void

const target = process.env.CRASH_RENAME_FILE
const nth = Number(process.env.CRASH_RENAME_NTH ?? '1')
const after = process.env.CRASH_RENAME_WHEN === 'after'

if (target !== undefined && target !== '') {
  // The CommonJS fs object, which write-file-atomic calls fs.rename on (an ESM namespace is frozen).
  const fs = createRequire(import.meta.url)('node:fs') as { rename: Rename }
  const rename = fs.rename
  let seen = 0
  fs.rename = (from, to, callback) => {
    if (basename(to) !== target || ++seen !== nth) {
      rename(from, to, callback)
      return
    }
    if (!after) process.kill(process.pid, 'SIGKILL')
    rename(from, to, () => {
      process.kill(process.pid, 'SIGKILL')
    })
  }
}
