import assert from 'node:assert/strict'
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { Secrets } from '../log/secrets.js'
import { DryRunOutput } from './output.js'

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'tq-aed-output-'))

describe('dry-run output file', () => {
  it('appears only on commit, as complete JSON', async () => {
    const dir = await tmp()
    const path = join(dir, 'dry.json')
    const output = await DryRunOutput.open(path, new Secrets())
    await output.beginSection('import')
    await output.beginList('events')
    await output.item({ title: 'a' })
    assert.deepEqual(await readdir(dir), [`dry.json.${String(process.pid)}.tmp`])
    await output.commit()
    await output.abort()
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {
      import: { events: [{ title: 'a' }] },
    })
  })

  it('leaves nothing behind when aborted', async () => {
    const dir = await tmp()
    const output = await DryRunOutput.open(join(dir, 'dry.json'), new Secrets())
    await output.item({ x: 1 })
    await output.abort()
    assert.deepEqual(await readdir(dir), [])
  })

  it('refuses a missing directory or a directory as a usage error, before anything is written', async () => {
    const dir = await tmp()
    await mkdir(join(dir, 'sub'))
    for (const [path, message] of [
      [join(dir, 'missing', 'dry.json'), /its directory does not exist/],
      [join(dir, 'sub'), /is a directory/],
    ] as const)
      await assert.rejects(
        DryRunOutput.open(path, new Secrets()),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      )
    assert.deepEqual(await readdir(dir), ['sub'])
  })

  it('never writes through a symlink planted at its temporary file name', async () => {
    const dir = await tmp()
    const victim = join(await tmp(), 'victim')
    await writeFile(victim, 'precious\n')
    await chmod(victim, 0o644)
    const path = join(dir, 'dry.json')
    // The temp name is predictable (<path>.<pid>.tmp): anyone who can write the directory of
    // --output (/tmp) can plant a link there before a root run.
    await symlink(victim, `${path}.${String(process.pid)}.tmp`)
    const output = await DryRunOutput.open(path, new Secrets())
    await output.beginSection('import')
    await output.commit()
    assert.equal(await readFile(victim, 'utf8'), 'precious\n')
    assert.ok(!(await lstat(path)).isSymbolicLink())
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { import: {} })
  })

  it("is scrubbed of the run's secrets, even one registered after it was opened", async () => {
    const dir = await tmp()
    const path = join(dir, 'dry.json')
    const secrets = new Secrets()
    const output = await DryRunOutput.open(path, secrets)
    secrets.add('tok"en-1234')
    await output.beginSection('export')
    await output.beginList('bundles')
    await output.item({ description: 'echoed tok"en-1234', url: '/x?t=tok%22en-1234' })
    await output.commit()
    const text = await readFile(path, 'utf8')
    assert.doesNotMatch(text, /en-1234/)
    assert.deepEqual(JSON.parse(text), {
      export: { bundles: [{ description: 'echoed [REDACTED]', url: '/x?t=[REDACTED]' }] },
    })
  })
})
