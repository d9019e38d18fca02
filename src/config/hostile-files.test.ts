/**
 * Hostile files (docs/reliability.md, "Hostile input"): a symlink, another user's file or a hard
 * link planted at one of the connector's names in its config or log directory is refused (exit 2,
 * naming the file), never followed, read back or appended to. Real files in a temp dir; the process
 * runs as root in CI, so "another user's file" is made with chown.
 */
import assert from 'node:assert/strict'
import {
  chmod,
  chown,
  link,
  lstat,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, EXIT } from '../errors.js'
import { createLogger } from '../log/run-logger.js'
import { Secrets } from '../log/secrets.js'
import { LIVE } from '../sync/export/key-table.js'
import { Ledger, objectKey, UPDATE } from '../sync/export/ledger.js'
import { ListLedger } from '../sync/lists/ledger.js'
import { readConfig, updateConfig } from './config-file.js'
import { acquireLock } from './lock.js'
import { readState, stateSchema, writeState } from './state-file.js'

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tq-aed-hostile-'))

/** A 0644 file outside the config dir that a planted link points at. */
async function victim(content: string | Buffer): Promise<string> {
  const path = join(await tmp(), 'victim')
  await writeFile(path, content)
  await chmod(path, 0o644)
  return path
}

/** The refusal every case must end in: exit 2, naming the file and what is wrong. */
function refusedAs(file: string, what: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
    assert.equal(error.code, EXIT.usage)
    assert.equal(error.file, file)
    assert.ok(error.message.includes(file), error.message)
    assert.match(error.message, what)
    return true
  }
}

const VALID_CONFIG = `format_version: 1
threatq:
  host: tq.example
  client_id: id
  username: u@example.org
  password: pw-secret
status: Review
`

