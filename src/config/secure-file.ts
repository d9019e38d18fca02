/** Atomic 0600 writes for config, state and the export ledger: a crash mid-write leaves the previous file intact. */
import writeFileAtomic from 'write-file-atomic'

export async function writePrivateFile(path: string, content: string | Buffer): Promise<void> {
  await writeFileAtomic(
    path,
    content,
    typeof content === 'string' ? { mode: 0o600, encoding: 'utf8' } : { mode: 0o600 },
  )
}
