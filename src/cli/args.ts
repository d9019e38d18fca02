/**
 * The command line of README "Command line", parsed with Python argparse semantics so users of the
 * Python connector keep their command lines (`-ll /var/log/x -c /etc/x -v3`).
 */
import { ArgumentParser } from 'argparse'

export interface CliArgs {
  config: string
  loglocation: string
  verbosity: 0 | 1 | 2 | 3
  disable_ssl: boolean
  import: boolean
  export: boolean
  name: string
  cron: string | undefined
  dry_run: boolean
  output: string | undefined
  full: boolean
  allow_mass_revoke: boolean
  since: string | undefined
  non_interactive: boolean
  check: boolean
  status: boolean
}

export const DEFAULT_NAME = 'netscout-aed'

export function buildParser(version: string): ArgumentParser {
  const parser = new ArgumentParser({
    prog: 'tq-conn-netscout-aed',
    description:
      'Keep ThreatQ and a NETSCOUT Arbor Edge Defense (AED) appliance in step: import AED alerts ' +
      'into ThreatQ as events (-i), export a ThreatQ data collection to AED as STIX over TAXII ' +
      '(-e). With neither flag, import then export.',
    epilog:
      'Exit codes: 0 success; 1 run failed; 2 usage or configuration error; 3 finished but some ' +
      'objects were rejected; 4 not yet enabled/configured in ThreatQ; 5 another run of this ' +
      'instance holds the lock. --check: 0 every row ok, 2 otherwise.',
    exit_on_error: false,
  })
  parser.add_argument('-c', '--config', {
    default: '.',
    metavar: 'CONFIG',
    help: 'directory holding <name>.yaml and <name>.state.json (default: current directory)',
  })
  parser.add_argument('-ll', '--loglocation', {
    default: 'stdout',
    metavar: 'LOGLOCATION',
    help: 'directory for <name>.log, or "stdout" (default)',
  })
  parser.add_argument('-v', '--verbosity', {
    type: 'int',
    choices: [0, 1, 2, 3],
    default: 1,
    help: 'log level: 0 errors, 1 warnings (default), 2 info, 3 debug',
  })
  parser.add_argument('-d', '--disable-ssl', {
    action: 'store_true',
    help: "do not verify the AED's TLS certificate (REST, TAXII, and EDM's); warns once per run; never affects ThreatQ",
  })
  parser.add_argument('-i', '--import', {
    action: 'store_true',
    help: 'only import AED alerts into ThreatQ',
  })
  parser.add_argument('-e', '--export', {
    action: 'store_true',
    help: 'only export the ThreatQ data collection to AED',
  })
  parser.add_argument('-n', '--name', {
    default: DEFAULT_NAME,
    metavar: 'NAME',
    help: `instance name: own config, state, log, lock and ThreatQ connector record (default: ${DEFAULT_NAME})`,
  })
  parser.add_argument('--cron', {
    metavar: 'SCHEDULE',
    help: 'ThreatQ v6: write a commented-out cron line with this 5-field schedule to /etc/cron.d/<name> ($TQ_CRON_DIR overrides), then configure',
  })
  parser.add_argument('--dry-run', {
    action: 'store_true',
    help: 'do everything except writes to AED and ThreatQ',
  })
  parser.add_argument('--output', {
    metavar: 'FILE',
    help: 'with --dry-run: write the STIX bundles and ThreatQ payloads to FILE as JSON; with --status: write the status as JSON to FILE',
  })
  parser.add_argument('--full', {
    action: 'store_true',
    help: 'ignore checkpoints and the export ledger: resend everything (revocations still apply)',
  })
  parser.add_argument('--allow-mass-revoke', {
    action: 'store_true',
    help: 'export: revoke even when more than max_revoke_percent of what AED holds from this instance would be revoked (e.g. the data collection was emptied on purpose)',
  })
  parser.add_argument('--since', {
    metavar: 'WHEN',
    help: 'start of this run: ISO-8601 or relative ("7 days ago")',
  })
  parser.add_argument('--non-interactive', {
    action: 'store_true',
    help: 'never prompt: first-run answers come from THREATQ_* environment variables',
  })
  parser.add_argument('--check', {
    action: 'store_true',
    help: 'test every configured endpoint and credential (ThreatQ login, connector record, data collection, AED REST token and API version, TAXII discovery and collection, AED lists, metrics_dir, syslog_file, EDM and edm_aed_name), change nothing, print one row each with its fix; exit 0 when all are ok, 2 otherwise',
  })
  parser.add_argument('--status', {
    action: 'store_true',
    help: 'for every instance in the config directory, from local files only: last run and its outcome, last success and its age, what AED holds from it, pending journal, lock holder; a table in a terminal, JSON on a pipe or with --output FILE',
  })
  parser.add_argument('--version', { action: 'version', version })
  return parser
}