describe('hostile files in the config and log directories', () => {
  it('a symlink at <name>.state.json: the target is not replaced by the state (tokens), and not read', async () => {
    const dir = await tmp()
    const target = await victim('{"format_version":1}\n')
    const state = join(dir, 'netscout-aed.state.json')
    await symlink(target, state)
    await assert.rejects(readState(state), refusedAs(state, /symbolic link/))
    const withToken = stateSchema.parse({
      threatq_token: { access_token: 'tok-abc', expires_at: '2030-01-01T00:00:00Z' },
    })
    await assert.rejects(writeState(state, withToken), refusedAs(state, /symbolic link/))
    assert.equal(await readFile(target, 'utf8'), '{"format_version":1}\n')
    assert.ok((await lstat(state)).isSymbolicLink(), 'the link is left for the operator to see')
  })

  /** Writes one warning through the instance's log file in `dir`, as a run would. */
  const logOneLine = (dir: string): void => {
    createLogger({
      verbosity: 1,
      location: dir,
      instance: 'aed-eu',
      runId: 'run-1',
      secrets: new Secrets(),
      tty: false,
    }).logger.warn('a line')
  }

  it('a symlink at <name>.log: no log line reaches its target', async () => {
    const dir = await tmp()
    const target = await victim('')
    const log = join(dir, 'aed-eu.log')
    await symlink(target, log)
    assert.throws(
      () => {
        logOneLine(dir)
      },
      refusedAs(log, /symbolic link/),
    )
    assert.equal(await readFile(target, 'utf8'), '')
  })

  it('a hard link at <name>.log (another file by a second name): refused, nothing appended', async () => {
    const dir = await tmp()
    const target = await victim('')
    const log = join(dir, 'aed-eu.log')
    await link(target, log)
    assert.throws(
      () => {
        logOneLine(dir)
      },
      refusedAs(log, /hard links/),
    )
    assert.equal(await readFile(target, 'utf8'), '')
  })

  it('a symlink at <name>.ledger.journal: not replayed as ledger records, nor appended to', async () => {
    const dir = await tmp()
    // Valid records in the target: the old code replayed them into the ledger.
    const records = Buffer.alloc(24)
    records.writeDoubleLE(objectKey('indicators', 7), 0)
    records.writeUInt8(UPDATE.OBJECT, 22)
    records.writeUInt8(LIVE, 23)
    const target = await victim(records)
    const files = { file: join(dir, 'i.ledger'), journal: join(dir, 'i.ledger.journal') }
    await symlink(target, files.journal)
    const aim = { aed: 'aed.example', collection: 'c-1', stixVersion: '2.1', host: 'tq.example' }
    await assert.rejects(
      async () => {
        const { ledger } = await Ledger.open(files, aim, undefined)
        await ledger.openJournal()
        await ledger.commit([
          {
            kind: UPDATE.OBJECT,
            a: objectKey('indicators', 8),
            b: 0,
            state: LIVE,
            gen: 0,
            version: 1,
          },
        ])
        await ledger.closeJournal()
      },
      refusedAs(files.journal, /symbolic link/),
    )
    assert.deepEqual(await readFile(target), records)
  })

  it('a symlink at <name>.ledger or <name>.lists.json: refused, target untouched', async () => {
    const dir = await tmp()
    const target = await victim('not a ledger')
    const files = { file: join(dir, 'i.ledger'), journal: join(dir, 'i.ledger.journal') }
    await symlink(target, files.file)
    const aim = { aed: 'aed.example', collection: 'c-1', stixVersion: '2.1', host: 'tq.example' }
    await assert.rejects(Ledger.open(files, aim, undefined), refusedAs(files.file, /symbolic link/))
    const lists = join(dir, 'i.lists.json')
    await symlink(target, lists)
    await assert.rejects(
      ListLedger.open(lists, 'aed:443', undefined),
      refusedAs(lists, /symbolic link/),
    )
    assert.equal(await readFile(target, 'utf8'), 'not a ledger')
    assert.ok((await lstat(files.file)).isSymbolicLink(), 'not set aside as corrupt either')
  })

  it('a symlink at <name>.yaml: not read as the configuration, not rewritten', async () => {
    const dir = await tmp()
    const target = await victim(VALID_CONFIG)
    const config = join(dir, 'netscout-aed.yaml')
    await symlink(target, config)
    await assert.rejects(readConfig(config), refusedAs(config, /symbolic link/))
    await assert.rejects(
      updateConfig(config, [{ path: ['status'], value: 'Active' }]),
      refusedAs(config, /symbolic link/),
    )
    assert.equal(await readFile(target, 'utf8'), VALID_CONFIG)
  })

  it('another user’s file at <name>.state.json or <name>.yaml: refused, naming the owner', async () => {
    const dir = await tmp()
    const state = join(dir, 'netscout-aed.state.json')
    await writeFile(state, '{}', { mode: 0o600 })
    await chown(state, 4242, 4242)
    await assert.rejects(readState(state), refusedAs(state, /owned by uid 4242/))
    await assert.rejects(writeState(state, stateSchema.parse({})), refusedAs(state, /uid 4242/))
    const config = join(dir, 'netscout-aed.yaml')
    await writeFile(config, VALID_CONFIG, { mode: 0o600 })
    await chown(config, 4242, 4242)
    await assert.rejects(readConfig(config), refusedAs(config, /owned by uid 4242/))
  })

  it('a symlink at <name>.lock: refused, not taken over as a stale lock', async () => {
    const dir = await tmp()
    const target = await victim('')
    const lock = join(dir, 'netscout-aed.lock')
    await symlink(target, lock)
    await assert.rejects(acquireLock(lock, 'netscout-aed'), refusedAs(lock, /symbolic link/))
    assert.ok((await lstat(lock)).isSymbolicLink())
  })

  it('atomic writes leave exactly the 0600 file, no temp file, and replace a 0644 one with 0600', async () => {
    const dir = await tmp()
    const state = join(dir, 's.state.json')
    await writeFile(state, '{}', { mode: 0o644 })
    await chmod(state, 0o644)
    await writeState(state, stateSchema.parse({}))
    assert.equal((await stat(state)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(dir), ['s.state.json'])
  })
})
