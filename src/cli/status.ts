/**
 * `--status`: every instance in the config directory, from its local files only (no network):
 * the last run and how it ended, the last success and its age, what AED holds from it (export
 * ledger per STIX type, lists ledger per list), journal entries not yet folded into the ledger,
 * and who holds the lock. A table in a terminal; JSON on a pipe or with --output FILE.
 */
import { readdir } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { instancePaths, validateInstanceName, type InstancePaths } from '../config/instance.js'
import { lockHolder } from '../config/lock.js'
import { checkPrivateDir, readPrivate, writePrivateFile } from '../fs/secure-file.js'
import { ConfigError, EXIT, type ExitCode } from '../errors.js'
import { STIX_TYPE } from '../sync/export/convert.js'
import { LIVE } from '../sync/export/key-table.js'
import { Ledger, refOfKey } from '../sync/export/ledger.js'
import { listLedgerCounts } from '../sync/lists/ledger.js'
import type { CliArgs } from './args.js'
import type { CommandIo } from './io.js'
import { readRuns, type RunEntry } from './run-record.js'
import { formatTable } from './table.js'

export interface InstanceStatus {
  instance: string
  /** `<name>.yaml` exists: the first run was done. */
  configured: boolean
  last_run: RunEntry | null
  last_success: (RunEntry & { age_seconds: number }) | null
  aed: {
    /** The export ledger: live objects per STIX type and live relationships. */
    taxii: {
      objects: Record<string, number>
      relationships: number
      collection: string
      saved_at: string | null
    } | null
    /** The lists ledger: entries this instance made, and values it found held by others. */
    lists: Record<string, { own: number; foreign: number }> | null
  }
  /** Journal records not yet folded into the saved ledger: a run is going on or was cut short. */
  pending_journal_entries: number
  lock: { pid: number | null; alive: boolean } | null
  /** Files that could not be read, and why. */
  problems: string[]
}

export interface StatusReport {
  config_dir: string
  at: string
  instances: InstanceStatus[]
}

const SUFFIXES = ['.yaml', '.state.json', '.runs.json', '.ledger', '.lists.json', '.lock']

/** Instance names found among the files of a config directory, sorted. */
export function instanceNames(files: readonly string[]): string[] {
  const names = new Set<string>()
  for (const file of files) {
    const suffix = SUFFIXES.find((s) => file.endsWith(s))
    if (suffix === undefined) continue
    const name = file.slice(0, -suffix.length)
    try {
      names.add(validateInstanceName(name))
    } catch {
      // Not one of ours (an editor backup, a file set aside).
    }
  }
  return [...names].sort()
}

const oneLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n').join(' ')

/** What `<dir>/<name>.*` say of one instance; unreadable files are named in `problems`. */
export async function instanceStatus(paths: InstancePaths, now: Date): Promise<InstanceStatus> {
  const problems: string[] = []
  const attempt = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work()
    } catch (error) {
      problems.push(oneLine(error))
      return undefined
    }
  }
  const configured = (await attempt(() => readPrivate(paths.config))) !== undefined
  const runs = await attempt(() => readRuns(paths.runs))
  const ledger = await attempt(() => Ledger.inspect({ file: paths.ledger, journal: paths.journal }))
  if (typeof ledger === 'string') problems.push(ledger)
  const lists = await attempt(() => listLedgerCounts(paths.listsLedger))
  if (typeof lists === 'string') problems.push(lists)
  const lock = await attempt(() => lockHolder(paths.lock))
  const success = runs?.last_success
  return {
    instance: paths.name,
    configured,
    last_run: runs?.last ?? null,
    last_success:
      success === undefined
        ? null
        : {
            ...success,
            age_seconds: Math.max(
              0,
              Math.floor((now.getTime() - Date.parse(success.ended_at)) / 1000),
            ),
          },
    aed: {
      taxii:
        ledger === undefined || typeof ledger === 'string'
          ? null
          : {
              objects: liveByType(ledger.ledger),
              relationships: ledger.ledger.relationships.count(LIVE),
              collection: ledger.ledger.target.collection,
              saved_at: ledger.savedAt ?? null,
            },
      lists: lists === undefined || typeof lists === 'string' ? null : lists.lists,
    },
    pending_journal_entries:
      ledger === undefined || typeof ledger === 'string' ? 0 : ledger.journalRecords,
    lock: lock === undefined ? null : { pid: lock.pid ?? null, alive: lock.alive },
    problems,
  }
}

