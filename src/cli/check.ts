/**
 * `--check`: every configured endpoint and credential tried once, read-only, one row each with
 * the fix when it fails; exit 0 when every row is ok, 2 otherwise. Nothing is written: no lock,
 * no state (a fresh ThreatQ login proves the password and is dropped), no ledger, no run record,
 * and the connector record is looked up, never created or updated.
 */
import { randomBytes } from 'node:crypto'
import { open, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { AedClient } from '../aed/client.js'
import { ALL_LISTS } from '../aed/lists.js'
import { readConfig, type ConnectorConfig } from '../config/config-file.js'
import { parseHost } from '../config/host.js'
import type { InstancePaths } from '../config/instance.js'
import { parseOptions, type Options } from '../config/options.js'
import { checkPrivateDir } from '../fs/secure-file.js'
import { Sources } from '../config/sources.js'
import { stateSchema } from '../config/state-file.js'
import { KNOWN_DAYS, probeEdm } from '../edm/probe.js'
import { ConfigError, EXIT, type ExitCode } from '../errors.js'
import { RemoteError } from '../http/errors.js'
import type { Logger } from '../log/logger.js'
import type { Secrets } from '../log/secrets.js'
import { openLogFile } from '../syslog/log-files.js'
import { findTaxiiCollection } from '../sync/export/find-collection.js'
import { type TaxiiCollection, TaxiiUsageError } from '../taxii/client.js'
import type { ConnectorRecord, ThreatqClient } from '../threatq/client.js'
import type { CliArgs } from './args.js'
import { RunClients, type AedClients, type Timeouts } from './clients.js'
import {
  checkLabels,
  connection,
  recordName,
  runNeeds,
  timeouts,
  type Connection,
} from './settings.js'
import type { CommandIo } from './io.js'
import { formatTable } from './table.js'
import { aedTlsOf } from './aed-tls.js'
import type { Run } from './run.js'

export type CheckResult = 'ok' | 'FAIL' | 'skipped'

export interface CheckRow {
  check: string
  result: CheckResult
  /** What was found (ok) or what went wrong. */
  detail: string
  /** The setting to change and where it comes from; failing rows only. */
  fix?: string | undefined
}

/** Per check when the config file sets no `timeouts.http_request_seconds`. */
const CHECK_TIMEOUT_MS = 15_000

/** The table --check prints. */
export function formatCheck(rows: readonly CheckRow[]): string {
  return formatTable(
    ['CHECK', 'RESULT', 'DETAIL'],
    rows.map((r) => ({
      cells: [r.check, r.result, r.detail],
      notes: r.fix === undefined ? [] : [`fix: ${r.fix}`],
    })),
  )
}

/** 0 when every row is ok; 2 (a setting to fix) otherwise. */
export function checkExitCode(rows: readonly CheckRow[]): ExitCode {
  return rows.every((r) => r.result === 'ok') ? EXIT.ok : EXIT.usage
}

/** A check that got no answer within its time. */
export class CheckTimeout extends Error {}

/** Where a system's address, credentials and certificate are set, for the fix of a failed request. */
export interface RemoteSettings {
  address: string
  credentials: string
  certificate: string
  notFound?: string
}

/** The fix for a failed request: the address, the credential or the certificate setting. */
export function remoteFix(error: unknown, settings: RemoteSettings): string {
  if (error instanceof CheckTimeout)
    return `no answer in time: check ${settings.address}, and that it is reachable from here`
  if (!(error instanceof RemoteError)) return 'see the detail'
  if (error.kind === 'network' && /cert|self.signed|tls|ssl/i.test(error.message))
    return `the certificate is not trusted: ${settings.certificate}`
  if (error.kind === 'network' || error.kind === 'timeout' || error.kind === 'origin')
    return `no answer from the server: check ${settings.address}, and that it is reachable from here`
  if (error.kind === 'http' && (error.status === 401 || error.status === 403))
    return `the server refused the credentials: check ${settings.credentials}`
  if (error.kind === 'http' && error.status === 404)
    return settings.notFound ?? `not found: check ${settings.address}`
  return `the server answered something unexpected: check ${settings.address}`
}

/** One check's promise, bounded: a server that never answers is a failed row, not a hang. */
async function bounded<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CheckTimeout(`no answer within ${String(Math.round(ms / 1000))} s`))
    }, ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const oneLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n').join(' ').trim()

