import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { metricsOf, promtool, promtoolSkip } from '../../test/helpers/promtool.js'
import { instancePaths } from '../config/instance.js'
import { ConfigError } from '../errors.js'
import { newSummary } from '../sync/summary.js'
import { formatMetrics, RunFacts, writeMetrics } from './metrics.js'
import type { RunEntry, Runs } from './run-record.js'

const run = (exit_code: number, dry_run = false): RunEntry => ({
  started_at: '2026-12-07T10:00:00.000Z',
  ended_at: '2026-12-07T10:01:30.500Z',
  exit_code,
  outcome: 'x',
  dry_run,
})
const ENDED = Date.parse('2026-12-07T10:01:30.500Z') / 1000

/** A run's facts: an export, a list delivery and an import, as the directions report them. */
function facts(): RunFacts {
  const f = new RunFacts('run')
  const exported = newSummary('export')
  exported.sent.add('identity')
  exported.sent.add('indicator', 5)
  exported.sent.add('malware', 2)
  exported.sent.add('indicator (revoked)', 3)
  exported.refused.add('in never_block (10.0.0.0/8)', 2)
  exported.rejected.add('HTTP 422: invalid pattern')
  const lists = newSummary('lists')
  lists.refused.add('CIDR broader than /16 (min_cidr_prefix)')
  const imported = newSummary('import')
  imported.fetched.add('alert', 7)
  imported.sent.add('event', 4)
  imported.updated.add('event', 2)
  f.summaries.push(exported, lists, imported)
  for (let i = 0; i < 3; i++)
    f.tally.record({ action: 'block', value: 'v', list: 'outbound-denied-hosts', reason: 'r' })
  f.tally.record({ action: 'unblock', value: 'v', list: 'outbound-denied-hosts', reason: 'r' })
  return f
}

describe('metrics file', () => {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tq-metrics-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const paths = () => instancePaths(join(dir, 'config'), 'edge.1_b-2')

  it("the run's figures, per type, list and direction, labelled with the instance", async () => {
    const runs: Runs = { format_version: 1, last: run(3), last_success: run(3) }
    const at = metricsOf(await formatMetrics(instancePaths(dir, 'edge-1'), runs, facts()), 'edge-1')
    assert.equal(at('last_run_exit_code'), 3)
    assert.equal(at('last_run_success'), 1)
    assert.equal(at('last_run_timestamp_seconds'), ENDED)
    assert.equal(at('last_success_timestamp_seconds'), ENDED)
    assert.equal(at('last_run_duration_seconds'), 90.5)
    assert.equal(at('last_run_objects_sent', 'type="indicator"'), 5)
    assert.equal(at('last_run_objects_sent', 'type="malware"'), 2)
    assert.equal(at('last_run_objects_revoked', 'type="indicator"'), 3)
    assert.equal(at('last_run_objects_refused', 'delivery="taxii"'), 2)
    assert.equal(at('last_run_objects_refused', 'delivery="rest"'), 1)
    assert.equal(at('last_run_objects_rejected', 'direction="export"'), 1)
    assert.equal(
      at(
        'last_run_objects_rejected_by_reason',
        'direction="export",reason="HTTP 422: invalid pattern"',
      ),
      1,
    )
    assert.equal(at('last_run_list_entries_added', 'list="outbound-denied-hosts"'), 3)
    assert.equal(at('last_run_list_entries_removed', 'list="outbound-denied-hosts"'), 1)
    assert.equal(at('last_run_alerts_read'), 7)
    assert.equal(at('last_run_events_written'), 6, 'new and updated events')
  })

  it('a failing first run: no last success series, success 0', async () => {
    const text = await formatMetrics(
      instancePaths(dir, 'n'),
      { format_version: 1, last: run(1) },
      new RunFacts('r'),
    )
    assert.equal(metricsOf(text, 'n')('last_run_success'), 0)
    assert.doesNotMatch(text, /last_success_timestamp_seconds\{/)
  })

  it('promtool accepts the file of a run that did everything', { skip: promtoolSkip }, async () => {
    const runs: Runs = { format_version: 1, last: run(0), last_success: run(0) }
    const text = await formatMetrics(paths(), runs, facts())
    const check = promtool(['check', 'metrics'], text)
    assert.equal(check.code, 0, `${check.output}\n${text}`)
  })

  it('writes <name>.prom atomically, 0644, only with a metrics_dir and not for a dry run', async () => {
    const out = join(dir, 'textfile')
    await mkdir(out, { mode: 0o755 })
    const p = instancePaths(join(dir, 'config'), 'edge-1')
    assert.equal(await writeMetrics(p, { format_version: 1, last: run(0) }, facts()), undefined)
    const dry: Runs = { format_version: 1, last: run(0, true), metrics_dir: out }
    assert.equal(await writeMetrics(p, dry, facts()), undefined)
    await assert.rejects(stat(join(out, 'edge-1.prom')), { code: 'ENOENT' })
    const file = await writeMetrics(p, { ...dry, last: run(0) }, facts())
    assert.equal(file, join(out, 'edge-1.prom'))
    assert.equal((await stat(file)).mode & 0o777, 0o644)
    assert.match(await readFile(file, 'utf8'), /last_run_exit_code\{connector="edge-1"\} 0/)
  })

  it('refuses a metrics_dir others can write to, and a link at the file name', async () => {
    const open = join(dir, 'open')
    await mkdir(open)
    await chmod(open, 0o777)
    const p = instancePaths(join(dir, 'config'), 'edge-1')
    const runs = (metrics_dir: string): Runs => ({ format_version: 1, last: run(0), metrics_dir })
    await assert.rejects(
      writeMetrics(p, runs(open), facts()),
      (e: unknown) => e instanceof ConfigError && /^metrics_dir /.test(e.message),
    )
    const linked = join(dir, 'linked')
    await mkdir(linked, { mode: 0o755 })
    await writeFile(join(dir, 'victim'), 'keep')
    await symlink(join(dir, 'victim'), join(linked, 'edge-1.prom'))
    await assert.rejects(writeMetrics(p, runs(linked), facts()), ConfigError)
    assert.equal(await readFile(join(dir, 'victim'), 'utf8'), 'keep')
  })
})
