import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ConfigError, EXIT } from '../errors.js'
import { createLogger } from '../log/run-logger.js'
import { Secrets } from '../log/secrets.js'
import { nextRuns, outcomeOf, readRuns, recordingRun, type RunEntry } from './run-record.js'

const entry = (exit_code: number, dry_run = false): RunEntry => ({
  started_at: '2026-12-07T10:00:00.000Z',
  ended_at: '2026-12-07T10:01:00.000Z',
  exit_code,
  outcome: outcomeOf(exit_code),
  dry_run,
})

describe('run record', () => {
  it('keeps the last success through failures and dry runs; exit 3 finished its work', () => {
    const ok = nextRuns(undefined, entry(0))
    assert.deepEqual(ok.last_success, entry(0))
    const failed = nextRuns(ok, entry(1))
    assert.deepEqual(failed.last, entry(1))
    assert.deepEqual(failed.last_success, entry(0))
    assert.deepEqual(nextRuns(failed, entry(0, true)).last_success, entry(0))
    assert.deepEqual(nextRuns(failed, entry(3)).last_success, entry(3))
    assert.equal(nextRuns(undefined, entry(4)).last_success, undefined)
  })

  it('remembers metrics_dir for a run that cannot read the options; forgets it once unset', () => {
    const set = nextRuns(undefined, entry(0), '/var/lib/node-exporter')
    assert.equal(set.metrics_dir, '/var/lib/node-exporter')
    assert.equal(nextRuns(set, entry(1)).metrics_dir, '/var/lib/node-exporter')
    assert.equal(nextRuns(set, entry(0), null).metrics_dir, undefined)
  })

  it('says in one line how a run ended', () => {
    assert.equal(outcomeOf(0), 'ok')
    assert.equal(outcomeOf(4), 'not enabled or not configured in ThreatQ')
    assert.equal(outcomeOf(2, new ConfigError('bad depth\n  more')), 'bad depth')
  })

  describe('written once at the end of a run', () => {
    let dir = ''
    const secrets = new Secrets()
    const { logger } = createLogger({
      verbosity: 0,
      location: 'stdout',
      instance: 'x',
      runId: 'r',
      secrets,
      tty: false,
    })
    let clock = 0
    const ctx = (path: string, readOnly = false) => ({
      path,
      configFile: join(dir, 'x.yaml'),
      readOnly,
      dryRun: false,
      now: () => new Date(Date.UTC(2026, 11, 7, 10, 0, clock++)),
      secrets,
      logger,
    })
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tq-aed-runs-'))
      await writeFile(join(dir, 'x.yaml'), 'format_version: 1\n', { mode: 0o600 })
    })
    after(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('records a returned code and a thrown error (scrubbed), mode 0600, and rethrows', async () => {
      const path = join(dir, 'a.runs.json')
      assert.equal(await recordingRun(ctx(path), () => Promise.resolve(EXIT.ok)), EXIT.ok)
      secrets.add('s3cret-token')
      await assert.rejects(
        recordingRun(ctx(path), () => Promise.reject(new Error('refused s3cret-token'))),
        /refused s3cret-token/,
      )
      const runs = await readRuns(path)
      assert.ok(runs)
      assert.deepEqual(
        [runs.last.exit_code, runs.last.outcome, runs.last.started_at],
        [EXIT.failed, 'refused [REDACTED]', '2026-12-07T10:00:02.000Z'],
      )
      assert.equal(runs.last_success?.exit_code, 0)
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      assert.doesNotMatch(await readFile(path, 'utf8'), /s3cret/)
    })

    it('--check and --status write nothing, nor a run without a config file (a first run)', async () => {
      const path = join(dir, 'b.runs.json')
      await recordingRun(ctx(path, true), () => Promise.resolve(EXIT.ok))
      await assert.rejects(stat(path), { code: 'ENOENT' })
      const code = await recordingRun({ ...ctx(path), configFile: join(dir, 'none.yaml') }, () =>
        Promise.resolve(EXIT.notEnabled),
      )
      assert.equal(code, EXIT.notEnabled)
      await assert.rejects(stat(path), { code: 'ENOENT' })
    })

    it('writes nothing into a config directory others can write to', async () => {
      const open = join(dir, 'open')
      await mkdir(open)
      await writeFile(join(open, 'x.yaml'), 'format_version: 1\n', { mode: 0o600 })
      await chmod(open, 0o777)
      const path = join(open, 'x.runs.json')
      const code = await recordingRun({ ...ctx(path), configFile: join(open, 'x.yaml') }, () =>
        Promise.resolve(EXIT.ok),
      )
      assert.equal(code, EXIT.ok)
      await assert.rejects(stat(path), { code: 'ENOENT' })
    })
  })
})
