/**
 * Where each setting a mistake can be traced to comes from, in the words a person acts on: the
 * environment variable, the `<name>.yaml` key and path, or the ThreatQ UI field (README.md, "First
 * run" and "Options").
 * The one table of setting names and sources; messages take their phrasing from here.
 */
import { OPTION_LABELS, type OptionKey } from './options.js'

export type ThreatqField = 'host' | 'client_id' | 'username' | 'password' | 'ca_file'

/** The ThreatQ connection: first-run prompt, `threatq.<field>` in the yaml, environment variable. */
const THREATQ_SETTINGS: Readonly<Record<ThreatqField, { label: string; env: string }>> = {
  host: { label: 'ThreatQ Host', env: 'THREATQ_HOST' },
  client_id: { label: 'ThreatQ Client ID', env: 'THREATQ_CLIENT_ID' },
  username: { label: 'ThreatQ Username', env: 'THREATQ_USERNAME' },
  password: { label: 'ThreatQ Password', env: 'THREATQ_PASSWORD' },
  ca_file: { label: 'ThreatQ CA file', env: 'THREATQ_CA_FILE' },
}

const optionLabel = (key: OptionKey): string => OPTION_LABELS[key] ?? key

export class Sources {
  constructor(
    /** `<name>.yaml`'s path; undefined at a first run, before it exists: the variables alone. */
    private readonly configFile: string | undefined,
    /** The yaml's `options:`: a key set there wins over the UI. */
    private readonly local: Readonly<Record<string, unknown>>,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  /** A ThreatQ connection setting: its environment variable when set (it wins), else the yaml. */
  threatq(field: ThreatqField): string {
    return this.threatqs(field)
  }

  /** An option: `options.<key>` in the yaml when set there (it wins), else the UI field. */
  option(key: OptionKey): string {
    return this.options(key)
  }

  /** Several options, those from one source named together: `"A" and "B" in the ThreatQ UI …`. */
  options(...keys: OptionKey[]): string {
    const local = keys.filter((k) => k in this.local)
    const ui = keys.filter((k) => !(k in this.local))
    const parts: string[] = []
    if (ui.length > 0)
      parts.push(
        `${and(ui.map((k) => (k in OPTION_LABELS ? `"${optionLabel(k)}" (${k})` : k)))} in the ThreatQ UI connector options${ui.every((k) => k in OPTION_LABELS) ? '' : ` (or under options: in ${this.configFile ?? 'the config file'})`}`,
      )
    if (local.length > 0)
      parts.push(
        `${and(local.map((k) => `options.${k}`))} in ${this.configFile ?? 'the config file'}`,
      )
    return parts.join(', and ')
  }

  /** Several ThreatQ connection settings, those from one source named together. */
  threatqs(...fields: ThreatqField[]): string {
    const fromEnv = fields.filter((f) => (this.env[THREATQ_SETTINGS[f].env] ?? '').trim() !== '')
    const fromFile = fields.filter((f) => !fromEnv.includes(f))
    const parts: string[] = []
    if (fromEnv.length > 0)
      parts.push(
        `environment variable${fromEnv.length > 1 ? 's' : ''} ${and(fromEnv.map((f) => THREATQ_SETTINGS[f].env))}`,
      )
    const variables = and(fromFile.map((f) => THREATQ_SETTINGS[f].env))
    if (fromFile.length > 0)
      parts.push(
        this.configFile === undefined
          ? `environment variable${fromFile.length > 1 ? 's' : ''} ${variables}`
          : `${and(fromFile.map((f) => `threatq.${f}`))} in ${this.configFile} (or environment variable${fromFile.length > 1 ? 's' : ''} ${variables})`,
      )
    return parts.join(', and ')
  }
}

const and = (items: readonly string[]): string =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`
