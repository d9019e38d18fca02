/**
 * What a run and --check read from the configuration before they contact anything: ThreatQ's
 * connection (environment over config file), the timeouts, the connector record's name, and the
 * options each direction needs. Its own module so that connector.ts (which runs the check) and
 * check.ts both import it, and neither imports the other.
 */
import type { ConnectorConfig } from '../config/config-file.js'
import { parseHost } from '../config/host.js'
import { OPTION_LABELS, type OptionKey, type Options } from '../config/options.js'
import { ConfigError } from '../errors.js'
import type { Secrets } from '../log/secrets.js'
import type { CliArgs } from './args.js'
import { DEFAULT_NAME } from './args.js'
import type { ThreatqLogin, Timeouts } from './clients.js'
import { exportNeeds } from './directions.js'
import type { CommandIo } from './io.js'

const CONNECTOR_RECORD = 'Netscout AED Connector'

/** The ThreatQ connector record (and source name) of an instance. */
export function recordName(instance: string): string {
  return instance === DEFAULT_NAME ? CONNECTOR_RECORD : `${CONNECTOR_RECORD} (${instance})`
}

/** The options an import needs before it can run, by `alert_source`. */
function importNeeds(options: Options): OptionKey[] {
  if (options.alert_source === 'syslog') return ['hostname', 'syslog_file']
  if (options.alert_source === 'edm') return ['hostname', 'edm_host', 'edm_api_token']
  return ['hostname', 'api_token']
}

export interface Connection extends ThreatqLogin {
  status: string
}

/** The config file's connection with environment overrides (env wins: README "First run"). */
export function connection(config: ConnectorConfig, env: CommandIo['env']): Connection {
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
export function timeouts(config: ConnectorConfig): Timeouts {
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

function missingOptions(options: Options, needs: readonly OptionKey[]): string[] {
  const unset = (k: OptionKey): boolean => {
    const v = options[k]
    return v === undefined || (Array.isArray(v) && v.length === 0)
  }
  return needs.filter(unset).map((k) => `${OPTION_LABELS[k] ?? k} (${k})`)
}

/** The default labels STIX 2.0 requires of the types an export sends (empty: none needed). */
function labelNeeds(options: Options): OptionKey[] {
  if (options.stix_version !== '2.0') return []
  return options.relationship_depth > 0
    ? [
        'default_indicator_labels',
        'default_threat_actor_labels',
        'default_malware_labels',
        'default_tool_labels',
        'default_report_labels',
      ]
    : ['default_indicator_labels']
}

/**
 * The directions this command line runs (-i, -e, or both) and the options they need that are not
 * set; the options' secrets join the run's registry first.
 */
export function runNeeds(
  args: Pick<CliArgs, 'import' | 'export'>,
  options: Options,
  secrets: Secrets,
): { doImport: boolean; doExport: boolean; missing: string[] } {
  secrets.add(options.api_token)
  secrets.add(options.edm_api_token)
  secrets.addUrlCredentials(options.edm_host)
  secrets.addBasic(options.stix_client_username, options.stix_client_password)
  secrets.addUrlCredentials(options.hostname)
  const doImport = args.import || !args.export
  const doExport = args.export || !args.import
  const missing = [
    ...new Set([
      ...(doImport ? missingOptions(options, importNeeds(options)) : []),
      ...(doExport ? missingOptions(options, exportNeeds(options)) : []),
      // All at once: labels STIX 2.0 needs are not a second surprise after the others are set.
      ...(doExport ? missingOptions(options, labelNeeds(options)) : []),
    ]),
  ]
  return { doImport, doExport, missing }
}

export function checkLabels(options: Options): void {
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