function liveByType(ledger: Ledger): Record<string, number> {
  const counts: Record<string, number> = {}
  ledger.objects.forEach((slot) => {
    if (ledger.objects.state(slot) !== LIVE) return
    const type = STIX_TYPE[refOfKey(ledger.objects.keyA(slot)).collection]
    counts[type] = (counts[type] ?? 0) + 1
  })
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))
}

/** "3 h 5 min": an age for people; the JSON has the seconds. */
export function ageText(seconds: number): string {
  const d = Math.floor(seconds / 86_400)
  const h = Math.floor((seconds % 86_400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  if (d > 0) return `${String(d)} d ${String(h)} h`
  if (h > 0) return `${String(h)} h ${String(m)} min`
  if (m > 0) return `${String(m)} min`
  return `${String(seconds)} s`
}

const runText = (run: RunEntry): string =>
  `${run.started_at} → ${run.ended_at}, exit ${String(run.exit_code)}: ${run.outcome}${run.dry_run ? ' (dry run)' : ''}`

const countsText = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${String(n)}`)
    .join(', ')

function holdsText(aed: InstanceStatus['aed']): string[] {
  const lines: string[] = []
  if (aed.taxii !== null) {
    const total = Object.values(aed.taxii.objects).reduce((a, b) => a + b, 0)
    lines.push(
      `TAXII: ${String(total)} objects${total > 0 ? ` (${countsText(aed.taxii.objects)})` : ''}, ${String(aed.taxii.relationships)} relationships`,
    )
  }
  if (aed.lists !== null) {
    const own = Object.fromEntries(Object.entries(aed.lists).map(([l, c]) => [l, c.own]))
    const total = Object.values(own).reduce((a, b) => a + b, 0)
    lines.push(`lists: ${String(total)} entries${total > 0 ? ` (${countsText(own)})` : ''}`)
  }
  return lines.length > 0 ? lines : ['nothing (no ledger)']
}

function lockText(lock: InstanceStatus['lock']): string {
  if (lock === null) return 'free'
  const pid = lock.pid === null ? 'no pid' : `pid ${String(lock.pid)}`
  return lock.alive
    ? `held by ${pid} (running)`
    : `stale (${pid} is gone; the next run takes it over)`
}

/** The human table: one block per instance. */
export function formatStatus(report: StatusReport): string {
  const blocks = report.instances.map((s) => {
    const [holds, ...more] = holdsText(s.aed)
    const rows = [
      { cells: ['configured', s.configured ? 'yes' : 'no (no config file)'] },
      { cells: ['last run', s.last_run === null ? 'none recorded' : runText(s.last_run)] },
      {
        cells: [
          'last success',
          s.last_success === null
            ? 'none recorded'
            : `${s.last_success.ended_at} (${ageText(s.last_success.age_seconds)} ago)`,
        ],
      },
      { cells: ['AED holds', holds ?? ''], notes: more },
      { cells: ['journal', `${String(s.pending_journal_entries)} pending entries`] },
      { cells: ['lock', lockText(s.lock)] },
      ...s.problems.map((p) => ({ cells: ['problem', p] })),
    ]
    return formatTable([s.instance, ''], rows)
  })
  return blocks.join('\n')
}

export async function showStatus(args: CliArgs, io: CommandIo): Promise<ExitCode> {
  const dir = resolve(args.config)
  await checkPrivateDir(dir, '--config')
  const names = instanceNames(await readdir(dir))
  if (names.length === 0)
    throw new ConfigError(
      `--config ${dir}: no connector instance here (no <name>.yaml): give the directory the connector runs with`,
      { option: '--config', file: dir },
    )
  const now = io.now()
  const report: StatusReport = {
    config_dir: dir,
    at: now.toISOString(),
    instances: await Promise.all(
      names.map((name) => instanceStatus(instancePaths(dir, name), now)),
    ),
  }
  const json = `${JSON.stringify(report, null, 2)}\n`
  if (args.output !== undefined) {
    const out = resolve(args.output)
    if (dirname(out) === dir && instanceNames([basename(out)]).length > 0)
      throw new ConfigError(
        `--output ${args.output} is named like a file of an instance: write the status elsewhere`,
        { option: '--output' },
      )
    await writePrivateFile(args.output, json)
    if (io.stdoutIsTTY) io.stdout(formatStatus(report))
  } else io.stdout(io.stdoutIsTTY ? formatStatus(report) : json)
  return EXIT.ok
}
