import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { AuditFile, runAudit } from './file.js'
import { AuditTally, auditLine, type AuditEvent } from './trail.js'

const AT = new Date('2026-12-07T10:00:00.000Z')
const event = (n: number): AuditEvent => ({
  action: 'block',
  value: `203.0.113.${String(n)}`,
  threatq_id: n,
  reason: 'joined the data collection',
})
const LINE = Buffer.byteLength(auditLine(event(10), AT, 'run'))

describe('audit file', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tq-audit-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const open = (name: string, maxBytes: number, keep: number) =>
    new AuditFile({ path: join(dir, name), runId: 'run', now: () => AT, maxBytes, keep })
  const lines = async (path: string): Promise<number[]> =>
    (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { threatq_id: number }).threatq_id)

  it('appends one line per record, 0600, and creates nothing until the first', async () => {
    const path = join(dir, 'a.audit.jsonl')
    const file = open('a.audit.jsonl', 1 << 20, 2)
    await assert.rejects(stat(path), { code: 'ENOENT' })
    file.record(event(10))
    file.record(event(11))
    file.close()
    // A later run appends.
    const again = open('a.audit.jsonl', 1 << 20, 2)
    again.record(event(12))
    again.close()
    assert.deepEqual(await lines(path), [10, 11, 12])
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  it('a burst of records is on disk once the event loop turns, before close()', async () => {
    const path = join(dir, 'b.audit.jsonl')
    const file = open('b.audit.jsonl', 1 << 20, 2)
    for (let n = 1; n <= 3; n++) file.record(event(n))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(await lines(path), [1, 2, 3])
    file.record(event(4))
    file.close()
    assert.deepEqual(await lines(path), [1, 2, 3, 4])
  })

  it('rotates by size: never past maxBytes, .1 the newest, at most `keep` old files', async () => {
    const path = join(dir, 'r.audit.jsonl')
    // Three lines a file.
    const file = open('r.audit.jsonl', LINE * 3, 2)
    for (let n = 10; n < 20; n++) file.record(event(n))
    file.close()
    const names = (await readdir(dir)).filter((n) => n.startsWith('r.')).sort()
    assert.deepEqual(names, ['r.audit.jsonl', 'r.audit.jsonl.1', 'r.audit.jsonl.2'])
    assert.deepEqual(await lines(path), [19])
    assert.deepEqual(await lines(`${path}.1`), [16, 17, 18])
    assert.deepEqual(await lines(`${path}.2`), [13, 14, 15])
    for (const name of names) assert.ok((await stat(join(dir, name))).size <= LINE * 3)
  })

  it('a file already past the size is rotated before the next line, also across runs', async () => {
    const path = join(dir, 'o.audit.jsonl')
    await writeFile(path, auditLine(event(1), AT, 'old').repeat(4), { mode: 0o600 })
    const file = open('o.audit.jsonl', LINE * 3, 1)
    file.record(event(2))
    file.close()
    assert.deepEqual(await lines(path), [2])
    assert.deepEqual(await lines(`${path}.1`), [1, 1, 1, 1])
  })

  it('refuses a symbolic link at its name (secure-file.ts append rules)', async () => {
    const target = join(dir, 'elsewhere')
    await writeFile(target, '')
    await symlink(target, join(dir, 'l.audit.jsonl'))
    const file = open('l.audit.jsonl', 1 << 20, 2)
    assert.throws(() => {
      file.record(event(1))
    }, ConfigError)
    assert.equal(await readFile(target, 'utf8'), '')
  })

  it("a dry run's sink records nothing; a real run's writes the file and the tally", async () => {
    const tally = new AuditTally()
    const dry = runAudit(
      { path: join(dir, 'd.audit.jsonl'), runId: 'r', now: () => AT },
      undefined,
      true,
      tally,
    )
    dry.audit.record({ ...event(1), list: 'outbound-denied-hosts' })
    dry.close()
    await assert.rejects(stat(join(dir, 'd.audit.jsonl')), { code: 'ENOENT' })
    assert.equal(tally.lists().size, 0)
    const real = runAudit(
      { path: join(dir, 'd.audit.jsonl'), runId: 'r', now: () => AT },
      { audit_file_mib: 1, audit_files: 3 },
      false,
      tally,
    )
    real.audit.record({ ...event(1), list: 'outbound-denied-hosts' })
    real.close()
    assert.deepEqual(await lines(join(dir, 'd.audit.jsonl')), [1])
    assert.deepEqual(tally.lists().get('outbound-denied-hosts'), { added: 1, removed: 0 })
  })
})
