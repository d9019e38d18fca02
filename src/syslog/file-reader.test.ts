import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import {
  appendFile,
  chown,
  copyFile,
  mkdtemp,
  rename,
  stat,
  symlink,
  truncate,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { mulberry32 } from '../../sim/common/prng.js'
import { ConfigError, EXIT } from '../errors.js'
import { readCheckpoint, type SyslogCheckpoint } from './checkpoint.js'
import {
  readSyslogFile,
  type ReaderNoticeKind,
  type SyslogLine,
  type SyslogReadOptions,
} from './file-reader.js'
import { LineSplitter } from './line-splitter.js'

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tq-aed-syslog-'))

interface Read {
  lines: string[]
  items: SyslogLine[]
  checkpoint: SyslogCheckpoint | undefined
  notices: ReaderNoticeKind[]
  batches: number
}

async function readAll(
  path: string,
  checkpoint: SyslogCheckpoint | undefined,
  options?: SyslogReadOptions,
): Promise<Read> {
  const out: Read = { lines: [], items: [], checkpoint, notices: [], batches: 0 }
  for await (const batch of readSyslogFile(path, checkpoint, options)) {
    out.batches++
    out.items.push(...batch.lines)
    for (const l of batch.lines)
      out.lines.push(l.kind === 'line' ? l.bytes.toString() : `<too long ${String(l.length)}>`)
    out.notices.push(...batch.notices.map((n) => n.kind))
    out.checkpoint = batch.checkpoint
  }
  return out
}

/** A file with `content`, read once from the start: its path and that first read. */
async function begin(content: string): Promise<{ dir: string; path: string; first: Read }> {
  const dir = await tmp()
  const path = join(dir, 'aed.log')
  await writeFile(path, content)
  return { dir, path, first: await readAll(path, undefined) }
}

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i)}\n`).join('')
const names = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i)}`)

/** What logrotate's copytruncate does: copy the file to `<file>.1`, then truncate it. */
async function copyTruncate(path: string): Promise<void> {
  await copyFile(path, `${path}.1`)
  await truncate(path, 0)
}

/** Moves the file's modification time forward, as time passing between writes would. */
async function later(path: string, seconds: number): Promise<void> {
  const t = new Date(Date.now() + seconds * 1000)
  await utimes(path, t, t)
}