/** The rows, in order; a failed step marks the steps that need it as skipped. */
class Rows {
  readonly rows: CheckRow[] = []
  constructor(private readonly ms: number) {}

  ok(check: string, detail: string): void {
    this.rows.push({ check, result: 'ok', detail })
  }

  fail(check: string, detail: string, fix: string): void {
    this.rows.push({ check, result: 'FAIL', detail, fix })
  }

  skip(checks: readonly string[], because: string): void {
    for (const check of checks)
      this.rows.push({ check, result: 'skipped', detail: `not tested: ${because}` })
  }

  /**
   * Runs one check. Its failure becomes a row with the fix `fix` names (a failed request's, from
   * the system's settings, or a function of the error); with `ok`, so does its success.
   */
  async try<T>(
    check: string,
    work: () => Promise<T>,
    fix: RemoteSettings | ((error: unknown) => string),
    ok?: (found: T) => string,
  ): Promise<T | undefined> {
    let found: T
    try {
      found = await bounded(this.ms, work())
    } catch (error) {
      this.fail(
        check,
        oneLine(error),
        typeof fix === 'function' ? fix(error) : remoteFix(error, fix),
      )
      return undefined
    }
    if (ok !== undefined) this.ok(check, ok(found))
    return found
  }
}

export async function checkInstance(run: Run): Promise<ExitCode> {
  const { args, io } = run
  if (args.output !== undefined)
    throw new ConfigError(
      '--check prints its table; --output only works with --dry-run or --status',
      {
        option: '--output',
      },
    )
  if (args.status) throw new ConfigError('--check and --status are separate commands: give one')
  const rows = await runChecks(run)
  io.stdout(formatCheck(rows))
  const code = checkExitCode(rows)
  io.stdout(
    code === EXIT.ok
      ? 'Every check passed.\n'
      : `${String(rows.filter((r) => r.result !== 'ok').length)} of ${String(rows.length)} checks did not pass: apply the fixes above and run --check again.\n`,
  )
  return code
}

async function runChecks(run: Run): Promise<CheckRow[]> {
  const { args, paths, io, secrets, logger } = run
  const config = await loadConfig(paths)
  if (typeof config === 'string') {
    const rows = new Rows(CHECK_TIMEOUT_MS)
    rows.fail('config file', config, configFix(paths))
    return rows.rows
  }
  const limits = timeouts(config)
  // Each request has its own timeout; this bounds a check of a few requests as a whole.
  const rows = new Rows((limits.httpMs ?? CHECK_TIMEOUT_MS) * 3)
  rows.ok('config file', paths.config)
  const sources = new Sources(paths.config, config.options, io.env)
  const ctx = { args, paths, io, secrets, logger, rows, sources, config }
  let conn: Connection
  try {
    conn = connection(config, io.env)
  } catch (error) {
    rows.fail('ThreatQ host', oneLine(error), `set ${sources.threatq('host')}`)
    return rows.rows
  }
  secrets.add(conn.password)
  secrets.addUrlCredentials(conn.threatq.baseUrl)
  // One attempt per request, so an unreachable system is one answer, not a wait.
  const once: Timeouts = {
    ...limits,
    httpMs: limits.httpMs ?? CHECK_TIMEOUT_MS,
    retry: { maxAttempts: 1 },
  }
  await using clients = new RunClients({ logger, timeouts: once, signal: io.interrupt })
  // No saved token: a fresh login proves the credentials; the new token is never stored.
  const threatq = clients.threatq(conn, stateSchema.parse({}), secrets)
  const record = await checkThreatq(ctx, conn, threatq)
  if (record === undefined) return rows.rows
  const options = checkOptions(ctx, record)
  if (options === undefined) return rows.rows
  if (options.metrics_dir !== undefined) await checkMetricsDir(ctx, options.metrics_dir)
  await checkAed(ctx, options, threatq, once)
  return rows.rows
}

interface CheckContext {
  args: CliArgs
  paths: InstancePaths
  io: CommandIo
  secrets: Secrets
  logger: Logger
  rows: Rows
  sources: Sources
  config: ConnectorConfig
}

/** ThreatQ's settings, for the fix of a failed request to it. */
const threatqSettings = (sources: Sources): RemoteSettings => ({
  address: sources.threatq('host'),
  credentials: `${sources.threatq('client_id')}, ${sources.threatq('username')} and ${sources.threatq('password')}`,
  certificate: `give ThreatQ's CA certificate in ${sources.threatq('ca_file')}`,
})

