/**
 * The connector's options (README.md, "Options"): the keys set in the ThreatQ UI (the connector
 * record's custom fields, which arrive as strings), overridable under `options:` in <name>.yaml.
 * Parsed once; every problem is reported with its key and how to fix it.
 */
import { isAbsolute } from 'node:path'
import { z } from 'zod'
import { ConfigError } from '../errors.js'

/** A comma list given as "a, b" or as a YAML list; empty entries dropped. */
const commaList = z.preprocess(
  (v) =>
    v === null || v === undefined
      ? []
      : typeof v === 'string'
        ? v.split(',')
        : Array.isArray(v)
          ? v.map(String)
          : v,
  z.array(z.string()).transform((items) => items.map((s) => s.trim()).filter((s) => s !== '')),
)

/**
 * `never_block` may come from the ThreatQ connector record, which nothing bounds: a longer list
 * is refused before it is split (docs/mapping.md), so memory stays bounded whatever it holds.
 */
export const NEVER_BLOCK_MAX_ENTRIES = 10_000
const NEVER_BLOCK_MAX_CHARS = 1_048_576

const boundedCommaList = (maxEntries: number, maxChars: number) =>
  z.preprocess((v, ctx) => {
    const chars =
      typeof v === 'string'
        ? v.length
        : Array.isArray(v)
          ? v.reduce((n: number, e: unknown) => n + String(e).length + 1, 0)
          : 0
    const entries =
      typeof v === 'string' && chars <= maxChars
        ? v.split(',', maxEntries + 1).length
        : Array.isArray(v)
          ? v.length
          : 0
    if (chars <= maxChars && entries <= maxEntries) return v
    ctx.addIssue({
      code: 'custom',
      message: `too long (${chars > maxChars ? `${String(chars)} characters` : `over ${String(maxEntries)} entries`}): at most ${String(maxEntries)} entries and ${String(maxChars)} characters are read`,
    })
    return []
  }, commaList)

const blankToUndefined = (v: unknown): unknown =>
  typeof v === 'string' && v.trim() === '' ? undefined : v

const text = z.preprocess(blankToUndefined, z.string().trim().min(1).optional())

const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : blankToUndefined(v)),
    z.number().int().min(min).max(max).default(fallback),
  )

const bool = (fallback: boolean) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return blankToUndefined(v)
    const s = v.trim().toLowerCase()
    if (['true', 'yes', 'on', '1', 'y'].includes(s)) return true
    if (['false', 'no', 'off', '0', 'n'].includes(s)) return false
    return blankToUndefined(v)
  }, z.boolean().default(fallback))

const oneOf = <T extends string>(values: readonly [T, ...T[]], fallback: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return blankToUndefined(v)
    const match = values.find((x) => x.toLowerCase() === v.trim().toLowerCase())
    return match ?? blankToUndefined(v)
  }, z.enum(values).default(fallback))

const SEVERITIES = ['Low', 'Medium', 'High'] as const

export const optionsSchema = z
  .object({
    hostname: text.describe('AED host or IP (https)'),
    api_token: text.describe('AED REST token (X-Arbux-APIToken)'),
    stix_client_username: text.describe('AED TAXII client user'),
    stix_client_password: text.describe('AED TAXII client password'),
    data_collection: text.describe('ThreatQ data collection (saved search) to export'),
    aed_collection: text.describe('title of the AED TAXII collection to push into'),
    relationship_depth: intIn(0, 3, 1).describe('related objects to follow, 0-3'),
    default_indicator_labels: commaList,
    default_threat_actor_labels: commaList,
    default_malware_labels: commaList,
    default_tool_labels: commaList,
    default_report_labels: commaList,
    alert_severity: oneOf(SEVERITIES, 'Low').describe('minimum severity to import'),
    query_keywords: commaList.describe('AED alert keywords, sent as q joined with +'),
    // Further options, each with a safe default.
    aed_api_version: oneOf(['auto', 'v2', 'v3'], 'auto'),
    stix_version: oneOf(['2.0', '2.1'], '2.0'),
    export_all_types: bool(false).describe('also export types AED does not enforce'),
    first_run_lookback_hours: intIn(1, 24 * 365, 24),
    event_type: z.preprocess(blankToUndefined, z.string().trim().min(1).default('Alert')),
    consume_batch_size: intIn(1, 5000, 500),
    taxii_max_objects: intIn(1, 100_000, 5000),
    aed_ca_file: text,
    // The export sync's guards (README.md, "The export is a sync").
    revoke_statuses: z
      .preprocess(
        (v) => (v === undefined || v === null || v === '' ? undefined : v),
        commaList.optional(),
      )
      .transform((v) => v ?? ['Whitelisted', 'Expired'])
      .describe('ThreatQ statuses never exported, and revoked if exported before'),
    never_block: boundedCommaList(NEVER_BLOCK_MAX_ENTRIES, NEVER_BLOCK_MAX_CHARS).describe(
      `CIDRs, domains (with subdomains), URL prefixes never exported (at most ${String(NEVER_BLOCK_MAX_ENTRIES)} entries, ${String(NEVER_BLOCK_MAX_CHARS)} characters)`,
    ),
    block_private_ranges: bool(false).describe('export RFC 1918 / ULA addresses too'),
    min_cidr_prefix: intIn(0, 32, 16).describe('IPv4 CIDRs broader than this are refused'),
    min_cidr_prefix_ipv6: intIn(0, 128, 48).describe('IPv6 CIDRs broader than this are refused'),
    max_revoke_percent: intIn(0, 100, 20).describe(
      'a run that would revoke more of what AED holds stops (exit 3)',
    ),
    max_revoke_window_hours: intIn(0, 24 * 30, 24).describe(
      'max_revoke_percent also holds over this many hours of runs (0: each run alone)',
    ),
    // REST delivery to AED's deny and allow lists (README.md, "Delivery to AED's deny and allow
    // lists").
    delivery: oneOf(['taxii', 'rest', 'both'], 'taxii').describe(
      'taxii (STIX collection), rest (AED deny/allow lists) or both',
    ),
    rest_inbound: bool(false).describe(
      'REST: hosts also go to the inbound (protection-group) lists',
    ),
    rest_protection_groups: commaList.describe(
      'REST: protection groups of the inbound entries (empty: all)',
    ),
    allow_list_statuses: commaList.describe(
      "REST: statuses delivered to AED's allow lists instead (they override AED's own feeds)",
    ),
    // Where the import reads AED's alerts (README.md, "Alert sources").
    alert_source: oneOf(['aed', 'syslog', 'edm'], 'aed').describe(
      "aed (AED's REST alerts), syslog (AED's notifications in syslog_file) or edm",
    ),
    syslog_file: z
      .preprocess(
        blankToUndefined,
        z
          .string()
          .trim()
          .refine(isAbsolute, 'must be an absolute path (the file your syslog daemon writes)')
          .optional(),
      )
      .describe('alert_source syslog: the file your syslog daemon writes AED notifications to'),
    block_count_attribute: z
      .preprocess(blankToUndefined, z.string().trim().min(1).default('AED Block Count'))
      .describe('attribute kept on an exported indicator: blocks AED reported for it'),
    last_blocked_attribute: z
      .preprocess(blankToUndefined, z.string().trim().min(1).default('AED Last Blocked'))
      .describe('attribute kept on an exported indicator: when AED last blocked it'),
    // Monitoring (README.md, "Metrics").
    metrics_dir: z
      .preprocess(
        blankToUndefined,
        z
          .string()
          .trim()
          .refine(
            isAbsolute,
            'must be an absolute directory path (node_exporter --collector.textfile.directory)',
          )
          .optional(),
      )
      .describe("directory of node_exporter's textfile collector: <name>.prom is written there"),
    // The EDM alert source (docs/mapping.md, "Import: EDM threat records").
    edm_host: text.describe('EDM host or IP (https), as hostname'),
    edm_api_token: text.describe('EDM API token (X-Arbux-APIToken or NSAPITOKENID)'),
    edm_aed_name: text.describe('the AED as EDM names it (its hostname); empty: every AED'),
    edm_ca_file: text.describe('CA certificate (PEM) for EDM, as aed_ca_file'),
  })
  .strict()

