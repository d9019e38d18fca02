/**
 * `<metrics_dir>/<name>.prom` (README "Metrics (`metrics_dir`)"): the last run of an instance in the Prometheus text
 * format, for node_exporter's textfile collector, written at the end of every run (a failing one
 * too; not a dry run) once the run record is (run-record.ts afterRecord). Built with prom-client,
 * so names, help, labels and escaping follow the format; README "Monitoring" has the alert rule.
 */
import { join } from 'node:path'
import { Gauge, Registry } from 'prom-client'
import { AuditTally } from '../audit/trail.js'
import type { InstancePaths } from '../config/instance.js'
import { checkPrivateDir, writePrivateFile } from '../fs/secure-file.js'
import type { RunSummary } from '../sync/summary.js'
import type { Runs } from './run-record.js'
import { SUCCESS_CODES } from './run-record.js'
import { instanceStatus } from './status.js'

const METRIC_PREFIX = 'tq_conn_netscout_aed_'

/** What one run learnt on the way, for its metrics. */
export class RunFacts {
  readonly summaries: RunSummary[] = []
  /** The run's blocks, unblocks and refusals per list (the audit trail's events, counted). */
  readonly tally = new AuditTally()
  /** metrics_dir: null once the options were read without it, undefined before (nextRuns). */
  metricsDir: string | null | undefined

  constructor(readonly runId: string) {}
}

const seconds = (iso: string): number => Date.parse(iso) / 1000

/** The text of `<name>.prom` for the run the record describes. */
export async function formatMetrics(
  paths: InstancePaths,
  runs: Runs,
  facts: RunFacts,
): Promise<string> {
  const registry = new Registry()
  // Not `instance`: Prometheus gives every scraped series that label (node_exporter's address).
  registry.setDefaultLabels({ connector: paths.name })
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [registry] })

  const { last } = runs
  gauge('last_run_timestamp_seconds', 'When the last run ended (Unix time).').set(
    seconds(last.ended_at),
  )
  gauge('last_run_duration_seconds', 'How long the last run took.').set(
    seconds(last.ended_at) - seconds(last.started_at),
  )
  gauge(
    'last_run_exit_code',
    'Exit code of the last run: 0 ok, 1 failed (the next run resumes), 2 a setting to fix, 3 finished with rejections or stopped by a guard, 4 not enabled or configured, 5 locked.',
  ).set(last.exit_code)
  gauge('last_run_success', '1 when the last run did its work (exit 0 or 3).').set(
    SUCCESS_CODES.includes(last.exit_code) ? 1 : 0,
  )
  if (runs.last_success !== undefined)
    gauge(
      'last_success_timestamp_seconds',
      'When the last run that did its work (exit 0 or 3) ended (Unix time).',
    ).set(seconds(runs.last_success.ended_at))

  const sent = gauge(
    'last_run_objects_sent',
    'STIX objects the last run sent to AED over TAXII, per type.',
    ['type'],
  )
  const revoked = gauge(
    'last_run_objects_revoked',
    'STIX objects the last run revoked in AED, per type.',
    ['type'],
  )
  const refused = gauge(
    'last_run_objects_refused',
    'Indicators a never-block guard kept out of AED in the last run, per delivery.',
    ['delivery'],
  )
  const rejected = gauge(
    'last_run_objects_rejected',
    'Objects AED (or ThreatQ, on import) refused in the last run, per direction.',
    ['direction'],
  )
  const rejectedBy = gauge(
    'last_run_objects_rejected_by_reason',
    "Objects refused in the last run, per direction and reason (the summary's wording).",
    ['direction', 'reason'],
  )
  const added = gauge(
    'last_run_list_entries_added',
    "Entries the last run added to AED's lists, per list.",
    ['list'],
  )
  const removed = gauge(
    'last_run_list_entries_removed',
    "Entries the last run removed from AED's lists, per list.",
    ['list'],
  )
  const alerts = gauge('last_run_alerts_read', 'AED alerts the last run read.')
  const events = gauge(
    'last_run_events_written',
    'ThreatQ events the last run wrote (new and updated).',
  )
  for (const s of facts.summaries) {
    rejected.inc({ direction: s.direction }, s.rejected.total)
    for (const [reason, n] of Object.entries(s.rejected.toJSON()))
      rejectedBy.inc({ direction: s.direction, reason }, n)
    if (s.direction === 'import') {
      alerts.inc(s.fetched.get('alert'))
      events.inc(s.sent.get('event') + s.updated.get('event'))
      continue
    }
    refused.inc({ delivery: s.direction === 'lists' ? 'rest' : 'taxii' }, s.refused.total)
    if (s.direction !== 'export') continue
    for (const [key, n] of Object.entries(s.sent.toJSON())) {
      const type = /^(.*) \(revoked\)$/.exec(key)?.[1]
      if (type === undefined) sent.inc({ type: key }, n)
      else revoked.inc({ type }, n)
    }
  }
  for (const [list, n] of facts.tally.lists()) {
    added.set({ list }, n.added)
    removed.set({ list }, n.removed)
  }

  // What AED holds from this instance, as the ledgers on disk say after the run.
  const held = (await instanceStatus(paths, new Date())).aed
  const objects = gauge(
    'aed_objects',
    'Live STIX objects AED holds from this instance (export ledger), per type.',
    ['type'],
  )
  for (const [type, n] of Object.entries(held.taxii?.objects ?? {})) objects.set({ type }, n)
  if (held.taxii !== null)
    gauge('aed_relationships', 'Live STIX relationships AED holds from this instance.').set(
      held.taxii.relationships,
    )
  const entries = gauge(
    'aed_list_entries',
    "Entries of AED's lists this instance made (owner own) or found held by others (foreign).",
    ['list', 'owner'],
  )
  for (const [list, n] of Object.entries(held.lists ?? {})) {
    entries.set({ list, owner: 'own' }, n.own)
    entries.set({ list, owner: 'foreign' }, n.foreign)
  }
  return await registry.metrics()
}

/**
 * Writes the metrics of the run `runs` describes into its metrics_dir, atomically (the collector
 * never reads half a file). Nothing for a dry run (it changed nothing to watch) or without one.
 */
export async function writeMetrics(
  paths: InstancePaths,
  runs: Runs,
  facts: RunFacts,
): Promise<string | undefined> {
  const dir = runs.metrics_dir
  if (dir === undefined || runs.last.dry_run) return undefined
  // The connector runs as root: a directory others can write to could redirect the file.
  await checkPrivateDir(dir, 'metrics_dir')
  const file = join(dir, `${paths.name}.prom`)
  // 0644, not 0600: node_exporter runs as its own user and must read the file; it holds counts
  // and times only, no secret, no indicator value.
  await writePrivateFile(file, await formatMetrics(paths, runs, facts), 0o644)
  return file
}
