/**
 * Hostile files (docs/reliability.md, "Hostile input"), driven through the real CLI: a symlink
 * planted at the state file, a config directory others can write, and a config file others can
 * read.
 */
import assert from 'node:assert/strict'
import { chmod, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli, tempDir } from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

describe('hostile files in the config directory (real CLI)', () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.stop()
  })

  const firstRun = (dir: string): ReturnType<typeof runCli> =>
    runCli(['-c', dir, '--non-interactive'], world.env)

  it('a symlink at <name>.state.json: exit 2 naming it, before anything is contacted; its target never gets the tokens', async () => {
    const dir = await tempDir('tq-aed-hostile-')
    const victim = join(await tempDir('tq-aed-victim-'), 'victim.json')
    await writeFile(victim, '{}\n', { mode: 0o644 })
    const state = join(dir, 'netscout-aed.state.json')
    await symlink(victim, state)
    const result = await firstRun(dir)
    assert.equal(result.code, 2, result.stderr)
    assert.ok(result.stderr.includes(state), result.stderr)
    assert.match(result.stderr, /symbolic link/)
    assert.equal(await readFile(victim, 'utf8'), '{}\n')
    // Refused before the first run wrote anything or registered in ThreatQ.
    assert.deepEqual(await readdir(dir), ['netscout-aed.state.json'])
  })

  it('a symlink at <name>.log (-ll DIR): exit 2 naming it; no log line reaches its target', async () => {
    const dir = await tempDir('tq-aed-hostile-')
    const logs = await tempDir('tq-aed-logs-')
    const victim = join(await tempDir('tq-aed-victim-'), 'victim.log')
    await writeFile(victim, '', { mode: 0o644 })
    const log = join(logs, 'netscout-aed.log')
    await symlink(victim, log)
    const result = await runCli(['-c', dir, '-ll', logs, '--non-interactive'], world.env)
    assert.equal(result.code, 2, result.stderr)
    assert.ok(result.stderr.includes(log), result.stderr)
    assert.match(result.stderr, /symbolic link/)
    assert.equal(await readFile(victim, 'utf8'), '')
    assert.deepEqual(await readdir(dir), [])
  })

  it('a world-writable config directory: exit 2 naming it and the chmod that fixes it, nothing written', async () => {
    const dir = await tempDir('tq-aed-hostile-')
    await chmod(dir, 0o777)
    const result = await firstRun(dir)
    assert.equal(result.code, 2, result.stderr)
    assert.ok(result.stderr.includes(dir), result.stderr)
    assert.match(result.stderr, /writable by everyone/)
    assert.ok(result.stderr.includes(`chmod go-w ${dir}`), result.stderr)
    assert.deepEqual(await readdir(dir), [])
  })

  it('a world-writable directory with the sticky bit (as /tmp) is used: others cannot replace our files there', async () => {
    const dir = await tempDir('tq-aed-hostile-')
    await chmod(dir, 0o1777)
    const result = await firstRun(dir)
    assert.equal(result.code, 4, result.stderr)
  })

  it('a config file others can read: one warning per run naming it and "chmod 600"; a created one is 0600 in a 0700 dir', async () => {
    const parent = await tempDir('tq-aed-hostile-')
    const dir = join(parent, 'new-config-dir')
    const first = await firstRun(dir)
    assert.equal(first.code, 4, first.stderr)
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    const config = join(dir, 'netscout-aed.yaml')
    assert.equal((await stat(config)).mode & 0o777, 0o600)
    assert.doesNotMatch(first.stderr, /chmod 600/)
    await chmod(config, 0o644)
    const again = await runCli(['-c', dir], {})
    assert.equal(again.code, 4, again.stderr)
    const warnings = again.stderr.split('\n').filter((l) => l.includes(`chmod 600 ${config}`))
    assert.equal(warnings.length, 1, again.stderr)
    assert.match(warnings[0] ?? '', /readable by others/)
  })
})
