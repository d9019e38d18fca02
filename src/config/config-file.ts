/**
 * <name>.yaml: the human-editable configuration (ThreatQ connection, default status, local option
 * overrides). Comments survive every rewrite. A format version lets upgrades migrate the file in
 * place and say what changed, instead of asking users to start over.
 */
import { Document, isMap, isScalar, parseDocument } from 'yaml'
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { readPrivateText, writePrivateFile } from '../fs/secure-file.js'

const CONFIG_FORMAT_VERSION = 1

export const configSchema = z
  .object({
    format_version: z.literal(CONFIG_FORMAT_VERSION),
    threatq: z
      .object({
        host: z.string().trim().optional(),
        client_id: z.string().trim().min(1),
        username: z.string().trim().min(1),
        password: z.string().min(1),
        ca_file: z.string().trim().min(1).optional(),
      })
      .strict(),
    status: z.string().trim().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    timeouts: z.preprocess(
      // A bare `timeouts:` (every key commented out) is YAML null: the defaults.
      (v) => v ?? undefined,
      z
        .object({
          /** Per HTTP attempt, from sending the request to the end of the answer. */
          http_request_seconds: z.number().positive().max(3600).optional(),
          /** How long a pending TAXII status is polled before the run gives up. */
          taxii_status_seconds: z.number().positive().max(86_400).optional(),
          /** The whole run; past it the run ends cleanly (src/cli/run-signal.ts). Up to a week. */
          run_minutes: z.number().positive().max(10_080).optional(),
        })
        .strict()
        .optional(),
    ),
    limits: z.preprocess(
      (v) => v ?? undefined,
      z
        .object({
          /** Most MiB of one HTTP answer, on the wire and decoded (default 64). */
          response_mib: z.number().positive().max(4096).optional(),
          /** The audit trail is rotated when it would grow past this many MiB (default 10). */
          audit_file_mib: z.number().positive().max(4096).optional(),
          /** Rotated audit files kept (default 5). */
          audit_files: z.number().int().min(0).max(1000).optional(),
        })
        .strict()
        .optional(),
    ),
  })
  .strict()

export type ConnectorConfig = z.infer<typeof configSchema>

export interface LoadedConfig {
  config: ConnectorConfig
  /** What a migration changed, to be logged; empty when the file was current. */
  migrated: string[]
}

type Migration = (doc: Document) => string[]

/**
 * Version 0 is a flat file as the Python tool's first-run wrote it [I: docs/assumptions.md A-CFG-1]:
 * host / client_id / email / password / status at the top level.
 */
const MIGRATIONS: Record<number, Migration> = {
  0: (doc) => {
    const changes: string[] = []
    // A comment above the first key belongs to the file; keep it when that key moves.
    const first = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined
    if (isScalar(first) && first.commentBefore) {
      doc.commentBefore = [doc.commentBefore, first.commentBefore].filter(Boolean).join('\n')
      first.commentBefore = undefined
    }
    const moves: [string, string][] = [
      ['host', 'host'],
      ['threatq_host', 'host'],
      ['client_id', 'client_id'],
      ['clientid', 'client_id'],
      ['email', 'username'],
      ['username', 'username'],
      ['password', 'password'],
    ]
    for (const [from, to] of moves) {
      if (!doc.has(from)) continue
      doc.setIn(['threatq', to], doc.get(from))
      doc.delete(from)
      changes.push(`moved ${from} to threatq.${to}`)
    }
    if (doc.has('default_status') && !doc.has('status')) {
      doc.set('status', doc.get('default_status'))
      doc.delete('default_status')
      changes.push('renamed default_status to status')
    }
    return changes
  },
}

function versionOf(doc: Document): number {
  const v: unknown = doc.get('format_version')
  return typeof v === 'number' ? v : 0
}

function describeIssues(error: z.ZodError, path: string): string {
  return error.issues
    .map((i) =>
      i.code === 'unrecognized_keys'
        ? `${path}: ${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}unknown key(s) ${i.keys.map((k) => (/^[\w.-]+$/.test(k) ? k : JSON.stringify(k))).join(', ')}`
        : `${path}: ${i.path.join('.') || '(top level)'}: ${i.message}`,
    )
    .join('\n  ')
}

