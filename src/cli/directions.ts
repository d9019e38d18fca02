/**
 * The two directions of one run, import (by `alert_source`) and export (by `delivery`): which
 * clients each asks for, where each starts (checkpoint, --since, --full), and what is saved once
 * each has committed.
 */
import type { AuditSink } from '../audit/trail.js'
import type { ParsedHost } from '../config/host.js'
import type { OptionKey, Options } from '../config/options.js'
import { writeState, type State } from '../config/state-file.js'
import { ConfigError } from '../errors.js'
import { instanceScope, ledgerScope } from '../sync/export/id-scope.js'
import { buildPolicy } from '../sync/policy/build.js'
import type { ExportPolicy } from '../sync/policy/verdict.js'
import { runExport } from '../sync/export/run.js'
import {
  NOT_RECORDED,
  recordInFile,
  recordingTaxiiWriter,
} from '../sync/export/recording-writer.js'
import { taxiiWriter } from '../sync/export/taxii-writer.js'
import { runListDelivery } from '../sync/lists/delivery.js'
import { liveListWriter, RecordingListWriter } from '../sync/lists/writer.js'
import { OwnIntel } from '../sync/import/own-intel.js'
import { runImport, type ImportSettings } from '../sync/import/run.js'
import { recordingImportWriter, threatqWriter } from '../sync/import/writer.js'
import { edmSource } from '../sync/import/edm-source.js'
import {
  importNotifications,
  runSyslogImport,
  type SyslogImportDeps,
  type SyslogImportOutcome,
} from '../sync/import/syslog-run.js'
import { SyslogStateFile } from '../sync/import/syslog-state.js'
import { ListLedger } from '../sync/lists/ledger.js'
import type { DryRunOutput } from '../sync/output.js'
import type { RunSummary } from '../sync/summary.js'
import type { Sources } from '../config/sources.js'
import type { ConnectorRecord, ThreatqClient } from '../threatq/client.js'
import { formatThreatqTime } from '../threatq/model.js'
import { DEFAULT_NAME } from './args.js'
import type { AedClients } from './clients.js'
import { createProgress, readThenDeliver } from './progress.js'
import type { Run } from './run.js'

/** What each direction is handed: the run, what it reads and writes, and its clients. */
export interface DirectionContext extends Pick<Run, 'args' | 'paths' | 'io' | 'logger'> {
  state: State
  threatq: ThreatqClient
  /** The AED side's clients, made when a direction asks and closed by the caller (clients.ts). */
  aed: AedClients
  record: ConnectorRecord
  options: Options
  /** The ThreatQ side: host for ids and links, status of created indicators, source name. */
  conn: { threatq: ParsedHost; status: string }
  sourceName: string
  aedHost: ParsedHost
  output: DryRunOutput | undefined
  since: Date | undefined
  /** The run's abort (run-signal.ts): deadline, SIGINT, SIGTERM. */
  signal: AbortSignal
  /** Blocks, unblocks and refusals AED acknowledged (src/audit/trail.ts). */
  audit: AuditSink
  /** Where each setting comes from, for the message of a mistake (src/cli/mistakes.ts). */
  sources: Sources
}

/** AED alerts per page. */
const ALERTS_PER_PAGE = 1000

/**
 * ThreatQ indicators per cursor page of an export (XSOAR's 500; the SDK asks 1000). Half a page of
 * records is half the objects alive when a scavenge runs: a 100k export took ~10% less CPU, GC
 * 1.5–1.6 → 0.9–1.0 s (docs/performance.md "Session 5: export pages of 500").
 */
const EXPORT_PAGE_SIZE = 500

function lastRun(summary: RunSummary, now: Date): NonNullable<State['import']['last_run']> {
  return {
    at: now.toISOString(),
    fetched: summary.fetched.total,
    sent: summary.sent.total,
    rejected: summary.rejected.total,
  }
}

/** Import window start (epoch s): --since, else 0 with --full, else the checkpoint, else the lookback. */
export function importFrom(
  ctx: Pick<DirectionContext, 'args' | 'since' | 'state' | 'options' | 'io'>,
): number {
  if (ctx.since !== undefined) return Math.floor(ctx.since.getTime() / 1000)
  if (ctx.args.full) return 0
  return (
    ctx.state.import.until ??
    Math.floor(ctx.io.now().getTime() / 1000) - ctx.options.first_run_lookback_hours * 3600
  )
}

