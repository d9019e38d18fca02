/**
 * The connector command: configuration, first run, the instance lock, then import and/or export.
 * A plain async function returning an exit code; only bin.ts touches the process.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { readConfig, writeNewConfig, type ConnectorConfig } from '../config/config-file.js'
import { parseHost, type ParsedHost } from '../config/host.js'
import { instancePaths, validateInstanceName, type InstancePaths } from '../config/instance.js'
import { acquireLock } from '../config/lock.js'
import { OPTION_LABELS, parseOptions, type OptionKey, type Options } from '../config/options.js'
import { checkPrivateDir, checkPrivateFiles, readableSecrets } from '../config/secure-file.js'
import { readState, writeState, type State } from '../config/state-file.js'
import { ConfigError, EXIT, type ExitCode } from '../errors.js'
import { createHttpClient } from '../http/client.js'
import { createLogger, type Logger } from '../log/logger.js'
import { Secrets } from '../log/secrets.js'
import { DryRunOutput } from '../sync/output.js'
import { formatSummary, type RunSummary } from '../sync/summary.js'
import { ThreatqAuth } from '../threatq/auth.js'
import { ThreatqClient, type ConnectorRecord } from '../threatq/client.js'
import type { CliArgs } from './args.js'
import { DEFAULT_NAME } from './args.js'
import { cronLine, writeCronFile } from './cron.js'
import { answersFromEnv, promptAnswers, type FirstRunAnswers } from './first-run.js'
import {
  exportDirections,
  exportNeeds,
  importDirection,
  type DirectionContext,
  type Timeouts,
} from './directions.js'
import type { CommandIo } from './io.js'
import { parseSince } from './since.js'

export type { CommandIo } from './io.js'

export const CONNECTOR_RECORD = 'Netscout AED Connector'

/** The ThreatQ connector record (and source name) of an instance. */
export function recordName(instance: string): string {
  return instance === DEFAULT_NAME ? CONNECTOR_RECORD : `${CONNECTOR_RECORD} (${instance})`
}

/** UI form values a new connector record starts with (DESIGN §2.3). */
function initialCustomFields(): Record<string, string> {
  const fields = Object.fromEntries(Object.keys(OPTION_LABELS).map((k) => [k, '']))
  return {
    ...fields,
    relationship_depth: '1',
    alert_severity: 'Low',
    default_indicator_labels: 'malicious-activity',
  }
}

const IMPORT_NEEDS: OptionKey[] = ['hostname', 'api_token']

interface Connection {
  threatq: ParsedHost
  clientId: string
  username: string
  password: string
  status: string
  caFile: string | undefined
}

/** The config file's connection with environment overrides (env wins, DESIGN §2.2). */
function connection(config: ConnectorConfig, env: CommandIo['env']): Connection {
  const pick = (name: string, fallback: string | undefined): string | undefined => {
    const v = env[name]
    return v !== undefined && v.trim() !== '' ? v : fallback
  }
  const host = pick('THREATQ_HOST', config.threatq.host)
  if (host === undefined || host.trim() === '')
    throw new ConfigError('ThreatQ Host is empty in the config file and THREATQ_HOST is not set')
  return {
    threatq: parseHost(host, 'ThreatQ Host'),
    clientId: pick('THREATQ_CLIENT_ID', config.threatq.client_id) ?? '',
    username: pick('THREATQ_USERNAME', config.threatq.username) ?? '',
    password: pick('THREATQ_PASSWORD', config.threatq.password) ?? '',
    status: pick('THREATQ_STATUS', config.status) ?? 'Review',
    caFile: pick('THREATQ_CA_FILE', config.threatq.ca_file),
  }
}

/** The config file's `timeouts:` in ms; undefined keeps a client's default. */
function timeouts(config: ConnectorConfig): Timeouts {
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000)
  return {
    httpMs: ms(config.timeouts?.http_request_seconds),
    taxiiStatusMs: ms(config.timeouts?.taxii_status_seconds),
    responseBytes:
      config.limits?.response_mib === undefined
        ? undefined
        : Math.round(config.limits.response_mib * 1024 * 1024),
  }
}

