/**
 * The connector command: configuration, first run, the instance lock, then import and/or export.
 * A plain async function returning an exit code; only bin.ts touches the process.
 */
import { randomUUID } from 'node:crypto'
import { access, constants, mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { readConfig, writeNewConfig, type ConnectorConfig } from '../config/config-file.js'
import { parseHost } from '../config/host.js'
import { adoptLegacyConfig } from '../config/legacy-config.js'
import { instancePaths, validateInstanceName, type InstancePaths } from '../config/instance.js'
import { acquireLock } from '../config/lock.js'
import { OPTION_LABELS, parseOptions } from '../config/options.js'
import { checkPrivateDir, checkPrivateFiles, readableSecrets } from '../fs/secure-file.js'
import { readState, writeState } from '../config/state-file.js'
import { ConfigError, EXIT, isExpectedFailure, RunStopped, type ExitCode } from '../errors.js'
import { Sources } from '../config/sources.js'
import { LoginRefusedError } from '../threatq/auth.js'
import { firstContact, mistakeOf } from './mistakes.js'
import type { Logger } from '../log/logger.js'
import { createLogger } from '../log/run-logger.js'
import { Secrets } from '../log/secrets.js'
import { DryRunOutput } from '../sync/output.js'
import { formatSummary, type RunSummary } from '../sync/summary.js'
import { ThreatqClient, type ConnectorRecord } from '../threatq/client.js'
import type { CliArgs } from './args.js'
import { DEFAULT_NAME } from './args.js'
import { cronLine, writeCronFile } from './cron.js'
import {
  answersFromEnv,
  lookForConfig,
  promptAnswers,
  promptLogin,
  type FirstRunAnswers,
} from './first-run.js'
import { exportDirection, importDirection, type DirectionContext } from './directions.js'
import { RunClients } from './clients.js'
import type { Run } from './run.js'
import type { CommandIo } from './io.js'
import { DEFAULT_RUN_MINUTES, isPromptExit, pastDeadline, startRunSignal } from './run-signal.js'
import { parseSince } from './since.js'
import { checkInstance } from './check.js'
import { recordingRun } from './run-record.js'
import { aedTlsOf } from './aed-tls.js'
import { exitCodeOf, logRunEnd, logRunStart } from './run-lines.js'
import { RunFacts, writeMetrics } from './metrics.js'
import { runAudit } from '../audit/file.js'
import { showStatus } from './status.js'
import { checkLabels, connection, recordName, runNeeds, timeouts } from './settings.js'

export type { CommandIo } from './io.js'

/** UI form values a new connector record starts with (README "Options (ThreatQ UI, or `options:` in `<name>.yaml`)"). */
function initialCustomFields(): Record<string, string> {
  const fields = Object.fromEntries(Object.keys(OPTION_LABELS).map((k) => [k, '']))
  return {
    ...fields,
    relationship_depth: '1',
    alert_severity: 'Low',
    default_indicator_labels: 'malicious-activity',
  }
}

/** Logins a first run in a terminal asks for before it gives up (exit 2). */
const LOGIN_ATTEMPTS = 3
const isInteractive = (args: CliArgs, io: CommandIo): boolean =>
  !args.non_interactive && io.stdinIsTTY

async function firstRun(run: Run, since: Date | undefined): Promise<ExitCode> {
  const { args, paths, io, secrets, logger } = run
  const answers: FirstRunAnswers = isInteractive(args, io)
    ? await promptAnswers(io.env, io.interrupt).catch((error: unknown) => {
        // A signal from outside the terminal ends the prompt: the run ends with that signal.
        throw io.interrupt?.aborted === true ? io.interrupt.reason : error
      })
    : answersFromEnv(io.env)
  const caFile = io.env.THREATQ_CA_FILE?.trim()
  const config: ConnectorConfig = {
    format_version: 1,
    threatq: {
      host: answers.host,
      client_id: answers.clientId,
      username: answers.username,
      password: answers.password,
      // Saved like the other answers: the cron run that follows may not have the variable.
      ...(caFile === undefined || caFile === '' ? {} : { ca_file: caFile }),
    },
    status: answers.status,
    options: {},
  }
  const sources = new Sources(undefined, {}, io.env)
  const state = await readState(paths.state)
  const interactive = isInteractive(args, io)
  let record: ConnectorRecord
  for (let attempt = 1; ; attempt++) {
    secrets.add(config.threatq.password)
    const conn = connection(config, io.env)
    await using clients = new RunClients({
      logger,
      timeouts: { httpMs: undefined, taxiiStatusMs: undefined, responseBytes: undefined },
      signal: io.interrupt,
    })
    const threatq = clients.threatq(conn, state, secrets)
    try {
      record = await firstContact(sources, () => register(threatq, paths.name, conn.status, logger))
      break
    } catch (error) {
      if (!(error instanceof ConfigError && error.cause instanceof LoginRefusedError)) throw error
      if (interactive && attempt < LOGIN_ATTEMPTS) {
        // In a terminal the login is asked again; the other answers stay as given.
        io.stderr(`${error.cause.serverMessage ?? 'ThreatQ refused the login'}: try again.\n`)
        const login = await promptLogin(
          { clientId: config.threatq.client_id, username: config.threatq.username },
          io.interrupt,
        ).catch((refused: unknown) => {
          // As at the first prompts: a signal from outside the terminal ends the run with it.
          throw io.interrupt?.aborted === true ? io.interrupt.reason : refused
        })
        config.threatq.client_id = login.clientId
        config.threatq.username = login.username
        config.threatq.password = login.password
        continue
      }
      // The answers are kept: the next run logs in with the corrected setting and goes on.
      await writeNewConfig(paths.config, config)
      throw new ConfigError(
        `${error.message}; the first-run answers are saved in ${paths.config}: correct the wrong one and run again`,
        { cause: error.cause, file: paths.config },
      )
    }
  }
  await writeNewConfig(paths.config, config)
  await writeState(paths.state, state)
  logger.info({ config: paths.config }, 'first run complete')
  // A record someone already switched on (a site moving from the Python connector) needs no
  // visit to the UI: run now; runDirections() names any option still missing (exit 4).
  if (record.is_active && args.cron === undefined) {
    io.stdout(`Connector configured; "${record.name}" is already enabled in ThreatQ: running.\n`)
    return await boundedRun(run, config, since)
  }
  io.stdout(`Connector configured. Set information in UI\n`)
  io.stdout(
    `(ThreatQ: Integrations → "${recordName(paths.name)}": fill in the options and switch it on, then run again.)\n`,
  )
  return EXIT.notEnabled
}

/** Finds the instance's connector record, creating it with the UI options when absent. */
async function register(
  threatq: ThreatqClient,
  instance: string,
  status: string,
  logger: Logger,
): Promise<ConnectorRecord> {
  const name = recordName(instance)
  const existing = await threatq.findConnector(name)
  if (existing !== undefined) return existing
  const statusId = await threatq.indicatorStatusId(status)
  if (statusId === undefined)
    logger.warn(
      { status },
      'ThreatQ has no indicator status by that name; objects get the instance default',
    )
  const created = await threatq.createConnector({
    name,
    custom_fields: initialCustomFields(),
    indicator_status_id: statusId,
  })
  logger.info({ id: created.id, name }, 'registered the connector in ThreatQ')
  return created
}

const runFiles = (paths: InstancePaths) => ({ path: paths.runs, configFile: paths.config })

const ownFiles = (paths: InstancePaths): string[] => [paths.config, paths.state, paths.lock]

export async function runConnector(
  args: CliArgs,
  io: CommandIo,
  secrets: Secrets,
): Promise<ExitCode> {
  // The log file is named after the instance: an invalid name ends the run before any logger
  // exists, with main.ts's plain line alone (as argparse's usage errors do).
  const name = validateInstanceName(args.name)
  // A proxy's credentials are sent (Proxy-Authorization) and a proxy may quote them back.
  for (const key of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])
    secrets.addUrlCredentials(io.env[key])
  // What the run learns for its metrics and audit trail (src/cli/metrics.ts).
  const facts = new RunFacts(randomUUID())
  const { logger, milestones } = createLogger({
    verbosity: args.verbosity,
    location: args.loglocation,
    instance: name,
    runId: facts.runId,
    secrets,
    tty: io.stdoutIsTTY,
  })
  // --check and --status are not runs: no first and last line.
  const run: Run = { args, io, secrets, logger, facts, paths: instancePaths(args.config, name) }
  const isRun = !args.check && !args.status
  const started = io.now()
  if (isRun) logRunStart(milestones, args)
  let exit: ExitCode = EXIT.failed
  try {
    exit = await recordingRun(
      {
        ...runFiles(run.paths),
        readOnly: args.check || args.status,
        dryRun: args.dry_run,
        now: () => io.now(),
        secrets,
        logger,
        metricsDir: () => facts.metricsDir,
        afterRecord: async (runs) => {
          await writeMetrics(run.paths, runs, facts)
        },
      },
      () => runInstance(run),
    )
    return exit
  } catch (error) {
    exit = exitCodeOf(error)
    // Every failure after this point, the flags' and the lock's included, is logged here once:
    // scrubbed of secrets, an expected one without a stack. main.ts prints the plain line; when
    // the log is the terminal too, an expected failure is that line alone, not printed twice
    // (without a terminal the JSON line stays: log collectors read it, people the plain line).
    if (error instanceof RunStopped) logger.warn({ exit: error.code }, error.message)
    else if (isPromptExit(error)) logger.info({ exit: EXIT.interrupted }, 'interrupted at a prompt')
    else if (!(args.loglocation === 'stdout' && io.stdoutIsTTY && isExpectedFailure(error)))
      logger.error({ err: error }, 'run failed')
    throw error
  } finally {
    if (isRun)
      logRunEnd(milestones, {
        exit,
        started,
        ended: io.now(),
        dryRun: args.dry_run,
        summaries: facts.summaries,
      })
  }
}