/** After an import: its last run (and `patch`) in the state file, then on the connector record. */
async function recordImport(
  ctx: DirectionContext,
  outcome: { summary: RunSummary; eventsWritten: number },
  patch: Partial<State['import']>,
): Promise<void> {
  const now = ctx.io.now()
  ctx.state.import = { ...ctx.state.import, ...patch, last_run: lastRun(outcome.summary, now) }
  await writeState(ctx.paths.state, ctx.state)
  await ctx.threatq.updateConnector(ctx.record.id, {
    last_import_at: formatThreatqTime(now),
    last_import_count: outcome.eventsWritten,
  })
}

/**
 * Where the import reads AED's alerts: `alert_source`. `syslog` and `edm` both hand batches of
 * Blocked Host notifications with their checkpoint to `importNotifications`
 * (src/sync/import/syslog-run.ts), which aggregates them the same way.
 */
export type AlertSource = Options['alert_source']

export async function importDirection(ctx: DirectionContext): Promise<RunSummary> {
  const source: AlertSource = ctx.options.alert_source
  if (source === 'syslog') return syslogImport(ctx)
  if (source === 'edm') return edmImport(ctx)
  return restAlertImport(ctx)
}

/** What every alert import is handed, whatever its source: ThreatQ, the clock, its progress. */
type ImportBasics = Pick<SyslogImportDeps, 'threatq' | 'logger' | 'now' | 'onProgress'>

/** The settings every alert import shares. */
type SharedImportSettings = Required<
  Pick<ImportSettings, 'context' | 'severity' | 'keywords' | 'batchSize' | 'writer'>
>

/** One import under a progress line, handed what every alert source shares. */
async function alertImport(
  ctx: DirectionContext,
  run: (basics: ImportBasics, shared: SharedImportSettings) => Promise<RunSummary>,
): Promise<RunSummary> {
  const { options, io } = ctx
  const progress = createProgress('import', io.stderrIsTTY)
  try {
    return await run(
      {
        threatq: ctx.threatq,
        logger: ctx.logger,
        now: () => io.now(),
        onProgress: (done) => {
          progress.update(done, undefined)
        },
      },
      {
        context: {
          aedHost: ctx.aedHost.host,
          sourceName: ctx.sourceName,
          indicatorStatus: ctx.conn.status,
        },
        severity: options.alert_severity,
        keywords: options.query_keywords,
        batchSize: options.consume_batch_size,
        // The one place the dry run is decided for the import: it writes to the recording.
        writer: ctx.args.dry_run
          ? recordingImportWriter(ctx.output)
          : threatqWriter(ctx.threatq, ctx.logger),
      },
    )
  } finally {
    progress.stop()
  }
}

/** AED's alerts over REST, from importFrom() (src/sync/import/run.ts). */
function restAlertImport(ctx: DirectionContext): Promise<RunSummary> {
  const aed = ctx.aed.rest()
  return alertImport(ctx, async (basics, shared) => {
    const outcome = await runImport(
      { ...basics, aed },
      {
        ...shared,
        eventType: ctx.options.event_type,
        from: importFrom(ctx),
        perPage: ALERTS_PER_PAGE,
      },
    )
    if (outcome.until !== undefined) await recordImport(ctx, outcome, { until: outcome.until })
    return outcome.summary
  })
}

/** EDM records per request. */
const EDM_PAGE_SIZE = 1000

/** What both notification sources (syslog, edm) hand the aggregating import. */
function notificationImport(
  ctx: DirectionContext,
  run: (
    deps: SyslogImportDeps,
    settings: Parameters<typeof importNotifications>[1],
  ) => Promise<SyslogImportOutcome>,
): Promise<RunSummary> {
  const { options } = ctx
  return alertImport(ctx, async (basics, shared) => {
    const { ledger } = await ListLedger.open(
      ctx.paths.listsLedger,
      ctx.aedHost.host,
      undefined,
      true,
    )
    const own = new OwnIntel({
      collection: options.aed_collection,
      ledger,
      lookup: (value) => ctx.threatq.indicatorIdsByValue(value),
    })
    // Only the checkpoints are read here; the aggregates once there is something to write.
    const state = await SyslogStateFile.open(ctx.paths.syslogState)
    const outcome = await run(
      { ...basics, own, commit: (saved) => state.save(saved) },
      {
        ...shared,
        // The event type is looked up (or created) only once there is an event to write.
        context: async () => ({
          ...shared.context,
          eventType: await shared.writer.eventType(options.event_type),
        }),
        loopAttributes: {
          count: options.block_count_attribute,
          last: options.last_blocked_attribute,
        },
        saved: state.saved,
        aggregates: state,
      },
    )
    if (!outcome.summary.dryRun) await recordImport(ctx, outcome, {})
    return outcome.summary
  })
}

/**
 * `alert_source: edm`: Edge Defense Manager's threat records (src/edm/client.ts) from the saved
 * EDM checkpoint, else from --since or `first_run_lookback_hours`, to now.
 */
