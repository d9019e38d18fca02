/**
 * `<name>.syslog.json` (mode 0600, written atomically): the syslog file and EDM checkpoints and the
 * running aggregates, saved together after each write to ThreatQ (src/sync/import/syslog-run.ts).
 * Apart from the state file because it holds one row per event key (hundreds of thousands in an
 * hour of a busy edge). Version 2 is still one JSON document, laid out so that it is read and
 * written in parts, never held whole:
 *
 *     {"format":"…","version":2,"checkpoint":{…},"edm_checkpoint":{…},"newest":…,"rows":[
 *     ["i","<indicator id>",count,first,last],
 *     ["e","<event key>",count,first,last]
 *     ]}
 *
 * The first line alone gives the checkpoints: a run with nothing new reads nothing else
 * (docs/performance.md, "Issue 22: the syslog import's memory and its rerun"). The event rows are sorted by key, so that a write reads the saved totals of
 * its keys in one pass and a save merges its new totals into the rows in another, holding only
 * that write's keys: memory does not grow with the keys of the hours kept. Version 1 (the whole
 * document on one line) is still read, and written as version 2 at the next save.
 */
import type { FileHandle } from 'node:fs/promises'
import { openPrivate, writePrivateFile } from '../../fs/secure-file.js'
import { ConfigError } from '../../errors.js'
import { keptFrom, type Aggregate } from './blocked-events.js'

/** What the state file keeps between runs (src/config/state-file.ts `import.syslog`). */
export interface SavedSyslog {
  /** Where `syslog_file` was read to (src/syslog/checkpoint.ts). */
  checkpoint?: unknown
  /** Where EDM's records were read to (src/edm/checkpoint.ts): its own slot, so switching source never loses the other's place. */
  edmCheckpoint?: unknown
  /**
   * The running aggregates. Handed to `commit`: the totals of the event keys written since the
   * last commit (all keys when `saved` held them whole), absent when none was written.
   */
  events?: Record<string, Aggregate>
  indicators?: Record<string, Aggregate>
}

const FORMAT = 'tq-conn-netscout-aed syslog import'
const ROWS_END = ']}'
/** Bytes gathered before a write, and read at once. */
const CHUNK = 64 * 1024

/** The running aggregates: per event key, and per exported indicator id. */
export interface SyslogAggregates {
  events: Record<string, Aggregate>
  indicators: Record<string, Aggregate>
}

/** The saved totals, as the import reads them (syslog-run.ts `importNotifications`). */
export interface AggregateSource {
  /** The saved totals of these event keys (a key without one has none). */
  events: (keys: readonly string[]) => Promise<Record<string, Aggregate>>
  /** The totals of every exported indicator that fired. */
  indicators: () => Promise<Record<string, Aggregate>>
}

type Row = [kind: string, key: string, count: number, first: number, last: number]

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function damaged(path: string, cause?: unknown): ConfigError {
  return new ConfigError(
    `${path} is not a syslog import state this connector understands; delete it to read syslog_file from its start again (events already in ThreatQ are updated, their counts start again)`,
    { file: path, ...(cause === undefined ? {} : { cause }) },
  )
}

/** `[key, count, first, last]` into `out`; false when the row is malformed. */
function putRow(out: Record<string, Aggregate>, row: readonly unknown[]): boolean {
  const [key, count, first, last] = row
  if (typeof key !== 'string' || !isNum(count) || count < 0 || !isNum(first) || !isNum(last))
    return false
  out[key] = { count, first, last }
  return true
}

/** Version 1's `[key, count, first, last]` rows; undefined when one is malformed. */
function readRows(rows: unknown): Record<string, Aggregate> | undefined {
  if (!Array.isArray(rows)) return undefined
  const out: Record<string, Aggregate> = {}
  for (const row of rows as unknown[])
    if (!Array.isArray(row) || row.length !== 4 || !putRow(out, row)) return undefined
  return out
}

/** The file's first line (up to its newline, or the whole file) and where the next one starts. */
async function firstLine(handle: FileHandle): Promise<{ line: string; next: number }> {
  const parts: Buffer[] = []
  let pos = 0
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK)
    const { bytesRead } = await handle.read(buf, 0, CHUNK, pos)
    if (bytesRead === 0) break
    const nl = buf.subarray(0, bytesRead).indexOf(0x0a)
    if (nl !== -1) {
      parts.push(buf.subarray(0, nl))
      return { line: Buffer.concat(parts).toString('utf8'), next: pos + nl + 1 }
    }
    parts.push(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  return { line: Buffer.concat(parts).toString('utf8'), next: pos }
}