/**
 * Creates the config directory (0700) if it is missing, refuses one others could write to, and
 * refuses a link or another user's file at any of the instance's names: all before the lock,
 * and before anything is contacted or written.
 */
async function prepareConfigDir(paths: InstancePaths): Promise<void> {
  try {
    await mkdir(paths.configDir, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new ConfigError(
      `--config ${paths.configDir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): create it as a user who can, or give -c a directory this user can write`,
      { cause: error, option: '--config', file: paths.configDir },
    )
  }
  await checkPrivateDir(paths.configDir, '--config')
  try {
    await access(paths.configDir, constants.W_OK | constants.X_OK)
  } catch (error) {
    throw new ConfigError(
      `--config ${paths.configDir}: this user cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): run as the directory's owner, or give -c a directory this user can write`,
      { cause: error, option: '--config', file: paths.configDir },
    )
  }
  await checkPrivateFiles([
    paths.config,
    paths.state,
    paths.ledger,
    paths.journal,
    paths.listsLedger,
    paths.runs,
    paths.audit,
    paths.syslogState,
  ])
}

/** One instance: a read-only command, or under its lock the first run or a bounded run. */
async function runInstance(run: Run): Promise<ExitCode> {
  const { args, io, logger, paths } = run
  const { name } = paths
  // Read-only commands: no lock, no run record, nothing created or written (src/cli/check.ts).
  if (args.check) return await checkInstance(run)
  if (args.status) return await showStatus(args, io)
  if (args.output !== undefined && !args.dry_run)
    throw new ConfigError('--output only works with --dry-run', { option: '--output' })
  const since = args.since === undefined ? undefined : await parseSince(args.since, io.now())
  if (args.output !== undefined && ownFiles(paths).includes(resolve(args.output)))
    throw new ConfigError(
      `--output ${JSON.stringify(args.output)} is this instance's own config, state or lock file: write the dry run elsewhere`,
      { option: '--output' },
    )

  const line =
    args.cron === undefined
      ? undefined
      : cronLine({
          schedule: args.cron,
          nodePath: io.execPath,
          binPath: io.binPath,
          configDir: paths.configDir,
          name: name === DEFAULT_NAME ? undefined : name,
        })
  const interactive = isInteractive(args, io)
  const legacy = await lookForConfig(paths, args.config, interactive, io)
  await prepareConfigDir(paths)
  // Once per run, here: the state file is rewritten 0600 later in the run, the config is not.
  for (const { file, message } of await readableSecrets([
    { path: paths.config, holds: 'the ThreatQ password' },
    { path: paths.state, holds: 'the ThreatQ tokens' },
  ]))
    logger.warn({ file }, message)

  if (line !== undefined) {
    const { path, enabled } = await writeCronFile(io.env.TQ_CRON_DIR ?? '/etc/cron.d', name, line)
    io.stdout(
      enabled
        ? `Cron entry rewritten in ${path}, still enabled (as it was).\n`
        : `Cron entry written to ${path}, commented out: remove the leading "#" to enable it.\n`,
    )
  }

  const lock = await acquireLock(paths.lock, name)
  try {
    let loaded = await readConfig(paths.config)
    if (loaded === undefined && legacy !== undefined) {
      loaded = await adoptLegacyConfig(legacy, paths.config)
      io.stdout(`Migrated ${legacy} to ${paths.config} (the old file is left as it was).\n`)
    }
    if (loaded === undefined) return await firstRun(run, since)
    for (const change of loaded.migrated)
      logger.warn({ config: paths.config }, `configuration upgraded: ${change}`)
    if (args.cron !== undefined) return EXIT.ok
    return await boundedRun(run, loaded.config, since)
  } finally {
    await lock.release()
  }
}

/** runDirections() under the run deadline (`timeouts.run_minutes`) and the interrupt signals. */
async function boundedRun(
  run: Run,
  config: ConnectorConfig,
  since: Date | undefined,
): Promise<ExitCode> {
  const { paths, io } = run
  const minutes = config.timeouts?.run_minutes
  const stop = startRunSignal({
    deadlineMs: (minutes ?? DEFAULT_RUN_MINUTES) * 60_000,
    deadline: () =>
      pastDeadline(minutes ?? DEFAULT_RUN_MINUTES, minutes !== undefined, paths.config),
    interrupt: io.interrupt,
  })
  try {
    return await runDirections(run, config, since, stop.signal)
  } catch (error) {
    // Stopped: whatever a layer made of the abort, the run ends with the stop's own reason.
    throw stop.signal.aborted ? stop.signal.reason : error
  } finally {
    stop.dispose()
  }
}

/**
 * One run with a config: ThreatQ's connector record and options, then the import and the export
 * as the command line asks, the state saved and the summary printed.
 */
async function runDirections(
  run: Run,
  config: ConnectorConfig,
  since: Date | undefined,
  signal: AbortSignal,
): Promise<ExitCode> {
  const { args, paths, io, secrets, logger, facts } = run
  const conn = connection(config, io.env)
  secrets.add(conn.password)
  secrets.addUrlCredentials(conn.threatq.baseUrl)
  if (conn.threatq.insecure)
    logger.warn({ host: conn.threatq.host }, 'ThreatQ is reached over plain http')
  const state = await readState(paths.state)
  // Every client of the run, closed together once the run is over, whichever way it ends.
  await using clients = new RunClients({ logger, timeouts: timeouts(config), signal })
  const threatq = clients.threatq(conn, state, secrets)
  const summaries: RunSummary[] = facts.summaries
  const trail = runAudit(
    { path: paths.audit, runId: facts.runId, now: () => io.now() },
    config.limits,
    args.dry_run,
    facts.tally,
  )
  const sources = new Sources(paths.config, config.options, io.env)
  // Before anything is contacted: an --output path that cannot be written is a usage error.
  const output =
    args.output === undefined ? undefined : await DryRunOutput.open(args.output, secrets)
  try {
    const record = await firstContact(sources, () =>
      register(threatq, paths.name, conn.status, logger),
    )
    if (!record.is_active) {
      logger.warn({ exit: EXIT.notEnabled }, 'the connector is not enabled in ThreatQ')
      io.stdout(
        `The connector "${record.name}" is not enabled in ThreatQ. Set information in UI and switch it on, then run again.\n`,
      )
      return EXIT.notEnabled
    }
    const { options, overridden } = parseOptions(record.custom_fields, config.options, paths.config)
    facts.metricsDir = options.metrics_dir ?? null
    for (const key of overridden)
      logger.info({ option: key }, 'option set in the config file overrides the ThreatQ UI')
    const { doImport, doExport, missing } = runNeeds(args, options, secrets)
    if (missing.length > 0) {
      logger.warn({ exit: EXIT.notEnabled, missing }, 'the connector is not configured yet')
      io.stdout(
        `The connector is not configured yet: set ${missing.join(', ')} in the ThreatQ UI (or under options: in ${paths.config}).\n`,
      )
      return EXIT.notEnabled
    }
    if (doExport) checkLabels(options)

    const aedHost = parseHost(options.hostname ?? '', 'AED Hostname', 'hostname')
    if (aedHost.insecure) logger.warn({ host: aedHost.host }, 'AED is reached over plain http')
    const aedTls = aedTlsOf(args, options, io, logger)

    const direction: DirectionContext = {
      ...run,
      state,
      threatq,
      aed: clients.aed({ options, aedHost, aedTls, sources }),
      record,
      options,
      conn,
      sourceName: recordName(paths.name),
      aedHost,
      output,
      since,
      signal,
      audit: trail.audit,
      sources,
    }
    if (doImport) summaries.push(await importDirection(direction))
    if (doExport) summaries.push(...(await exportDirection(direction)))
    // A stop that a direction took as one more problem still ends the run, and --output with it.
    signal.throwIfAborted()
    await output?.commit()
    await writeState(paths.state, state)
    io.stdout(`${formatSummary(summaries)}\n`)
    const problems = summaries.flatMap((s) => s.problems)
    const rejected = summaries.reduce((n, s) => n + s.rejected.total, 0)
    if (rejected === 0 && problems.length === 0) return EXIT.ok
    logger.warn({ exit: EXIT.rejected, rejected, problems }, 'the run finished with problems')
    return EXIT.rejected
  } catch (error) {
    // Keep a refreshed token even when the run fails.
    await writeState(paths.state, state).catch(() => undefined)
    throw mistakeOf(error, sources, 'later') ?? error
  } finally {
    // Every way out but a commit (a failure, exit 4) leaves no partial --output file.
    await output?.abort()
    // The audit lines not yet written go out here, and a failed write fails the run; the
    // clients close after this block.
    trail.close()
  }
}