async function edmImport(ctx: DirectionContext): Promise<RunSummary> {
  const { options, logger, io } = ctx
  const edm = ctx.aed.edm()
  const now = io.now().getTime()
  const start =
    ctx.since?.getTime() ?? (ctx.args.full ? 0 : now - options.first_run_lookback_hours * 3_600_000)
  return notificationImport(ctx, (deps, settings) =>
    importNotifications(
      deps,
      settings,
      edmSource(
        edm,
        { start, end: now, aedName: options.edm_aed_name, size: EDM_PAGE_SIZE, signal: ctx.signal },
        settings.saved?.edmCheckpoint,
        logger,
      ),
      'edmCheckpoint',
    ),
  )
}

/** `alert_source: syslog`: AED's notifications in `syslog_file` (src/sync/import/syslog-run.ts). */
async function syslogImport(ctx: DirectionContext): Promise<RunSummary> {
  const file = ctx.options.syslog_file
  if (file === undefined)
    throw new ConfigError(
      'alert_source is syslog but syslog_file is not set: set it to the absolute path of the file your syslog daemon writes AED notifications to',
      { option: 'syslog_file' },
    )
  return notificationImport(ctx, (deps, settings) => runSyslogImport(deps, { ...settings, file }))
}

/** The export's verdicts: statuses, expiry and the never-block guards (README "The export is a sync"). */
function exportPolicy(ctx: DirectionContext): ExportPolicy {
  const hosts = { aed: ctx.aedHost.host, threatq: ctx.conn.threatq.host }
  return buildPolicy(ctx.options, hosts, ctx.io.now().getTime())
}

/** What both deliveries of the export take from the command line and the guard option. */
function syncFlags(ctx: DirectionContext) {
  return {
    full: ctx.args.full,
    since: ctx.since,
    maxRevokePercent: ctx.options.max_revoke_percent,
    allowMassRevoke: ctx.args.allow_mass_revoke,
    windowHours: ctx.options.max_revoke_window_hours,
    now: ctx.io.now(),
  }
}

/** The options an export needs before it can run, by delivery. */
export function exportNeeds(options: Options): OptionKey[] {
  const taxii: OptionKey[] = [
    'hostname',
    'stix_client_username',
    'stix_client_password',
    'data_collection',
    'aed_collection',
  ]
  const rest: OptionKey[] = ['hostname', 'api_token', 'data_collection']
  if (options.delivery === 'taxii') return taxii
  if (options.delivery === 'rest') return rest
  return [...new Set([...taxii, ...rest])]
}

/**
 * A first export (no ledger yet) of a data collection that holds nothing is most likely the wrong
 * saved search or an unfinished one: say so, instead of a silent exit 0 that blocks nothing.
 */
function warnIfEmpty(ctx: DirectionContext, first: boolean, summary: RunSummary): RunSummary {
  if (!first || summary.fetched.total > 0) return summary
  const collection = ctx.options.data_collection ?? ''
  const message = `the data collection "${collection}" is empty: nothing to export to AED (check the saved search in ThreatQ, or data_collection)`
  ctx.logger.warn({ option: 'data_collection', data_collection: collection }, message)
  summary.notes.push(message)
  return summary
}

/** The export by `delivery`: TAXII, AED's lists over REST, or both (TAXII first). */
export async function exportDirection(ctx: DirectionContext): Promise<RunSummary[]> {
  const delivery = ctx.options.delivery
  const summaries: RunSummary[] = []
  // Read before the runs, which save their ledgers.
  const first = {
    taxii: ctx.state.export.ledger === undefined,
    lists: ctx.state.lists.ledger === undefined,
  }
  if (delivery !== 'rest') summaries.push(warnIfEmpty(ctx, first.taxii, await taxiiDelivery(ctx)))
  if (delivery !== 'taxii') summaries.push(warnIfEmpty(ctx, first.lists, await listsDelivery(ctx)))
  // A delivery switched off leaves what it delivered in AED: say so rather than remove it unasked.
  const lists = ctx.state.lists.ledger?.entries ?? 0
  const taxii = ctx.state.export.ledger?.objects ?? 0
  const left =
    delivery === 'taxii' && lists > 0
      ? `AED's lists still hold the ${String(lists)} entries an earlier run with delivery rest made (${ctx.paths.listsLedger}); they stay until delivery is rest or both again`
      : delivery === 'rest' && taxii > 0
        ? `AED's TAXII collection still holds the ${String(taxii)} objects an earlier run with delivery taxii exported (${ctx.paths.ledger}); they stay until delivery is taxii or both again`
        : undefined
  if (left !== undefined) {
    ctx.logger.warn({ delivery }, left)
    summaries.at(-1)?.notes.push(left)
  }
  return summaries
}