/** The file's text, undefined if there is none; a link or another user's file is refused. */
async function readConfigText(path: string): Promise<string | undefined> {
  try {
    return await readPrivateText(path)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      file: path,
    })
  }
}

export async function readConfig(path: string): Promise<LoadedConfig | undefined> {
  const text = await readConfigText(path)
  if (text === undefined) return undefined
  const doc = parseDocument(text)
  if (doc.errors.length > 0) {
    // The parser's message ends with an excerpt and a caret on lines of their own: keep one line.
    const first = doc.errors[0]?.message.split('\n')[0]?.replace(/:$/, '')
    throw new ConfigError(
      `${path} is not valid YAML: ${first ?? 'parse error'} — fix the file or restore it from a backup`,
      { file: path },
    )
  }
  if (!isMap(doc.contents))
    throw new ConfigError(`${path}: expected a mapping of keys (format_version, threatq, …)`, {
      file: path,
    })

  const migrated: string[] = []
  let version = versionOf(doc)
  if (version > CONFIG_FORMAT_VERSION)
    throw new ConfigError(
      `${path} has format_version ${String(version)}, newer than this connector understands (${String(CONFIG_FORMAT_VERSION)}): upgrade the connector`,
      { file: path },
    )
  while (version < CONFIG_FORMAT_VERSION) {
    const migrate = MIGRATIONS[version]
    if (migrate === undefined)
      throw new ConfigError(`${path}: unknown format_version ${String(version)}`, { file: path })
    migrated.push(...migrate(doc))
    version += 1
    doc.set('format_version', version)
    migrated.push(`format_version is now ${String(version)}`)
  }

  let plain: unknown
  try {
    plain = doc.toJS()
  } catch (error) {
    // An alias to an anchor that does not exist parses, but cannot be resolved.
    throw new ConfigError(
      `${path} is not valid YAML: ${(error as Error).message} — fix the file or restore it from a backup`,
      { cause: error, file: path },
    )
  }
  const parsed = configSchema.safeParse(plain)
  if (!parsed.success)
    throw new ConfigError(`invalid configuration:\n  ${describeIssues(parsed.error, path)}`, {
      file: path,
    })
  if (migrated.length > 0) await writePrivateFile(path, doc.toString())
  return { config: parsed.data, migrated }
}

const HEADER = ` tq-conn-netscout-aed configuration (format_version ${String(CONFIG_FORMAT_VERSION)}).
 Edit freely: comments are kept. Environment variables THREATQ_HOST, THREATQ_CLIENT_ID,
 THREATQ_USERNAME, THREATQ_PASSWORD and THREATQ_STATUS override these values.
 Options set in the ThreatQ UI can be overridden under "options:" with the same keys.

 Timeouts (optional; uncomment to change the defaults shown):
 timeouts:
   http_request_seconds: 30    # one HTTP attempt, to ThreatQ or AED (retried on timeout)
   taxii_status_seconds: 300   # polling a pending AED TAXII status before the run fails
   run_minutes: 55             # the whole run; below the cron interval, so runs never pile up

 Limits (optional; uncomment to change the defaults shown):
 limits:
   response_mib: 64            # one HTTP answer, compressed and decoded; past it the run fails
   audit_file_mib: 10          # <name>.audit.jsonl is rotated (to .1, .2 …) past this size
   audit_files: 5              # rotated audit files kept`

/** Writes a new config file (first run). */
export async function writeNewConfig(path: string, config: ConnectorConfig): Promise<void> {
  const doc = new Document(config)
  doc.commentBefore = HEADER
  await writePrivateFile(path, doc.toString())
}

/** Updates some keys of an existing file, keeping its comments and layout. */
export async function updateConfig(
  path: string,
  changes: { path: string[]; value: unknown }[],
): Promise<void> {
  const text = await readConfigText(path)
  if (text === undefined)
    throw new ConfigError(`${path} is missing: run the connector once to create it`, { file: path })
  const doc = parseDocument(text)
  for (const change of changes) doc.setIn(change.path, change.value)
  await writePrivateFile(path, doc.toString())
}
