/** Atomic 0600 writes for config and state: a crash mid-write leaves the previous file intact. */
import writeFileAtomic from 'write-file-atomic'

export async function writePrivateFile(path: string, content: string): Promise<void> {
  await writeFileAtomic(path, content, { mode: 0o600, encoding: 'utf8' })
}
