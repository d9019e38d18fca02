import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError } from '../../errors.js'
import { readSyslogState, writeSyslogState } from './syslog-state.js'

describe('syslog import state file', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syslog-state-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('round-trips the checkpoint and the aggregates; none before the first import', async () => {
    const path = join(dir, 'a.syslog.json')
    assert.equal(await readSyslogState(path), undefined)
    const saved = {
      checkpoint: { version: 1, offset: 10 },
      events: { 'dns x.example 2026-12-07T10:00Z': { count: 3, first: 1, last: 2 } },
      indicators: { '42': { count: 3, first: 1, last: 2 } },
    }
    await writeSyslogState(path, saved)
    assert.deepEqual(await readSyslogState(path), saved)
  })

  it('keeps the EDM checkpoint beside the syslog one', async () => {
    const path = join(dir, 'c.syslog.json')
    const saved = {
      checkpoint: { version: 1, offset: 10 },
      edmCheckpoint: { version: 1, time: 1_765_000_000_000, ids: ['a', 'b'] },
      events: {},
      indicators: {},
    }
    await writeSyslogState(path, saved)
    assert.deepEqual(await readSyslogState(path), saved)
  })

  it('a damaged file is a configuration error naming it', async () => {
    const path = join(dir, 'b.syslog.json')
    await writeFile(
      path,
      '{"format":"tq-conn-netscout-aed syslog import","version":1,"events":[["k",-1,0,0]],"indicators":[]}',
      { mode: 0o600 },
    )
    await assert.rejects(
      readSyslogState(path),
      (e: unknown) => e instanceof ConfigError && e.message.includes(path),
    )
  })
})
