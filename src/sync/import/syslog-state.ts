/**
 * `<name>.syslog.json` (mode 0600, written atomically): the syslog file and EDM checkpoints and the running
 * aggregates, saved together after each write to ThreatQ (src/sync/import/syslog-run.ts). Apart
 * from the state file because it holds one entry per event key (hundreds of thousands on a busy
 * edge): compact rows, read by hand rather than through a schema that copies each one.
 */
import { readPrivateText, writePrivateFile } from '../../config/secure-file.js'
import { ConfigError } from '../../errors.js'
import type { Aggregate } from './blocked-events.js'
import type { SavedSyslog } from './syslog-run.js'

const FORMAT = 'tq-conn-netscout-aed syslog import'

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** `[key, count, first, last]` rows back into aggregates; undefined when a row is malformed. */
function readRows(rows: unknown): Record<string, Aggregate> | undefined {
  if (!Array.isArray(rows)) return undefined
  const out: Record<string, Aggregate> = {}
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 4) return undefined
    const [key, count, first, last] = row as unknown[]
    if (typeof key !== 'string' || !isNum(count) || count < 0 || !isNum(first) || !isNum(last))
      return undefined
    out[key] = { count, first, last }
  }
  return out
}

const rows = (aggregates: Record<string, Aggregate>): [string, number, number, number][] =>
  Object.entries(aggregates).map(([key, a]) => [key, a.count, a.first, a.last])

/** The saved state, or undefined before the first syslog import. A damaged file is exit 2. */
export async function readSyslogState(path: string): Promise<SavedSyslog | undefined> {
  const text = await readPrivateText(path)
  if (text === undefined) return undefined
  let data: Record<string, unknown> | undefined
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>
  } catch {
    data = undefined
  }
  const events = readRows(data?.events)
  const indicators = readRows(data?.indicators)
  if (
    data?.format !== FORMAT ||
    data.version !== 1 ||
    events === undefined ||
    indicators === undefined
  )
    throw new ConfigError(
      `${path} is not a syslog import state this connector understands; delete it to read syslog_file from its start again (events already in ThreatQ are updated, their counts start again)`,
      { file: path },
    )
  return {
    checkpoint: data.checkpoint,
    ...(data.edm_checkpoint === undefined ? {} : { edmCheckpoint: data.edm_checkpoint }),
    events,
    indicators,
  }
}

export async function writeSyslogState(path: string, saved: SavedSyslog): Promise<void> {
  await writePrivateFile(
    path,
    `${JSON.stringify({
      format: FORMAT,
      version: 1,
      checkpoint: saved.checkpoint,
      // alert_source edm (src/edm/checkpoint.ts); absent in files written before it.
      edm_checkpoint: saved.edmCheckpoint,
      events: rows(saved.events),
      indicators: rows(saved.indicators),
    })}\n`,
  )
}