const header = (data: Record<string, unknown>): SavedSyslog => ({
  checkpoint: data.checkpoint,
  ...(data.edm_checkpoint === undefined ? {} : { edmCheckpoint: data.edm_checkpoint }),
})

/** Rows in memory (a version 1 file, or `writeSyslogState`), in file order: events by key. */
function* memoryRows(a: SyslogAggregates): Generator<Row> {
  for (const key in a.indicators) {
    const v = a.indicators[key]
    if (v !== undefined) yield ['i', key, v.count, v.first, v.last]
  }
  for (const key of Object.keys(a.events).sort()) {
    const v = a.events[key]
    if (v !== undefined) yield ['e', key, v.count, v.first, v.last]
  }
}

const rowText = (r: Row): string => JSON.stringify(r)

/**
 * The state file of one run: its checkpoints read at open, the saved totals of some keys read
 * when asked for (`events`, `indicators`), and saved by `save`, which merges new totals into it.
 */
export class SyslogStateFile implements AggregateSource {
  private indicatorTotals: Promise<Record<string, Aggregate>> | undefined

  private constructor(
    readonly path: string,
    /** The checkpoints; undefined before the first syslog import. */
    readonly saved: SavedSyslog | undefined,
    /** Where the rows start (version 2), or the aggregates a version 1 file held. */
    private rows: number | SyslogAggregates | undefined,
    /** The newest block's time among the rows (0: none). */
    private newest: number,
  ) {}

  /** Reads the checkpoints (the first line only). A damaged file is exit 2. */
  static async open(path: string): Promise<SyslogStateFile> {
    const opened = await openPrivate(path)
    if (opened === undefined) return new SyslogStateFile(path, undefined, undefined, 0)
    let line: string
    let next: number
    try {
      ;({ line, next } = await firstLine(opened.handle))
    } finally {
      await opened.handle.close().catch(() => undefined)
    }
    const data = parseObject(line.endsWith('[') ? `${line}${ROWS_END}` : line)
    if (data?.format !== FORMAT) throw damaged(path)
    if (
      data.version === 2 &&
      Array.isArray(data.rows) &&
      data.rows.length === 0 &&
      isNum(data.newest)
    )
      return new SyslogStateFile(path, header(data), next, data.newest)
    const events = data.version === 1 ? readRows(data.events) : undefined
    const indicators = data.version === 1 ? readRows(data.indicators) : undefined
    if (events === undefined || indicators === undefined) throw damaged(path)
    let newest = 0
    for (const key in events) newest = Math.max(newest, events[key]?.last ?? 0)
    return new SyslogStateFile(path, header(data), { events, indicators }, newest)
  }

  /** A file whose rows are all replaced at its save. */
  static empty(path: string): SyslogStateFile {
    return new SyslogStateFile(path, undefined, undefined, 0)
  }

  /** The saved totals of these event keys: one pass over the rows, holding only theirs. */
  async events(keys: readonly string[]): Promise<Record<string, Aggregate>> {
    const wanted = new Set(keys)
    const out: Record<string, Aggregate> = {}
    for await (const [kind, key, count, first, last] of this.allRows())
      if (kind === 'e' && wanted.has(key)) out[key] = { count, first, last }
    return out
  }

  /** The totals of the exported indicators (read once; their rows come first). */
  indicators(): Promise<Record<string, Aggregate>> {
    this.indicatorTotals ??= (async () => {
      const out: Record<string, Aggregate> = {}
      for await (const [kind, key, count, first, last] of this.allRows()) {
        if (kind !== 'i') break
        out[key] = { count, first, last }
      }
      return out
    })()
    return this.indicatorTotals
  }

  /** Every row, in file order, checked. */
  async *allRows(): AsyncGenerator<Row> {
    const rows = this.rows
    if (rows === undefined) return
    if (typeof rows === 'object') {
      yield* memoryRows(rows)
      return
    }
    for await (const line of this.rowLines(rows)) yield this.parseRow(line)
  }

