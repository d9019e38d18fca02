import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, EXIT } from '../errors.js'
import {
  appendPrivate,
  checkPrivateDir,
  checkPrivateFiles,
  readableSecrets,
  readPrivate,
  writePrivateFile,
} from './secure-file.js'

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tq-aed-secure-'))

function configError(what: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error))
    assert.equal(error.code, EXIT.usage)
    assert.match(error.message, what)
    return true
  }
}

describe('secure files', () => {
  it('a FIFO at a file name is refused at once, for reading and for appending (no hang)', async () => {
    const dir = await tmp()
    const fifo = join(dir, 'x.state.json')
    execFileSync('mkfifo', [fifo])
    await assert.rejects(readPrivate(fifo), configError(/not a regular file/))
    await assert.rejects(appendPrivate(fifo), configError(/not a regular file/))
    await assert.rejects(writePrivateFile(fifo, 'x'), configError(/not a regular file/))
  })

  it('a directory at a file name is refused', async () => {
    const dir = await tmp()
    await mkdir(join(dir, 'x.ledger'))
    await assert.rejects(readPrivate(join(dir, 'x.ledger')), configError(/not a regular file/))
    await assert.rejects(
      checkPrivateFiles([join(dir, 'x.ledger')]),
      configError(/not a regular file/),
    )
  })

  it('a dangling symlink is refused too (it would create the target)', async () => {
    const dir = await tmp()
    const target = join(await tmp(), 'created-by-us')
    const journal = join(dir, 'x.ledger.journal')
    await symlink(target, journal)
    await assert.rejects(appendPrivate(journal), configError(/symbolic link/))
    await assert.rejects(writePrivateFile(journal, 'x'), configError(/symbolic link/))
    await assert.rejects(stat(target), { code: 'ENOENT' })
  })

  it('writes atomically: 0600 whatever the umask allowed, the content, and no temp file left', async () => {
    const dir = await tmp()
    const path = join(dir, 'f')
    await writePrivateFile(path, 'one')
    await writePrivateFile(path, Buffer.from('two'))
    assert.equal(await readFile(path, 'utf8'), 'two')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(dir), ['f'])
    const read = await readPrivate(path)
    assert.equal(read?.mode, 0o600)
    assert.equal(await readPrivate(join(dir, 'missing')), undefined)
  })

  it('a write that fails leaves no temp file and the old content', async () => {
    const dir = await tmp()
    const path = join(dir, 'f')
    await writePrivateFile(path, 'old')
    // A directory at the target makes the rename fail after the temp file is written.
    const blocked = join(dir, 'd')
    await mkdir(blocked)
    await assert.rejects(writePrivateFile(blocked, 'new'))
    assert.deepEqual((await readdir(dir)).sort(), ['d', 'f'])
    assert.equal(await readFile(path, 'utf8'), 'old')
  })

  describe('directories others can write', () => {
    for (const [mode, verdict] of [
      [0o700, undefined],
      [0o755, undefined],
      [0o1777, undefined],
      [0o777, /writable by everyone \(mode 0777\).*chmod go-w /],
      [0o775, /writable by its group \(mode 0775\).*chmod go-w /],
      [0o703, /writable by everyone/],
    ] as const) {
      it(`mode ${mode.toString(8)}: ${verdict === undefined ? 'used' : 'refused, naming the setting and the chmod'}`, async () => {
        const dir = await tmp()
        await chmod(dir, mode)
        if (verdict === undefined) await checkPrivateDir(dir, '--config')
        else
          await assert.rejects(checkPrivateDir(dir, '--config'), (error) => {
            assert.ok(error instanceof ConfigError)
            assert.equal(error.option, '--config')
            assert.equal(error.file, dir)
            assert.match(error.message, /^--config /)
            assert.ok(error.message.includes(`chmod go-w ${dir}`), error.message)
            assert.match(error.message, verdict)
            return true
          })
      })
    }

    it(
      'owned by another user (not root): refused, naming the owner',
      { skip: process.getuid?.() !== 0 && 'chown needs root' },
      async () => {
        const dir = await tmp()
        await chown(dir, 4242, 4242)
        await assert.rejects(checkPrivateDir(dir, '--config'), configError(/owned by uid 4242/))
      },
    )

    it('a file given as the directory is refused', async () => {
      const dir = await tmp()
      await writePrivateFile(join(dir, 'f'), 'x')
      await assert.rejects(
        checkPrivateDir(join(dir, 'f'), '--config'),
        configError(/not a directory/),
      )
    })
  })

  it('warns about secrets files others can read, naming the file and chmod 600', async () => {
    const dir = await tmp()
    const config = join(dir, 'n.yaml')
    const state = join(dir, 'n.state.json')
    await writePrivateFile(config, 'x')
    await writePrivateFile(state, 'x')
    await chmod(config, 0o644)
    await chmod(state, 0o640)
    const warnings = await readableSecrets([
      { path: config, holds: 'the ThreatQ password' },
      { path: state, holds: 'the ThreatQ tokens' },
      { path: join(dir, 'missing'), holds: 'nothing' },
    ])
    assert.deepEqual(
      warnings.map((w) => w.file),
      [config, state],
    )
    assert.ok(warnings[0]?.message.includes(`chmod 600 ${config}`))
    assert.match(warnings[1]?.message ?? '', /mode 0640/)
    await chmod(config, 0o600)
    await chmod(state, 0o600)
    assert.deepEqual(
      await readableSecrets([
        { path: config, holds: 'a' },
        { path: state, holds: 'b' },
      ]),
      [],
    )
  })
})