function threatqClient(
  conn: Connection,
  state: State,
  secrets: Secrets,
  logger: Logger,
  limits: Pick<Timeouts, 'httpMs' | 'responseBytes'>,
): ThreatqClient {
  const timeoutMs = limits.httpMs
  const maxResponseBytes = limits.responseBytes
  // ThreatQ's certificate is always verified (-d only concerns AED).
  const tls = { verify: true, ...(conn.caFile === undefined ? {} : { caFile: conn.caFile }) }
  const tokenHttp = createHttpClient({
    system: 'threatq',
    baseUrl: conn.threatq.baseUrl,
    tls,
    logger,
    timeoutMs,
    maxResponseBytes,
  })
  const auth = new ThreatqAuth({
    http: tokenHttp,
    credentials: { clientId: conn.clientId, username: conn.username, password: conn.password },
    token: state.threatq_token,
    onToken: (token) => {
      state.threatq_token = token
    },
    onSecret: (v) => {
      secrets.add(v)
    },
  })
  const http = createHttpClient({
    system: 'threatq',
    baseUrl: conn.threatq.baseUrl,
    tls,
    logger,
    auth,
    timeoutMs,
    maxResponseBytes,
  })
  const client = new ThreatqClient(http, logger)
  const close = client.close.bind(client)
  client.close = async () => {
    await Promise.all([close(), tokenHttp.close()])
  }
  return client
}

