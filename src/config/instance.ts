/**
 * Instance names (`-n`) and the files each instance owns. A name becomes part of file names, a
 * cron file name and a ThreatQ connector name, so it is restricted to a safe character set.
 */
import { join, resolve } from 'node:path'
import { ConfigError } from '../errors.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

export function validateInstanceName(name: string): string {
  if (!NAME.test(name) || name.includes('..'))
    throw new ConfigError(
      `invalid instance name ${JSON.stringify(name)}: use 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    )
  return name
}

export interface InstancePaths {
  name: string
  configDir: string
  config: string
  state: string
  /** The export ledger (its journal is `<ledger>.journal`). */
  ledger: string
  /** The export ledger's journal. */
  journal: string
  /** The AED lists ledger of REST delivery. */
  listsLedger: string
  /** The syslog import's checkpoint and aggregates (alert_source syslog). */
  syslogState: string
  lock: string
  /** The last run and the last successful one (src/cli/run-record.ts). */
  runs: string
  /** The audit trail (src/audit/file.ts); rotated ones are `<audit>.1` … */
  audit: string
}

export function instancePaths(configDir: string, name: string): InstancePaths {
  validateInstanceName(name)
  const dir = resolve(configDir)
  return {
    name,
    configDir: dir,
    config: join(dir, `${name}.yaml`),
    state: join(dir, `${name}.state.json`),
    ledger: join(dir, `${name}.ledger`),
    journal: join(dir, `${name}.ledger.journal`),
    listsLedger: join(dir, `${name}.lists.json`),
    syslogState: join(dir, `${name}.syslog.json`),
    lock: join(dir, `${name}.lock`),
    runs: join(dir, `${name}.runs.json`),
    audit: join(dir, `${name}.audit.jsonl`),
  }
}