describe('syslog file reader', () => {
  it('reads complete lines, waits for a partial last line, and reads each line once', async () => {
    const { path, first } = await begin(`${lines(1, 3)}line 4 is hal`)
    assert.deepEqual(first.lines, names(1, 3))
    assert.deepEqual(first.notices, ['first-run'])
    assert.equal(first.checkpoint?.offset, lines(1, 3).length)

    const again = await readAll(path, first.checkpoint)
    assert.deepEqual(again.lines, [])
    assert.deepEqual(again.checkpoint, first.checkpoint)

    await appendFile(path, `f done\n${lines(5, 5)}`)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, ['line 4 is half done', 'line 5'])
    assert.deepEqual(
      second.items.map((l) => l.line),
      [4, 5],
    )
  })

  it('a rerun with nothing new reads nothing: the same checkpoint, no notice', async () => {
    const { path, first } = await begin(`${lines(1, 2)}partial`)
    const rerun = await readAll(path, first.checkpoint)
    assert.deepEqual(rerun.lines, [])
    assert.deepEqual(rerun.notices, [])
    assert.deepEqual(rerun.checkpoint, first.checkpoint)
    assert.equal(rerun.batches, 1)
  })

  it('a crash after any batch resumes from that batch’s checkpoint: nothing twice, nothing skipped', async () => {
    const path = join(await tmp(), 'aed.log')
    await writeFile(path, lines(1, 25))
    const seen: string[] = []
    let cp: SyslogCheckpoint | undefined
    // Import one batch per "run", then crash (the generator is abandoned).
    for (let run = 0; run < 10; run++) {
      for await (const batch of readSyslogFile(path, cp, { batchLines: 7 })) {
        seen.push(...batch.lines.map((l) => (l.kind === 'line' ? l.bytes.toString() : '')))
        cp = batch.checkpoint
        break
      }
    }
    assert.deepEqual(seen, names(1, 25))
  })

  it('rotation by rename: the rest of the renamed file first, then the new file', async () => {
    const { path, first } = await begin(lines(1, 3))
    await appendFile(path, `${lines(4, 5)}line 6 unterminated`)
    await rename(path, `${path}.1`)
    await writeFile(path, lines(7, 8))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, [...names(4, 5), 'line 6 unterminated', ...names(7, 8)])
    const unterminated = second.items[2]
    assert.equal(unterminated?.partial, true)
    assert.equal(unterminated.file, `${path}.1`)
    assert.ok(second.notices.includes('rotated'))
    const third = await readAll(path, second.checkpoint)
    assert.deepEqual(third.lines, [])
  })

  it('rotation by rename to a dated name (dateext) is found by inode', async () => {
    const { path, first } = await begin(lines(1, 2))
    await appendFile(path, lines(3, 3))
    await rename(path, `${path}-20261207`)
    await writeFile(path, lines(4, 4))
    assert.deepEqual((await readAll(path, first.checkpoint)).lines, names(3, 4))
  })

  it('while the new file is empty the reader stays on the renamed one (the daemon may still write there)', async () => {
    const { path, first } = await begin(lines(1, 2))
    await rename(path, `${path}.1`)
    await writeFile(path, '')
    await appendFile(`${path}.1`, lines(3, 3))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(3, 3))
    assert.ok(second.notices.includes('waiting-for-new-file'))
    // Written to the old file before the daemon reopened the path, then to the new one.
    await appendFile(`${path}.1`, lines(4, 4))
    await appendFile(path, lines(5, 5))
    const third = await readAll(path, second.checkpoint)
    assert.deepEqual(third.lines, names(4, 5))
  })

  it('between rename and re-creation (nothing at the path) the renamed file is read', async () => {
    const { path, first } = await begin(lines(1, 1))
    await appendFile(path, lines(2, 2))
    await rename(path, `${path}.1`)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(2, 2))
    assert.ok(second.notices.includes('missing'))
    await writeFile(path, lines(3, 3))
    assert.deepEqual((await readAll(path, second.checkpoint)).lines, names(3, 3))
  })

  it('rotated again while the reader waited on the renamed file: the generation between is read, and waited on', async () => {
    const { path, first } = await begin(lines(1, 1))
    await rename(path, `${path}.1`)
    await writeFile(path, '')
    const second = await readAll(path, first.checkpoint)
    assert.ok(second.notices.includes('waiting-for-new-file'))
    await appendFile(path, lines(2, 3))
    await later(path, 10)
    await rename(`${path}.1`, `${path}.2`)
    await rename(path, `${path}.1`)
    await writeFile(path, '')
    const third = await readAll(path, second.checkpoint)
    assert.deepEqual(third.lines, names(2, 3))
    assert.ok(third.notices.includes('waiting-for-new-file'))
    await appendFile(`${path}.1`, lines(4, 4))
    await appendFile(path, lines(5, 5))
    assert.deepEqual((await readAll(path, third.checkpoint)).lines, names(4, 5))
  })

  it('two rotations between runs: the generation in between is read whole, in order', async () => {
    const { path, first } = await begin(lines(1, 1))
    await appendFile(path, lines(2, 2))
    await rename(path, `${path}.1`)
    await writeFile(path, lines(3, 4))
    await later(path, 10)
    await rename(`${path}.1`, `${path}.2`)
    await rename(path, `${path}.1`)
    await writeFile(path, lines(5, 5))
    await later(path, 20)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(2, 5))
    assert.ok(second.notices.includes('unread-generation'))
  })

  it('copytruncate: the rest of the copy first, then the truncated file from its start', async () => {
    const { path, first } = await begin(lines(1, 3))
    await appendFile(path, lines(4, 5))
    await copyTruncate(path)
    await appendFile(path, lines(6, 6))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(4, 6))
    assert.ok(second.notices.includes('truncated'))
    assert.equal(second.items[0]?.file, `${path}.1`)
    assert.deepEqual((await readAll(path, second.checkpoint)).lines, [])
  })

  it('copytruncate after which the file grew past the old offset: told apart by its first bytes', async () => {
    const { path, first } = await begin(lines(1, 2))
    await appendFile(path, lines(3, 3))
    await copyTruncate(path)
    await appendFile(path, lines(100, 140))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, [...names(3, 3), ...names(100, 140)])
  })

  it('copytruncate of a file that was empty at the last run: the copy is read whole first', async () => {
    const { path, first } = await begin('')
    assert.equal(first.checkpoint?.offset, 0)
    await appendFile(path, lines(1, 2))
    await later(path, 5)
    await copyTruncate(path)
    await later(`${path}.1`, 5)
    await appendFile(path, lines(3, 3))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(1, 3))
  })

  it('a truncated file without a copy is read from its start, and the loss is said', async () => {
    const { path, first } = await begin(lines(1, 3))
    await truncate(path, 0)
    await appendFile(path, lines(4, 4))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(4, 4))
    assert.deepEqual(second.notices, ['truncated', 'copy-not-found'])
  })

  it('a file replaced by another one (other content, no rotated name) is read from its start', async () => {
    const { path, first } = await begin(lines(1, 2))
    // Created before the old one goes, so it cannot reuse its inode.
    await writeFile(`${path}.new`, 'other 1\nother 2\n')
    await rename(`${path}.new`, path)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, ['other 1', 'other 2'])
    assert.deepEqual(second.notices, ['rotated-not-found', 'replaced'])
  })

  it('a file replaced by a copy of itself (new inode, same bytes) continues where it was', async () => {
    const { path, first } = await begin(lines(1, 2))
    await writeFile(`${path}.tmp`, lines(1, 3))
    await rename(`${path}.tmp`, path)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(3, 3))
  })

  it('a deleted file: a notice, no lines, the checkpoint kept', async () => {
    const { path, first } = await begin(lines(1, 2))
    await unlink(path)
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, [])
    assert.deepEqual(second.checkpoint, first.checkpoint)
    assert.deepEqual(second.notices, ['rotated-not-found', 'missing'])
  })

  it('a 1 MB line is counted as too long and skipped to its newline; the lines around it are read', async () => {
    const path = join(await tmp(), 'aed.log')
    await writeFile(path, `${lines(1, 1)}${'x'.repeat(1024 * 1024)}\n${lines(2, 2)}`)
    const read = await readAll(path, undefined, { maxLineBytes: 8192, chunkBytes: 4096 })
    assert.deepEqual(read.lines, ['line 1', `<too long ${String(1024 * 1024)}>`, 'line 2'])
  })

  it('an overlong line is never held whole, even split over many chunks', () => {
    const splitter = new LineSplitter(0, 1000)
    const got: string[] = []
    for (let i = 0; i < 100; i++) {
      splitter.push(Buffer.alloc(100, 0x41), (l) => got.push(l.kind))
      assert.ok(splitter.held <= 1000, `held ${String(splitter.held)} bytes`)
    }
    splitter.push(Buffer.from('\nok\n'), (l) => got.push(l.kind))
    assert.deepEqual(got, ['too-long', 'line'])
    assert.equal(splitter.consumed, 100 * 100 + 4)
  })

  it('an overlong partial line at the end is not consumed until its newline arrives', async () => {
    const path = join(await tmp(), 'aed.log')
    await writeFile(path, `${lines(1, 1)}${'y'.repeat(20000)}`)
    const first = await readAll(path, undefined, { maxLineBytes: 1000 })
    assert.deepEqual(first.lines, ['line 1'])
    await appendFile(path, `\n${lines(2, 2)}`)
    const second = await readAll(path, first.checkpoint, { maxLineBytes: 1000 })
    assert.deepEqual(second.lines, ['<too long 20000>', 'line 2'])
  })

  it('first run from the end starts after the last complete line', async () => {
    const path = join(await tmp(), 'aed.log')
    await writeFile(path, `${lines(1, 5)}half`)
    const first = await readAll(path, undefined, { firstRun: 'end' })
    assert.deepEqual(first.lines, [])
    await appendFile(path, `\n${lines(6, 6)}`)
    assert.deepEqual((await readAll(path, first.checkpoint)).lines, ['half', 'line 6'])
  })

  it('a file of another owner is read (the daemon owns it); a symlink or FIFO is a setting error', async () => {
    const dir = await tmp()
    const path = join(dir, 'aed.log')
    await writeFile(path, lines(1, 1))
    if (process.getuid?.() === 0) await chown(path, 1, 1)
    assert.deepEqual((await readAll(path, undefined)).lines, names(1, 1))

    const link = join(dir, 'link.log')
    await symlink(path, link)
    const settingError = (what: RegExp) => (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(error.code, EXIT.usage)
      assert.equal(error.option, 'syslog_file')
      assert.match(error.message, what)
      return true
    }
    await assert.rejects(readAll(link, undefined), settingError(/symbolic link/))
    const fifo = join(dir, 'fifo.log')
    execFileSync('mkfifo', [fifo])
    await assert.rejects(readAll(fifo, undefined), settingError(/not a regular file/))
  })

  it('a rotated name that is a symlink is not followed', async () => {
    const { dir, path, first } = await begin(lines(1, 1))
    await appendFile(path, lines(2, 2))
    await rename(path, join(dir, 'elsewhere'))
    await symlink(join(dir, 'elsewhere'), `${path}.1`)
    await writeFile(path, lines(3, 3))
    const second = await readAll(path, first.checkpoint)
    assert.deepEqual(second.lines, names(3, 3))
    assert.ok(second.notices.includes('rotated-not-found'))
  })

  it('random appends, partial lines, renames and copytruncates between runs: every line exactly once', async () => {
    // Seeded: a failure names the trial (seed) that reproduces it.
    for (let trial = 1; trial <= 60; trial++) {
      const random = mulberry32(trial * 7919)
      const path = join(await tmp(), 'aed.log')
      // Modification times follow a simulated clock, a second per step: the file system's own
      // may not tick between two writes this close.
      let clock = Math.floor(Date.now() / 1000)
      const touch = async (file: string): Promise<void> => {
        clock++
        await utimes(file, clock, clock)
      }
      const exists = (file: string): Promise<boolean> =>
        stat(file).then(
          () => true,
          () => false,
        )
      const shift = async (): Promise<void> => {
        if (await exists(`${path}.1`)) await rename(`${path}.1`, `${path}.2`)
      }
      await writeFile(path, '')
      await touch(path)
      let next = 1
      let pending: string | undefined
      let rotated = false
      const expected: string[] = []
      const got: string[] = []
      let cp: SyslogCheckpoint | undefined
      const read = async (): Promise<void> => {
        const r = await readAll(path, cp)
        got.push(...r.lines)
        cp = r.checkpoint
        rotated = false
      }
      // The first run starts the checkpoint (without one, only the file at the path is read).
      await read()
      for (let step = 0; step < 40; step++) {
        const r = random()
        if (r < 0.35) {
          let text = pending === undefined ? '' : `${pending}\n`
          pending = undefined
          const count = 1 + Math.floor(random() * 3)
          for (let i = 0; i < count; i++) {
            expected.push(`line ${String(next)}`)
            text += `line ${String(next++)}\n`
          }
          await appendFile(path, text)
          await touch(path)
        } else if (r < 0.45 && pending === undefined) {
          const line = `line ${String(next++)}`
          expected.push(line)
          await appendFile(path, line.slice(0, 3))
          await touch(path)
          pending = line.slice(3)
        } else if (r < 0.6 && pending === undefined && !rotated) {
          await shift()
          await rename(path, `${path}.1`)
          await writeFile(path, '')
          await touch(path)
          rotated = true
        } else if (r < 0.7 && pending === undefined && !rotated) {
          await shift()
          await copyFile(path, `${path}.1`)
          await touch(`${path}.1`)
          await truncate(path, 0)
          await touch(path)
          rotated = true
        } else await read()
      }
      if (pending !== undefined) await appendFile(path, `${pending}\n`)
      await read()
      assert.deepEqual(got, expected, `trial ${String(trial)}`)
    }
  })

  it('a checkpoint survives a JSON round trip; anything else is not one', async () => {
    const path = join(await tmp(), 'aed.log')
    await writeFile(path, lines(1, 1))
    const { checkpoint } = await readAll(path, undefined)
    assert.deepEqual(readCheckpoint(JSON.parse(JSON.stringify(checkpoint))), checkpoint)
    assert.equal(readCheckpoint({ ...checkpoint, offset: -1 }), undefined)
    assert.equal(readCheckpoint({ ...checkpoint, headSha256: 'x' }), undefined)
    assert.equal(readCheckpoint(null), undefined)
    assert.ok((await stat(path)).size > 0)
  })
})