export type Options = z.infer<typeof optionsSchema>
export type OptionKey = keyof Options

/** The options' labels in the ThreatQ UI, also used for the connector record's form. */
export const OPTION_LABELS: Partial<Record<OptionKey, string>> = {
  hostname: 'Hostname',
  api_token: 'API Token',
  stix_client_username: 'STIX Client Username',
  stix_client_password: 'STIX Client Password',
  data_collection: 'ThreatQ Data Collection',
  aed_collection: 'AED STIX Collection Name',
  relationship_depth: 'Relationship Depth',
  default_indicator_labels: 'Default Indicator Labels',
  default_threat_actor_labels: 'Default Threat Actor Labels',
  default_malware_labels: 'Default Malware Labels',
  default_tool_labels: 'Default Tool Labels',
  default_report_labels: 'Default Report Labels',
  alert_severity: 'Alert Severity',
  query_keywords: 'Query Keywords',
}

/**
 * Merges the UI options with local overrides (local wins; the caller logs which) and validates.
 * Unknown keys from the UI are ignored (ThreatQ may add its own); unknown local keys are errors.
 */
export function parseOptions(
  ui: Record<string, unknown>,
  local: Record<string, unknown>,
  configFile = 'the config file',
): { options: Options; overridden: string[] } {
  const known = new Set(Object.keys(optionsSchema.shape))
  const fromUi = Object.fromEntries(Object.entries(ui).filter(([k]) => known.has(k)))
  const merged: Record<string, unknown> = { ...fromUi, ...local }
  const result = optionsSchema.safeParse(merged)
  if (!result.success) {
    const keys = new Set<string>()
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.')
      for (const k of issue.code === 'unrecognized_keys' ? issue.keys : [key]) keys.add(k)
      if (issue.code === 'unrecognized_keys')
        return issue.keys
          .map((k) => {
            const near = nearest(k, [...known])
            return `options.${k} in ${configFile}: unknown option${near === undefined ? '' : `; did you mean ${near}?`}`
          })
          .join('\n  ')
      const where =
        key in local
          ? `options.${key} in ${configFile}`
          : `UI option "${OPTION_LABELS[key as OptionKey] ?? key}" (${key})`
      return `${where}: ${issue.message} (got ${valueText(merged[key])})`
    })
    // The log line names the key(s) as a machine reads them; the message says where each is set.
    // One mistake, one line; several are listed one a line.
    const list = lines.join('\n  ')
    throw new ConfigError(
      `invalid connector options:${list.includes('\n') ? '\n  ' : ' '}${list}`,
      {
        option: [...keys].join(', '),
      },
    )
  }
  return { options: result.data, overridden: Object.keys(local).filter((k) => k in ui) }
}

/** A value as the message shows it, clipped (a never_block list can be long). */
function valueText(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 80)}…` : text
}

/** The known key a typo most likely meant: at most a third of its letters off. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate)
    if (best === undefined || distance < best.distance) best = { key: candidate, distance }
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3))
    ? best.key
    : undefined
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    row = next
  }
  return row[b.length] ?? 0
}