/** AED's address and certificate settings, with the credentials the request uses. */
const aedSettings = (sources: Sources, credentials: string): RemoteSettings => ({
  address: sources.option('hostname'),
  credentials,
  certificate: `give the AED's CA certificate in ${sources.option('aed_ca_file')}, or run with -d to skip the check of the AED's certificate`,
})

function configFix(paths: InstancePaths): string {
  return `run the connector once without --check to configure instance "${paths.name}" (first run), or point -c/--config and -n/--name at its directory and name`
}

/** The config file, or why it cannot be used; the directory is read, never created. */
async function loadConfig(paths: InstancePaths): Promise<ConnectorConfig | string> {
  try {
    await checkPrivateDir(paths.configDir, '--config')
    const loaded = await readConfig(paths.config)
    return loaded?.config ?? `no config file at ${paths.config}`
  } catch (error) {
    return oneLine(error)
  }
}

const TQ_LOGIN = 'ThreatQ login'
const TQ_RECORD = 'ThreatQ connector record'

/** Login (through the connector lookup) and the connector record: found and switched on. */
async function checkThreatq(
  ctx: CheckContext,
  conn: Connection,
  threatq: ThreatqClient,
): Promise<ConnectorRecord | undefined> {
  const { rows } = ctx
  const name = recordName(ctx.paths.name)
  const found = await rows.try(
    TQ_LOGIN,
    async () => ({ record: await threatq.findConnector(name) }),
    threatqSettings(ctx.sources),
    () => `${conn.username} at ${conn.threatq.baseUrl}`,
  )
  if (found === undefined) {
    rows.skip([TQ_RECORD], 'ThreatQ could not be reached or logged in to')
    return undefined
  }
  const record = found.record
  if (record === undefined) {
    rows.fail(
      TQ_RECORD,
      `ThreatQ has no connector named "${name}"`,
      `run the connector once without --check: it registers "${name}" in ThreatQ; then set its options in the ThreatQ UI and switch it on`,
    )
    return undefined
  }
  if (!record.is_active) {
    rows.fail(
      TQ_RECORD,
      `"${name}" (id ${String(record.id)}) is not enabled`,
      `switch it on in the ThreatQ UI (Integrations → "${name}")`,
    )
    return record
  }
  rows.ok(TQ_RECORD, `"${name}" (id ${String(record.id)}), enabled`)
  return record
}

/** The connector options: valid, and every one this run's directions need is set. */
function checkOptions(ctx: CheckContext, record: ConnectorRecord): Options | undefined {
  const { rows, args } = ctx
  let options: Options
  try {
    options = parseOptions(record.custom_fields, ctx.config.options).options
  } catch (error) {
    rows.fail(
      'connector options',
      oneLine(error),
      `correct the options named, in the ThreatQ UI connector options or under options: in ${ctx.paths.config}`,
    )
    return undefined
  }
  const { doExport, missing } = runNeeds(args, options, ctx.secrets)
  if (missing.length > 0) {
    rows.fail(
      'connector options',
      `not set: ${missing.join(', ')}`,
      `set them in the ThreatQ UI connector options (or under options: in ${ctx.paths.config})`,
    )
    return undefined
  }
  try {
    if (doExport) checkLabels(options)
  } catch (error) {
    rows.fail('connector options', oneLine(error), 'see the detail')
    return undefined
  }
  rows.ok('connector options', `delivery ${options.delivery}, STIX ${options.stix_version}`)
  return options
}

/**
 * `metrics_dir`: a directory of ours (as writeMetrics checks it) where a file can be created; the
 * probe file is removed again, so --check leaves nothing there.
 */
async function checkMetricsDir(ctx: CheckContext, dir: string): Promise<void> {
  await ctx.rows.try(
    'metrics_dir',
    async () => {
      await checkPrivateDir(dir, 'metrics_dir')
      const probe = join(dir, `.${ctx.paths.name}.check.${randomBytes(6).toString('hex')}.tmp`)
      // wx: O_EXCL, never someone else's file or a link planted at the name.
      await (await open(probe, 'wx', 0o600)).close()
      await unlink(probe)
    },
    () =>
      `set ${ctx.sources.option('metrics_dir')} to a directory this user can write and others cannot (node_exporter's textfile directory)`,
    () => `${dir}: writable`,
  )
}