async function firstRun(
  args: CliArgs,
  paths: InstancePaths,
  io: CommandIo,
  secrets: Secrets,
  logger: Logger,
): Promise<ExitCode> {
  const interactive = !args.non_interactive && io.stdinIsTTY
  const answers: FirstRunAnswers = interactive
    ? await promptAnswers(io.env)
    : answersFromEnv(io.env)
  secrets.add(answers.password)
  const config: ConnectorConfig = {
    format_version: 1,
    threatq: {
      host: answers.host,
      client_id: answers.clientId,
      username: answers.username,
      password: answers.password,
    },
    status: answers.status,
    options: {},
  }
  const conn = connection(config, io.env)
  const state = await readState(paths.state)
  const threatq = threatqClient(conn, state, secrets, logger, {
    httpMs: undefined,
    responseBytes: undefined,
  })
  try {
    await register(threatq, paths.name, conn.status, logger)
  } finally {
    await threatq.close()
  }
  await writeNewConfig(paths.config, config)
  await writeState(paths.state, state)
  logger.info({ config: paths.config }, 'first run complete')
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

function missingOptions(options: Options, needs: readonly OptionKey[]): string[] {
  return needs.filter((k) => options[k] === undefined).map((k) => `${OPTION_LABELS[k] ?? k} (${k})`)
}

function checkLabels(options: Options): void {
  if (options.stix_version !== '2.0') return
  const needed: [OptionKey, string][] = [['default_indicator_labels', 'indicator']]
  if (options.relationship_depth > 0)
    needed.push(
      ['default_threat_actor_labels', 'threat-actor'],
      ['default_malware_labels', 'malware'],
      ['default_tool_labels', 'tool'],
      ['default_report_labels', 'report'],
    )
  const empty = needed.filter(([k]) => (options[k] as string[]).length === 0)
  if (empty.length > 0)
    throw new ConfigError(
      `STIX 2.0 requires labels: set ${empty.map(([k]) => `"${OPTION_LABELS[k] ?? k}"`).join(', ')} in the ThreatQ UI (or under options: in the config file), or set stix_version to 2.1`,
      { option: empty.map(([k]) => k).join(', ') },
    )
}

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
  const { logger } = createLogger({
    verbosity: args.verbosity,
    location: args.loglocation,
    instance: name,
    runId: randomUUID(),
    secrets,
    tty: io.stdoutIsTTY,
  })
  try {
    return await runInstance(args, name, io, secrets, logger)
  } catch (error) {
    // Every failure after this point, the flags' and the lock's included, is logged here once:
    // scrubbed of secrets, an expected one without a stack. main.ts prints the plain line.
    logger.error({ err: error }, 'run failed')
    throw error
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
      `--config ${paths.configDir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error, option: '--config', file: paths.configDir },
    )
  }
  await checkPrivateDir(paths.configDir, '--config')
  await checkPrivateFiles([
    paths.config,
    paths.state,
    paths.ledger,
    paths.journal,
    paths.listsLedger,
  ])
}

async function runInstance(
  args: CliArgs,
  name: string,
  io: CommandIo,
  secrets: Secrets,
  logger: Logger,
): Promise<ExitCode> {
  if (args.output !== undefined && !args.dry_run)
    throw new ConfigError('--output only works with --dry-run', { option: '--output' })
  const since = args.since === undefined ? undefined : await parseSince(args.since, io.now())
  const paths = instancePaths(args.config, name)
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
  await prepareConfigDir(paths)
  // Once per run, here: the state file is rewritten 0600 later in the run, the config is not.
  for (const { file, message } of await readableSecrets([
    { path: paths.config, holds: 'the ThreatQ password' },
    { path: paths.state, holds: 'the ThreatQ tokens' },
  ]))
    logger.warn({ file }, message)

  if (line !== undefined) {
    const path = await writeCronFile(io.env.TQ_CRON_DIR ?? '/etc/cron.d', name, line)
    io.stdout(
      `Cron entry written to ${path}, commented out: remove the leading "#" to enable it.\n`,
    )
  }

  const lock = await acquireLock(paths.lock, name)
  try {
    const loaded = await readConfig(paths.config)
    if (loaded === undefined) return await firstRun(args, paths, io, secrets, logger)
    for (const change of loaded.migrated)
      logger.warn({ config: paths.config }, `configuration upgraded: ${change}`)
    if (args.cron !== undefined) return EXIT.ok
    return await run(args, paths, loaded.config, since, io, secrets, logger)
  } finally {
    await lock.release()
  }
}

async function run(
  args: CliArgs,
  paths: InstancePaths,
  config: ConnectorConfig,
  since: Date | undefined,
  io: CommandIo,
  secrets: Secrets,
  logger: Logger,
): Promise<ExitCode> {
  const conn = connection(config, io.env)
  secrets.add(conn.password)
  secrets.addUrlCredentials(conn.threatq.baseUrl)
  if (conn.threatq.insecure)
    logger.warn({ host: conn.threatq.host }, 'ThreatQ is reached over plain http')
  const state = await readState(paths.state)
  const limits = timeouts(config)
  const threatq = threatqClient(conn, state, secrets, logger, limits)
  const summaries: RunSummary[] = []
  const clients: { close(): Promise<void> }[] = [threatq]
  // Before anything is contacted: an --output path that cannot be written is a usage error.
  const output =
    args.output === undefined
      ? undefined
      : await DryRunOutput.open(args.output, secrets).catch(async (error: unknown) => {
          await threatq.close()
          throw error
        })
  try {
    const record = await register(threatq, paths.name, conn.status, logger)
    if (!record.is_active) {
      logger.warn({ exit: EXIT.notEnabled }, 'the connector is not enabled in ThreatQ')
      io.stdout(
        `The connector "${record.name}" is not enabled in ThreatQ. Set information in UI and switch it on, then run again.\n`,
      )
      return EXIT.notEnabled
    }
    const { options, overridden } = parseOptions(record.custom_fields, config.options)
    for (const key of overridden)
      logger.info({ option: key }, 'option set in the config file overrides the ThreatQ UI')
    secrets.add(options.api_token)
    secrets.add(options.edm_api_token)
    secrets.addUrlCredentials(options.edm_host)
    secrets.addBasic(options.stix_client_username, options.stix_client_password)
    secrets.addUrlCredentials(options.hostname)

    const doImport = args.import || !args.export
    const doExport = args.export || !args.import
    const missing = [
      ...new Set([
        ...(doImport ? missingOptions(options, IMPORT_NEEDS) : []),
        ...(doExport ? missingOptions(options, exportNeeds(options)) : []),
      ]),
    ]
    if (missing.length > 0) {
      logger.warn({ exit: EXIT.notEnabled, missing }, 'the connector is not configured yet')
      io.stdout(
        `The connector is not configured yet: set ${missing.join(', ')} in the ThreatQ UI.\n`,
      )
      return EXIT.notEnabled
    }
    if (doExport) checkLabels(options)

    const aedHost = parseHost(options.hostname ?? '', 'AED Hostname', 'hostname')
    if (aedHost.insecure) logger.warn({ host: aedHost.host }, 'AED is reached over plain http')
    const aedTls = {
      verify: !args.disable_ssl,
      ...(options.aed_ca_file === undefined ? {} : { caFile: options.aed_ca_file }),
    }

    const direction: DirectionContext = {
      args,
      paths,
      io,
      logger,
      state,
      threatq,
      record,
      options,
      conn,
      sourceName: recordName(paths.name),
      aedHost,
      aedTls,
      output,
      since,
      clients,
      timeouts: limits,
    }
    if (doImport) summaries.push(await importDirection(direction))
    if (doExport) summaries.push(...(await exportDirections(direction)))
    await output?.commit()
    await writeState(paths.state, state)
    io.stdout(`${formatSummary(summaries)}\n`)
    const problems = summaries.flatMap((s) => s.problems)
    const rejected = summaries.reduce((n, s) => n + s.rejected, 0)
    if (rejected === 0 && problems.length === 0) return EXIT.ok
    logger.warn({ exit: EXIT.rejected, rejected, problems }, 'the run finished with problems')
    return EXIT.rejected
  } catch (error) {
    // Keep a refreshed token even when the run fails.
    await writeState(paths.state, state).catch(() => undefined)
    throw error
  } finally {
    // Every way out but a commit (a failure, exit 4) leaves no partial --output file.
    await output?.abort()
    await Promise.all(clients.map((c) => c.close()))
  }
}
