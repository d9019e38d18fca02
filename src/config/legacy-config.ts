/**
 * The Python connector 1.0.2's configuration, found in the config directory it shared with us
 * (`/etc/tq_labs/` in its guide) under whatever name it had, so a site moves to this connector
 * without editing a crontab or answering the first-run questions again. Which file it is, is
 * judged by name and content [I: docs/assumptions.md A-CFG-2]; the old file is never changed.
 */
import { lstat, readdir, unlink } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Document, isMap, parseDocument } from 'yaml'
import { ConfigError } from '../errors.js'
import { readConfig, type LoadedConfig } from './config-file.js'
import { readPrivateText, writePrivateFile } from '../fs/secure-file.js'

/** What a config directory without `<name>.yaml` holds that may be an older configuration. */
export interface LegacySearch {
  /** The one file to migrate, when there is exactly one. */
  found: string | undefined
  /** ThreatQ connector configurations not named for this connector (other tools'): left alone. */
  others: string[]
  /** Files named for this connector that are no configuration it can read. */
  unreadable: string[]
}

/** The keys of a version-0 file (config-file.ts MIGRATIONS[0]), kept when migrating. */
const FLAT_KEYS = [
  'host',
  'threatq_host',
  'client_id',
  'clientid',
  'email',
  'username',
  'password',
  'status',
  'default_status',
]
/** This connector's own files of any instance: never taken for an older configuration. */
const OWN =
  /\.(state\.json|ledger|ledger\.journal|lists\.json|lock|log|prom|tmp|audit\.jsonl(\.\d+)?)$/
const NAMED = /netscout|aed/i
const MAX_BYTES = 1 << 20

/** The file as a flat mapping with ThreatQ login keys, or undefined. */
function flatLogin(text: string): Map<string, unknown> | undefined {
  const doc = parseDocument(text)
  if (doc.errors.length > 0 || !isMap(doc.contents) || doc.has('format_version')) return undefined
  let plain: Record<string, unknown>
  try {
    plain = doc.toJS() as Record<string, unknown>
  } catch {
    // An alias that cannot be resolved, or too many of them: no login either.
    return undefined
  }
  const map = new Map(Object.entries(plain))
  const has = (...keys: string[]) => keys.some((k) => map.has(k))
  return has('password') && has('email', 'username') && has('client_id', 'clientid')
    ? map
    : undefined
}

async function readQuietly(path: string): Promise<string | undefined> {
  try {
    // A big file is no login; do not read a directory's large files to find that out.
    if ((await lstat(path)).size > MAX_BYTES) return undefined
    return await readPrivateText(path)
  } catch {
    // A link, another user's file, an unreadable one: not ours to migrate.
    return undefined
  }
}

/** Looks through `dir` (no `<name>.yaml` there) for the 1.0.2 connector's configuration. */
export async function findLegacyConfig(dir: string): Promise<LegacySearch> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const named: string[] = []
  const others: string[] = []
  const unreadable: string[] = []
  for (const entry of entries.filter((e) => e.isFile() && !OWN.test(e.name)).sort()) {
    const path = join(dir, entry.name)
    const text = await readQuietly(path)
    const login = text === undefined ? undefined : flatLogin(text)
    if (NAMED.test(entry.name)) {
      // Another instance's current file (format_version) is neither.
      if (login !== undefined) named.push(path)
      else if (text === undefined || !parseDocument(text).has('format_version'))
        unreadable.push(path)
    } else if (login !== undefined) others.push(path)
  }
  if (named.length > 1)
    throw new ConfigError(
      `${dir} holds several files that look like the Netscout AED connector's configuration (${named.map((p) => basename(p)).join(', ')}): copy the one to use to the instance's <name>.yaml in that directory (it is migrated on the next run), or move the others away`,
      { option: '--config', file: dir },
    )
  return { found: named[0], others, unreadable }
}

/**
 * Writes `to` (`<name>.yaml`) from the older file `from` and loads it, which migrates it to the
 * current format and says what changed. Keys this connector does not use (tokens, run times) are
 * left behind, by name only. `from` is left as it was, for a way back.
 */
export async function adoptLegacyConfig(from: string, to: string): Promise<LoadedConfig> {
  const text = await readPrivateText(from)
  const login = text === undefined ? undefined : flatLogin(text)
  if (login === undefined)
    throw new ConfigError(`${from} changed while it was being migrated: run again`, { file: from })
  const kept = [...login].filter(([k]) => FLAT_KEYS.includes(k))
  const dropped = [...login.keys()].filter((k) => !FLAT_KEYS.includes(k))
  const flat = new Document(Object.fromEntries(kept))
  const changes = [`read ${from} (the Python connector's configuration; left as it was)`]
  if (!login.has('status') && !login.has('default_status')) {
    // The first-run prompt's default.
    flat.set('status', 'Review')
    changes.push('status Review (the file had none)')
  }
  if (dropped.length > 0) changes.push(`left behind ${dropped.join(', ')} (not used)`)
  flat.commentBefore = ` Migrated from ${from} by tq-conn-netscout-aed.`
  await writePrivateFile(to, flat.toString())
  try {
    const loaded = await readConfig(to)
    if (loaded === undefined) throw new Error(`${to} vanished`)
    return { config: loaded.config, migrated: [...changes, ...loaded.migrated] }
  } catch (error) {
    await unlink(to).catch(() => undefined)
    throw new ConfigError(
      `${from} looks like the Python connector's configuration but cannot be migrated: ${(error as Error).message.replace(to, from)}`,
      { cause: error, file: from },
    )
  }
}