async function checkAed(
  ctx: CheckContext,
  options: Options,
  threatq: ThreatqClient,
  once: Timeouts,
): Promise<void> {
  const { rows, sources, args } = ctx
  const doImport = args.import || !args.export
  const doExport = args.export || !args.import
  if (doExport) await checkDataCollection(ctx, options, threatq)
  let aedHost
  try {
    aedHost = parseHost(options.hostname ?? '', 'AED Hostname', 'hostname')
  } catch (error) {
    rows.fail('AED hostname', oneLine(error), `set ${sources.option('hostname')}`)
    return
  }
  // A set of its own: AED's requests are not handed the interrupt that ThreatQ's are.
  await using clients = new RunClients({ logger: ctx.logger, timeouts: once, signal: undefined })
  const at = { options, aedHost, aedTls: aedTlsOf(args, options, ctx.io, ctx.logger) }
  const aed = clients.aed(at)
  const lists = doExport && options.delivery !== 'taxii'
  if (doImport && options.alert_source === 'syslog') await checkSyslogFile(ctx, options)
  if (doImport && options.alert_source === 'edm') await checkEdm(ctx, options, aed)
  if (lists || (doImport && options.alert_source === 'aed')) {
    // Probed even when aed_api_version is set: the probe is what tests the token.
    const probing = clients.aed({ ...at, options: { ...options, aed_api_version: 'auto' } }).rest()
    const forced = options.aed_api_version
    const version = await rows.try(
      'AED REST token and API version',
      () => probing.apiVersion(),
      aedSettings(sources, sources.option('api_token')),
      (found) =>
        `API ${found}${forced === 'auto' ? ' (detected)' : `; aed_api_version ${forced} is used`}`,
    )
    if (version === undefined && lists) rows.skip(['AED lists'], 'the AED REST API did not answer')
    else if (lists) await checkLists(ctx, aed.rest())
  }
  if (doExport && options.delivery !== 'rest') await checkTaxii(ctx, options, aed)
}

async function checkDataCollection(
  ctx: CheckContext,
  options: Options,
  threatq: ThreatqClient,
): Promise<void> {
  const name = options.data_collection ?? ''
  await ctx.rows.try(
    'ThreatQ data collection',
    async () => {
      const collection = await threatq.findDataCollection(name)
      // The first page of one record carries the total; nothing else is read.
      for await (const page of threatq.members(collection, { pageSize: 1 })) return page.total
      return 0
    },
    (error) =>
      error instanceof ConfigError
        ? `set ${ctx.sources.option('data_collection')} to a saved Threat Library search`
        : remoteFix(error, threatqSettings(ctx.sources)),
    (size) => `"${name}": ${size === undefined ? 'size unknown' : `${String(size)} indicators`}`,
  )
}

/** One page of one entry from each list REST delivery may write: read-only GETs. */
async function checkLists(ctx: CheckContext, rest: AedClient): Promise<void> {
  const lists = rest.lists()
  const { sources } = ctx
  await ctx.rows.try(
    'AED lists',
    async () => {
      for (const list of ALL_LISTS) {
        const pages = lists.readAll(list, 1)
        await pages.next()
        await pages.return(undefined)
      }
      return ALL_LISTS.length
    },
    {
      ...aedSettings(
        sources,
        `${sources.option('api_token')}: the token's user must be allowed to read and change the deny and allow lists`,
      ),
      notFound: `this AED does not serve the list endpoints: check ${sources.option('aed_api_version')}, or use delivery taxii (${sources.option('delivery')})`,
    },
    (read) => `${String(read)} deny and allow lists readable`,
  )
}

/**
 * `alert_source: syslog`: `syslog_file` opened as the import opens it (a regular file, no link
 * followed, readable by this user), then closed; nothing is read past its first bytes.
 */
async function checkSyslogFile(ctx: CheckContext, options: Options): Promise<void> {
  const file = options.syslog_file ?? ''
  await ctx.rows.try(
    'syslog_file',
    async () => {
      const opened = await openLogFile(file, 'syslog_file')
      if (opened === undefined) throw new Error(`syslog_file ${file}: no such file`)
      await opened.handle.close()
      return opened.st.size
    },
    () =>
      `set ${ctx.sources.option('syslog_file')} to the file (not a link) your syslog daemon writes AED's notifications to, readable by this user`,
    (size) => `${file}: readable, ${String(size)} bytes`,
  )
}

