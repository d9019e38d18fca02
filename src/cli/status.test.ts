import assert from 'node:assert/strict'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { instancePaths } from '../config/instance.js'
import {
  ageText,
  formatStatus,
  instanceNames,
  instanceStatus,
  type StatusReport,
} from './status.js'

const AT = new Date('2026-12-07T12:00:00Z')

const REPORT: StatusReport = {
  config_dir: '/etc/tq',
  at: AT.toISOString(),
  instances: [
    {
      instance: 'netscout-aed',
      configured: true,
      last_run: {
        started_at: '2026-12-07T11:00:00.000Z',
        ended_at: '2026-12-07T11:02:00.000Z',
        exit_code: 1,
        outcome: 'aed GET … timed out',
        dry_run: false,
      },
      last_success: {
        started_at: '2026-12-07T09:00:00.000Z',
        ended_at: '2026-12-07T09:01:00.000Z',
        exit_code: 0,
        outcome: 'ok',
        dry_run: false,
        age_seconds: 10_740,
      },
      aed: {
        taxii: {
          objects: { indicator: 12, malware: 2 },
          relationships: 3,
          collection: 'c1',
          saved_at: null,
        },
        lists: { 'outbound-denied-hosts': { own: 4, foreign: 1 } },
      },
      pending_journal_entries: 0,
      lock: { pid: 4242, alive: false },
      problems: [],
    },
  ],
}

describe('--status', () => {
  it('finds the instances among the files of a config directory', () => {
    assert.deepEqual(
      instanceNames([
        'netscout-aed.yaml',
        'netscout-aed.state.json',
        'edge2.runs.json',
        'edge3.ledger',
        'edge3.ledger.journal',
        'netscout-aed.ledger.corrupt-20261207T000000Z',
        '.netscout-aed.yaml.123.abc.tmp',
        'notes.txt',
      ]),
      ['edge2', 'edge3', 'netscout-aed'],
    )
  })

  it('gives ages in the largest units that matter', () => {
    assert.equal(ageText(42), '42 s')
    assert.equal(ageText(125), '2 min')
    assert.equal(ageText(10_740), '2 h 59 min')
    assert.equal(ageText(90_000), '1 d 1 h')
  })

  it('prints one block per instance: last run, last success and its age, holdings, journal, lock', () => {
    assert.equal(
      formatStatus(REPORT),
      [
        'netscout-aed',
        'configured    yes',
        'last run      2026-12-07T11:00:00.000Z → 2026-12-07T11:02:00.000Z, exit 1: aed GET … timed out',
        'last success  2026-12-07T09:01:00.000Z (2 h 59 min ago)',
        'AED holds     TAXII: 14 objects (indicator 12, malware 2), 3 relationships',
        '    lists: 4 entries (outbound-denied-hosts 4)',
        'journal       0 pending entries',
        'lock          stale (pid 4242 is gone; the next run takes it over)',
        '',
      ].join('\n'),
    )
  })

  describe('from the files of one instance', () => {
    let dir = ''
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tq-aed-status-'))
    })
    after(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('reads the run record, the lists ledger and the lock; nothing there is null, not an error', async () => {
      const paths = instancePaths(dir, 'edge')
      assert.deepEqual(await instanceStatus(paths, AT), {
        instance: 'edge',
        configured: false,
        last_run: null,
        last_success: null,
        aed: { taxii: null, lists: null },
        pending_journal_entries: 0,
        lock: null,
        problems: [],
      })
      const run = {
        started_at: '2026-12-07T11:00:00.000Z',
        ended_at: '2026-12-07T11:59:00.000Z',
        exit_code: 0,
        outcome: 'ok',
        dry_run: false,
      }
      await writeFile(
        paths.runs,
        JSON.stringify({ format_version: 1, last: run, last_success: run }),
        { mode: 0o600 },
      )
      await writeFile(
        paths.listsLedger,
        JSON.stringify({
          format: 'tq-conn-netscout-aed AED lists ledger',
          version: 1,
          aed: 'aed.example',
          entries: [
            ['outbound-denied-hosts', '192.0.2.1', 7, null],
            ['outbound-denied-hosts', '192.0.2.2', 8, null, 1],
            ['inbound-denied-domains', 'bad.example', 9, '-1'],
          ],
        }),
        { mode: 0o600 },
      )
      await writeFile(paths.lock, `${String(process.pid)}\n`, { mode: 0o600 })
      const status = await instanceStatus(paths, AT)
      assert.equal(status.last_run?.exit_code, 0)
      assert.equal(status.last_success?.age_seconds, 60)
      assert.deepEqual(status.aed.lists, {
        'outbound-denied-hosts': { own: 1, foreign: 1 },
        'inbound-denied-domains': { own: 1, foreign: 0 },
      })
      assert.deepEqual(status.lock, { pid: process.pid, alive: true })
      assert.deepEqual(status.problems, [])
    })

    it('does not follow a symbolic link planted at a file name: a problem, not its target', async () => {
      const paths = instancePaths(dir, 'linked')
      await writeFile(join(dir, 'elsewhere.json'), '{}', { mode: 0o600 })
      await symlink(join(dir, 'elsewhere.json'), paths.runs)
      const status = await instanceStatus(paths, AT)
      assert.equal(status.last_run, null)
      assert.equal(status.problems.length, 1)
      assert.match(status.problems[0] ?? '', /linked\.runs\.json is a symbolic link/)
    })
  })
})
