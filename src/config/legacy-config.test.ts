import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { adoptLegacyConfig, findLegacyConfig } from './legacy-config.js'

const LOGIN = { host: 'tq.example.com', client_id: 'cid', email: 'a@b.c', password: 'pw' }

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tq-legacy-'))
  for (const [name, text] of Object.entries(files))
    await writeFile(join(dir, name), text, { mode: 0o600 })
  return dir
}

describe('the Python connector 1.0.2 configuration', () => {
  it('finds it under a name of its own, YAML or JSON, and leaves other tools and our files alone', async () => {
    const dir = await dirWith({
      'aed.json': JSON.stringify(LOGIN),
      'adversary_reader.yml': JSON.stringify(LOGIN),
      'netscout-aed.state.json': JSON.stringify(LOGIN),
      'aed-eu.yaml': `format_version: 1\n${JSON.stringify(LOGIN)}`,
    })
    assert.deepEqual(await findLegacyConfig(dir), {
      found: join(dir, 'aed.json'),
      others: [join(dir, 'adversary_reader.yml')],
      unreadable: [],
    })
  })

  it('names a file named for it that holds no login it can read, and refuses to guess between two', async () => {
    const odd = await dirWith({ 'netscout.ini': '[threatq]\nhost = x\n' })
    assert.deepEqual(await findLegacyConfig(odd), {
      found: undefined,
      others: [],
      unreadable: [join(odd, 'netscout.ini')],
    })
    const two = await dirWith({ 'aed.json': JSON.stringify(LOGIN), 'netscout.yaml': 'x: 1\n' })
    await writeFile(join(two, 'netscout.yaml'), JSON.stringify(LOGIN))
    await assert.rejects(
      findLegacyConfig(two),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.option === '--config' &&
        /holds several files .*\(aed\.json, netscout\.yaml\)/.test(e.message),
    )
  })

  it('migrates it to <name>.yaml, status Review when it had none, leaving tokens behind by name', async () => {
    const dir = await dirWith({
      'aed.json': JSON.stringify({ ...LOGIN, access_token: 'tok-123456' }),
    })
    const to = join(dir, 'netscout-aed.yaml')
    const loaded = await adoptLegacyConfig(join(dir, 'aed.json'), to)
    assert.equal(loaded.config.threatq.username, 'a@b.c')
    assert.equal(loaded.config.status, 'Review')
    assert.ok(loaded.migrated.includes('left behind access_token (not used)'))
    assert.ok(loaded.migrated.includes('status Review (the file had none)'))
    assert.doesNotMatch(await readFile(to, 'utf8'), /tok-123456/)
    assert.match(await readFile(join(dir, 'aed.json'), 'utf8'), /tok-123456/, 'the old file kept')
  })

  it('a file it cannot migrate is named, and no <name>.yaml is left behind', async () => {
    const dir = await dirWith({ 'aed.yaml': JSON.stringify({ ...LOGIN, client_id: '' }) })
    await assert.rejects(
      adoptLegacyConfig(join(dir, 'aed.yaml'), join(dir, 'netscout-aed.yaml')),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.file === join(dir, 'aed.yaml') &&
        /aed\.yaml looks like the Python connector's configuration but cannot be migrated: .*client_id/s.test(
          e.message,
        ),
    )
    assert.deepEqual(await readdir(dir), ['aed.yaml'])
  })
})