const EDM_LOGIN = 'EDM host and token'
const EDM_AED = 'edm_aed_name'

/** `alert_source: edm`: EDM answers with the token, and knows the AED `edm_aed_name` names. */
async function checkEdm(ctx: CheckContext, options: Options, aed: AedClients): Promise<void> {
  const { rows, sources } = ctx
  const settings: RemoteSettings = {
    address: sources.option('edm_host'),
    credentials: sources.option('edm_api_token'),
    certificate: `give the EDM's CA certificate in ${sources.option('edm_ca_file')}, or run with -d to skip the check of its certificate`,
  }
  const edm = await rows.try(
    EDM_LOGIN,
    async () => {
      const client = aed.edm()
      return { client, probe: await probeEdm(client, { end: ctx.io.now().getTime() }) }
    },
    settings,
    ({ probe }) =>
      `${options.edm_host ?? ''}: token accepted; ${String(probe.total)} alerts in the last ${String(KNOWN_DAYS)} days`,
  )
  const name = options.edm_aed_name?.trim() ?? ''
  if (name === '') return
  if (edm === undefined) {
    rows.skip([EDM_AED], 'EDM could not be reached or refused the token')
    return
  }
  const named = edm.probe.aeds.some((a) => a.toLowerCase() === name.toLowerCase())
    ? edm.probe
    : await rows.try(
        EDM_AED,
        () => probeEdm(edm.client, { end: ctx.io.now().getTime(), aedName: name }),
        settings,
      )
  if (named === undefined) return
  if (named.total > 0) {
    rows.ok(EDM_AED, `"${name}": alerts from it in the last ${String(KNOWN_DAYS)} days`)
    return
  }
  const seen = edm.probe.aeds.length === 0 ? 'none' : edm.probe.aeds.map((a) => `"${a}"`).join(', ')
  rows.fail(
    EDM_AED,
    `EDM has no alert from an AED named "${name}" in the last ${String(KNOWN_DAYS)} days; its latest alerts come from: ${seen}`,
    `set ${sources.option('edm_aed_name')} to the AED's name as EDM shows it (its hostname), or leave it empty to import from every AED`,
  )
}

const TAXII_DISCOVERY = 'TAXII discovery'
const TAXII_COLLECTION = 'AED collection'
const TAXII_WRITE = 'AED collection can_write'

async function checkTaxii(ctx: CheckContext, options: Options, aed: AedClients): Promise<void> {
  const { rows, sources } = ctx
  const taxii = aed.taxii()
  const settings = aedSettings(
    sources,
    `${sources.option('stix_client_username')} and ${sources.option('stix_client_password')}`,
  )
  const version = options.stix_version === '2.1' ? '2.1' : '2.0'
  const discovery = await rows.try(
    TAXII_DISCOVERY,
    () => taxii.discover(),
    {
      ...settings,
      notFound: `no TAXII ${version} discovery there: check ${sources.option('hostname')}, and ${sources.option('stix_version')} (an AED that serves only TAXII 2.0 needs stix_version 2.0)`,
    },
    (found) => `TAXII ${version}: "${found.title}"`,
  )
  if (discovery === undefined) {
    rows.skip([TAXII_COLLECTION, TAXII_WRITE], 'TAXII discovery failed')
    return
  }
  const collection: TaxiiCollection | undefined = await rows.try(
    TAXII_COLLECTION,
    () => findTaxiiCollection(taxii, options.aed_collection ?? ''),
    (error) =>
      error instanceof TaxiiUsageError
        ? `set ${sources.option('aed_collection')} to the title of a collection AED offers (listed in the detail)`
        : remoteFix(error, settings),
    (found) => `"${found.info.title}" (${found.info.id}) at ${found.root}`,
  )
  if (collection === undefined) {
    rows.skip([TAXII_WRITE], 'the collection was not found')
    return
  }
  if (collection.info.can_write) rows.ok(TAXII_WRITE, 'true')
  else
    rows.fail(
      TAXII_WRITE,
      `"${collection.info.title}" is not writable for ${options.stix_client_username ?? ''}`,
      `give the TAXII user write access to it in AED, or set ${sources.option('aed_collection')} to a writable collection`,
    )
}
