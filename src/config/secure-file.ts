/** Atomic 0600 writes for config, state and the ledgers (a crash mid-write leaves the previous file intact), and setting a bad file aside. */
import { rename } from 'node:fs/promises'
import writeFileAtomic from 'write-file-atomic'

export async function writePrivateFile(path: string, content: string | Buffer): Promise<void> {
  await writeFileAtomic(
    path,
    content,
    typeof content === 'string' ? { mode: 0o600, encoding: 'utf8' } : { mode: 0o600 },
  )
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