  private parseRow(line: string): Row {
    let row: unknown
    try {
      row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line)
    } catch (error) {
      throw damaged(this.path, error)
    }
    if (!Array.isArray(row) || row.length !== 5) throw damaged(this.path)
    const [kind, key, count, first, last] = row as unknown[]
    if (
      (kind !== 'e' && kind !== 'i') ||
      typeof key !== 'string' ||
      !isNum(count) ||
      count < 0 ||
      !isNum(first) ||
      !isNum(last)
    )
      throw damaged(this.path)
    return [kind, key, count, first, last]
  }

  /** The row lines as written (each with its comma), up to the closing line. */
  private async *rowLines(start: number): AsyncGenerator<string> {
    const opened = await openPrivate(this.path)
    if (opened === undefined) throw damaged(this.path)
    let ended = false
    try {
      for await (const line of opened.handle.readLines({ start, encoding: 'utf8' })) {
        if (line === ROWS_END) {
          ended = true
          break
        }
        yield line
      }
    } finally {
      await opened.handle.close().catch(() => undefined)
    }
    if (!ended) throw damaged(this.path)
  }

  /**
   * Writes the checkpoints and the aggregates to a new file that then replaces this one:
   * `saved.indicators` replace the indicator rows; `saved.events` are new totals merged into
   * the event rows (a key's new total replaces its row); rows of hours no longer kept
   * (blocked-events.ts keptFrom) are dropped. Nothing is held but the new totals.
   */
  async save(saved: SavedSyslog): Promise<void> {
    const changed = saved.events ?? {}
    const updates = Object.keys(changed).sort()
    let newest = this.newest
    for (const key of updates) newest = Math.max(newest, changed[key]?.last ?? 0)
    const indicators = saved.indicators ?? (await this.indicators())
    const head = `${JSON.stringify({
      format: FORMAT,
      version: 2,
      checkpoint: saved.checkpoint,
      // alert_source edm (src/edm/checkpoint.ts); absent in files written before it.
      edm_checkpoint: saved.edmCheckpoint,
      newest,
      rows: [],
    }).slice(0, -ROWS_END.length)}\n`
    const from = keptFrom(newest)
    // Read as the new file is written: this file is replaced only once that is done.
    const old = this.allRows()
    async function* lines(): AsyncGenerator<string> {
      for (const key in indicators) {
        const v = indicators[key]
        if (v !== undefined) yield rowText(['i', key, v.count, v.first, v.last])
      }
      let u = 0
      const put = function* (upTo: string | undefined): Generator<string> {
        for (; u < updates.length; u++) {
          const key = updates[u] as string
          if (upTo !== undefined && key > upTo) return
          const v = changed[key]
          if (v !== undefined && v.last >= from) yield rowText(['e', key, v.count, v.first, v.last])
        }
      }
      for await (const row of old) {
        if (row[0] !== 'e') continue
        yield* put(row[1])
        // A key written now has its new total above; older hours are dropped.
        if (updates[u - 1] === row[1] || row[4] < from) continue
        yield rowText(row)
      }
      yield* put(undefined)
    }
    await writePrivateFile(this.path, chunked(head, lines()))
    // The file is the new one now: its rows start after the new header.
    this.rows = Buffer.byteLength(head)
    this.newest = newest
    this.indicatorTotals = Promise.resolve(indicators)
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The document in writes of about CHUNK bytes: the header line, the rows, the closing line. */
async function* chunked(head: string, rows: AsyncIterable<string>): AsyncGenerator<string> {
  let out = head
  let first = true
  for await (const row of rows) {
    out += first ? row : `,\n${row}`
    first = false
    if (out.length >= CHUNK) {
      yield out
      out = ''
    }
  }
  yield `${out}${first ? '' : '\n'}${ROWS_END}\n`
}

/** The whole state, aggregates included, or undefined before the first syslog import. */
export async function readSyslogState(path: string): Promise<SavedSyslog | undefined> {
  const file = await SyslogStateFile.open(path)
  if (file.saved === undefined) return undefined
  const events: Record<string, Aggregate> = {}
  const indicators: Record<string, Aggregate> = {}
  for await (const [kind, key, count, first, last] of file.allRows())
    (kind === 'e' ? events : indicators)[key] = { count, first, last }
  return { ...file.saved, events, indicators }
}

/** Saves the whole state: `saved.events` are all the event rows (none kept from the file). */
export async function writeSyslogState(path: string, saved: SavedSyslog): Promise<void> {
  await SyslogStateFile.empty(path).save(saved)
}