/** `delivery: rest`: the data collection as entries of AED's deny and allow lists. */
async function listsDelivery(ctx: DirectionContext): Promise<RunSummary> {
  const { options, logger, io } = ctx
  const aed = ctx.aed.rest()
  const progress = readThenDeliver('lists', io.stderrIsTTY)
  const lists = aed.lists()
  try {
    const outcome = await runListDelivery(
      {
        threatq: ctx.threatq,
        lists,
        // A dry run writes its calls to the dry-run file; AED is still read.
        writer: ctx.args.dry_run
          ? new RecordingListWriter(lists, ctx.output)
          : liveListWriter(lists),
        logger,
        audit: ctx.audit,
        onProgress: (done, total) => {
          progress.read(done, total)
        },
        onWrites: (done, total) => {
          progress.deliver(done, total)
        },
      },
      {
        dataCollection: options.data_collection ?? '',
        pageSize: EXPORT_PAGE_SIZE,
        policy: {
          ...exportPolicy(ctx),
          allowStatuses: options.allow_list_statuses,
          inbound: options.rest_inbound,
        },
        protectionGroups: options.rest_protection_groups,
        instance: ctx.paths.name,
        aedHost: ctx.aedHost.host,
        ledgerFile: ctx.paths.listsLedger,
        ledgerEntries: ctx.state.lists.ledger?.entries,
        revocations: ctx.state.lists.revocations ?? [],
        ...syncFlags(ctx),
      },
    )
    if (outcome.entries !== undefined) {
      ctx.state.lists = {
        ledger: { entries: outcome.entries, saved_at: io.now().toISOString() },
        last_run: lastRun(outcome.summary, io.now()),
        revocations: outcome.revocations,
      }
      await writeState(ctx.paths.state, ctx.state)
    }
    return outcome.summary
  } finally {
    progress.stop()
  }
}

/** `delivery: taxii`: the data collection as STIX objects in AED's TAXII collection. */
async function taxiiDelivery(ctx: DirectionContext): Promise<RunSummary> {
  const { options, logger, io } = ctx
  const taxii = ctx.aed.taxii()
  // Reading ThreatQ, then what AED acknowledged of what is sent.
  const progress = readThenDeliver('export', io.stderrIsTTY)
  const saved = ctx.state.export.ledger
  try {
    const outcome = await runExport(
      {
        threatq: ctx.threatq,
        taxii,
        logger,
        audit: ctx.audit,
        // A dry run records what it would send (in --output's file, when given); a run sends it.
        writer: ctx.args.dry_run
          ? recordingTaxiiWriter(ctx.output === undefined ? NOT_RECORDED : recordInFile(ctx.output))
          : taxiiWriter,
        onProgress: (done, total) => {
          progress.read(done, total)
        },
        onDelivered: (acknowledged, total) => {
          progress.deliver(acknowledged, total)
        },
      },
      {
        context: {
          version: options.stix_version,
          host: ctx.conn.threatq.host,
          baseUrl: ctx.conn.threatq.baseUrl,
          defaultLabels: {
            indicator: options.default_indicator_labels,
            'threat-actor': options.default_threat_actor_labels,
            malware: options.default_malware_labels,
            tool: options.default_tool_labels,
            report: options.default_report_labels,
          },
          exportAllTypes: options.export_all_types,
        },
        dataCollection: options.data_collection ?? '',
        aedCollection: options.aed_collection ?? '',
        depth: options.relationship_depth,
        pageSize: EXPORT_PAGE_SIZE,
        maxObjects: options.taxii_max_objects,
        policy: exportPolicy(ctx),
        ledger: { file: ctx.paths.ledger, journal: ctx.paths.journal },
        aed: ctx.aedHost.host,
        idScope: ledgerScope(ctx.paths.name, ctx.paths.name === DEFAULT_NAME, saved),
        instanceScope: instanceScope(ctx.paths.name, ctx.paths.name === DEFAULT_NAME),
        ledgerEntries: saved === undefined ? undefined : saved.objects + saved.relationships,
        revocations: ctx.state.export.revocations ?? [],
        ...syncFlags(ctx),
      },
    )
    if (outcome.ledger !== undefined) {
      ctx.state.export = {
        ledger: { ...outcome.ledger, saved_at: io.now().toISOString() },
        last_run: lastRun(outcome.summary, io.now()),
        revocations: outcome.revocations,
      }
      await writeState(ctx.paths.state, ctx.state)
    }
    return outcome.summary
  } finally {
    progress.stop()
  }
}
