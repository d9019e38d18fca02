/**
 * `<name>.syslog.json` (mode 0600, written atomically): the syslog file and EDM checkpoints and the
 * running aggregates, saved together after each write to ThreatQ (src/sync/import/syslog-run.ts).
 * Apart from the state file because it holds one row per event key (hundreds of thousands in an
 * hour of a busy edge). Version 2 is still one JSON document, laid out so that it is read and
 * written in parts, never held whole:
 *
 *     {"format":"…","version":2,"checkpoint":{…},"edm_checkpoint":{…},"rows":[
 *     ["e","<event key>",count,first,last],
 *     ["i","<indicator id>",count,first,last]
 *     ]}
 *
 * The first line alone gives the checkpoints: a run with nothing new reads nothing else (issue
 * 22, "Measured"). The rows are read only when a batch has something to write. Version 1 (the
 * whole document on one line) is still read, and written as version 2 at the next save.
 */
import type { FileHandle } from 'node:fs/promises'
import { openPrivate, writePrivateFile } from '../../config/secure-file.js'
import { ConfigError } from '../../errors.js'
import type { Aggregate } from './blocked-events.js'
import type { SavedSyslog } from './syslog-run.js'

const FORMAT = 'tq-conn-netscout-aed syslog import'
const ROWS_END = ']}'
/** Bytes gathered before a write, and read at once. */
const CHUNK = 64 * 1024

/** The running aggregates: per event key, and per exported indicator id. */
export interface SyslogAggregates {
  events: Record<string, Aggregate>
  indicators: Record<string, Aggregate>
}

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

/**
 * The state file of one run: its checkpoints read at open, its aggregate rows only when
 * `aggregates()` is called, and saved by `save` (rows not loaded are copied from the file).
 */
export class SyslogStateFile {
  private loaded: Promise<SyslogAggregates> | undefined

  private constructor(
    readonly path: string,
    /** The checkpoints; undefined before the first syslog import. */
    readonly saved: SavedSyslog | undefined,
    /** Where the rows start (version 2), or the aggregates a version 1 file held. */
    private rows: number | SyslogAggregates | undefined,
  ) {}

  /** Reads the checkpoints (the first line only). A damaged file is exit 2. */
  static async open(path: string): Promise<SyslogStateFile> {
    const opened = await openPrivate(path)
    if (opened === undefined) return new SyslogStateFile(path, undefined, undefined)
    let line: string
    let next: number
    try {
      ;({ line, next } = await firstLine(opened.handle))
    } finally {
      await opened.handle.close().catch(() => undefined)
    }
    const data = parseObject(line.endsWith('[') ? `${line}${ROWS_END}` : line)
    if (data?.format !== FORMAT) throw damaged(path)
    if (data.version === 2 && Array.isArray(data.rows) && data.rows.length === 0)
      return new SyslogStateFile(path, header(data), next)
    const events = data.version === 1 ? readRows(data.events) : undefined
    const indicators = data.version === 1 ? readRows(data.indicators) : undefined
    if (events === undefined || indicators === undefined) throw damaged(path)
    return new SyslogStateFile(path, header(data), { events, indicators })
  }

  /** The aggregates (read once, on the first call). */
  aggregates(): Promise<SyslogAggregates> {
    this.loaded ??= this.readAggregates()
    return this.loaded
  }

  private async readAggregates(): Promise<SyslogAggregates> {
    if (typeof this.rows === 'object') return this.rows
    const out: SyslogAggregates = { events: {}, indicators: {} }
    if (this.rows === undefined) return out
    for await (const row of this.rowsOf(this.rows)) {
      const into = row[0] === 'e' ? out.events : row[0] === 'i' ? out.indicators : undefined
      if (into === undefined || !putRow(into, row.slice(1))) throw damaged(this.path)
    }
    return out
  }

  /** The version 2 rows from byte `start`, parsed; a file cut short is damaged. */
  private async *rowsOf(start: number): AsyncGenerator<unknown[]> {
    for await (const line of this.rowLines(start)) {
      let row: unknown
      try {
        row = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line)
      } catch (error) {
        throw damaged(this.path, error)
      }
      if (!Array.isArray(row) || row.length !== 5) throw damaged(this.path)
      yield row as unknown[]
    }
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
   * Writes the checkpoints and the aggregates (`saved.events` and `.indicators`; when absent,
   * the rows this file holds, unchanged) to a new file that then replaces this one.
   */
  async save(saved: SavedSyslog): Promise<void> {
    const head = `${JSON.stringify({
      format: FORMAT,
      version: 2,
      checkpoint: saved.checkpoint,
      // alert_source edm (src/edm/checkpoint.ts); absent in files written before it.
      edm_checkpoint: saved.edmCheckpoint,
      rows: [],
    }).slice(0, -ROWS_END.length)}\n`
    const kept =
      saved.events !== undefined && saved.indicators !== undefined
        ? { events: saved.events, indicators: saved.indicators }
        : typeof this.rows === 'number'
          ? this.rows
          : (this.rows ?? { events: {}, indicators: {} })
    await writePrivateFile(this.path, chunked(head, rowTexts(kept, (start) => this.rowLines(start))))
    // The file is the new one now: copied rows start after the new header.
    this.rows = typeof kept === 'number' ? Buffer.byteLength(head) : kept
    if (typeof kept !== 'number') this.loaded = Promise.resolve(kept)
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

/** Each row as its line without the comma: from memory, or copied from the file. */
async function* rowTexts(
  rows: SyslogAggregates | number,
  copy: (start: number) => AsyncIterable<string>,
): AsyncGenerator<string> {
  if (typeof rows === 'number') {
    for await (const line of copy(rows)) yield line.endsWith(',') ? line.slice(0, -1) : line
    return
  }
  for (const [kind, table] of [
    ['e', rows.events],
    ['i', rows.indicators],
  ] as const)
    for (const key in table) {
      const a = table[key]
      if (a !== undefined)
        yield `[${JSON.stringify(kind)},${JSON.stringify(key)},${String(a.count)},${String(a.first)},${String(a.last)}]`
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
  return { ...file.saved, ...(await file.aggregates()) }
}

/** Saves the state (see SyslogStateFile.save). */
export async function writeSyslogState(path: string, saved: SavedSyslog): Promise<void> {
  await (await SyslogStateFile.open(path)).save(saved)
}
