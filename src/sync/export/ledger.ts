/**
 * The export ledger (docs/architecture.md, "The export ledger"): per instance, what AED's
 * collection holds from this connector: each object and relationship with its state (live or
 * revoked), generation and version. `<name>.ledger` is written atomically at the end of a run
 * (0600, SHA-256 trailer); `<name>.ledger.journal` takes each commit as it happens, so a killed
 * run resumes where AED stopped acknowledging. Entries live in typed-array tables, not objects.
 */
import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import { appendPrivate, readPrivate } from '../../fs/secure-file.js'
import {
  type LedgerFile,
  type LedgerProblem,
  openLedgerFile,
  readLedgerFile,
  writeLedgerFile,
} from '../ledger-file.js'
import { EXPORT_COLLECTIONS, type TqCollection, type TqRef } from '../../threatq/model.js'
import { DROPPED, type EntryState, KeyTable, LIVE, REVOKED } from './key-table.js'

const MAGIC = Buffer.from('TQAEDLG1')
const RECORD = 24
/** The byte of a record that holds its kind (writeFields). */
const KIND = 22
const TRAILER = 32
/** Records per part of a saved file (96 KiB). */
const SAVE_CHUNK = 4096
/** Record kinds: an object entry, a relationship entry, a report's refs digest. */
const OBJECT = 1
const RELATIONSHIP = 2
const REPORT_DIGEST = 3

/**
 * The version of an entry AED may hold in a version the ledger does not know (an intent whose
 * commit never came): no `updated_at` second or pair of generations equals it.
 */
export const UNKNOWN_VERSION = 0xffffffff

/** ThreatQ ids are below 2^40; the collection is packed above them into one exact float. */
const ID_SPAN = 2 ** 40

export function objectKey(collection: TqCollection, id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0 || id >= ID_SPAN)
    throw new RangeError(`ThreatQ id ${String(id)} is outside what the ledger can hold`)
  return (EXPORT_COLLECTIONS.indexOf(collection) + 1) * ID_SPAN + id
}

export function refOfKey(key: number): TqRef {
  const collection = EXPORT_COLLECTIONS[Math.floor(key / ID_SPAN) - 1]
  if (collection === undefined) throw new RangeError(`not a ledger key: ${String(key)}`)
  return { collection, id: key % ID_SPAN }
}

/** Where a ledger lives and what it must describe to be used. */
export interface LedgerFiles {
  file: string
  journal: string
}

export interface LedgerTarget {
  /**
   * The AED the objects went to (host[:port], as the lists ledger names it): another AED's
   * collection may carry the same id and title, and holds none of them.
   */
  aed: string
  /** AED collection id the objects went to. */
  collection: string
  stixVersion: string
  /** ThreatQ host the stable ids derive from. */
  host: string
}

interface Header extends Omit<LedgerTarget, 'aed'> {
  format: 1
  /** Absent in ledgers written before it was recorded: those are taken as this AED's. */
  aed?: string
  /** The id scope of the entries (ids.ts idNamespace); absent before scopes: shared (''). */
  ids?: string
  saved_at: string
  /** The export policy the entries were decided under (ExportPolicy.fingerprint). */
  policy?: string
}

export interface LedgerUpdate {
  kind: typeof OBJECT | typeof RELATIONSHIP | typeof REPORT_DIGEST
  a: number
  b: number
  state: EntryState
  gen: number
  version: number
}

export class Ledger {
  readonly objects: KeyTable
  readonly relationships: KeyTable
  /** Report key → digest of the object refs of its live version. */
  readonly reports = new Map<number, number>()
  private journalHandle: FileHandle | undefined
  /** The policy fingerprint of the saved ledger; `policy` is what this run saves. */
  savedPolicy: string | undefined
  policy: string | undefined

  private constructor(
    readonly files: LedgerFiles,
    readonly target: LedgerTarget,
    /** The id scope every entry's STIX id derives in (ids.ts idNamespace). */
    readonly ids: string,
  ) {
    this.objects = new KeyTable(1)
    this.relationships = new KeyTable(2)
  }

  static empty(files: LedgerFiles, target: LedgerTarget, ids = ''): Ledger {
    return new Ledger(files, target, ids)
  }

  /**
   * Reads the ledger and replays its journal. `expected` is what the state file says the last
   * saved ledger held: a missing file then is a lost ledger, not a first run.
   */
  static async open(
    files: LedgerFiles,
    target: LedgerTarget,
    expected: number | undefined,
    /** A dry run reports a bad file but leaves it (and its journal) where it is. */
    dryRun = false,
    /**
     * The id scope of a ledger not read from its file (id-scope.ts): new, lost, corrupt, or of
     * another target (the same AED under another name would otherwise get every object twice).
     */
    scope = '',
  ): Promise<{ ledger: Ledger; problem: LedgerProblem | undefined }> {
    const journal = await readJournal(files.journal)
    const { saved, problem } = await openLedgerFile(ledgerFile(files, target), {
      expected,
      dryRun,
      resumable: journal !== undefined,
    })
    if (saved === undefined) {
      const ledger = Ledger.empty(files, target, scope)
      // A journal without its file is a killed first run resuming; one of a bad file went with it.
      if (problem === undefined && journal !== undefined) ledger.replay(journal)
      return { ledger, problem }
    }
    const { header, records } = saved
    const ledger = new Ledger(files, target, header.ids ?? '')
    ledger.savedPolicy = header.policy
    ledger.replay(records)
    if (journal !== undefined) ledger.replay(journal)
    return { ledger, problem: undefined }
  }

  /**
   * The saved ledger and its journal as they are, for --status: nothing compared with a target,
   * nothing moved aside. Undefined when neither file exists; a string says why it is unreadable.
   */
  static async inspect(
    files: LedgerFiles,
  ): Promise<
    { ledger: Ledger; savedAt: string | undefined; journalRecords: number } | string | undefined
  > {
    const parsed = await readLedgerFile(files.file, parseLedger)
    if (typeof parsed === 'string') return parsed
    const journal = await readJournal(files.journal)
    if (parsed === undefined && journal === undefined) return undefined
    const header = parsed?.header
    const target = {
      aed: header?.aed ?? '',
      collection: header?.collection ?? '',
      stixVersion: header?.stixVersion ?? '',
      host: header?.host ?? '',
    }
    const ledger = new Ledger(files, target, header?.ids ?? '')
    if (parsed !== undefined) ledger.replay(parsed.records)
    if (journal !== undefined) ledger.replay(journal)
    return { ledger, savedAt: header?.saved_at, journalRecords: (journal?.length ?? 0) / RECORD }
  }

  apply(update: LedgerUpdate): void {
    if (update.kind === REPORT_DIGEST) {
      this.reports.set(update.a, update.version)
      return
    }
    const table = update.kind === OBJECT ? this.objects : this.relationships
    table.set(table.slot(update.a, update.b), update.state, update.gen, update.version)
  }

  private replay(records: Buffer): void {
    // Each table sized once for what the records can add to it (fewer when they repeat a key).
    let objects = 0
    let relationships = 0
    for (let at = 0; at + RECORD <= records.length; at += RECORD) {
      const kind = records[at + KIND]
      if (kind === OBJECT) objects++
      else if (kind === RELATIONSHIP) relationships++
    }
    this.objects.reserve(objects)
    this.relationships.reserve(relationships)
    for (let at = 0; at + RECORD <= records.length; at += RECORD)
      this.apply(readRecord(records, at))
  }

  /** Opens the journal for this run's commits (append, 0600). */
  async openJournal(): Promise<void> {
    this.journalHandle = await appendPrivate(this.files.journal)
  }

  /**
   * Records in the journal, before a request is sent, that AED may soon hold these objects: a
   * kill between AED storing them and their commit must not leave AED holding what the ledger
   * does not know of (it could then never be revoked). Replayed, each is a live entry of unknown
   * version: re-sent if still wanted, revoked from AED's copy (or dropped, if AED has none) if
   * not. Not applied to this run's tables: the commit is.
   */
  async intend(updates: readonly LedgerUpdate[]): Promise<void> {
    const sends = updates.filter((u) => u.kind !== REPORT_DIGEST && u.state === LIVE)
    if (sends.length === 0) return
    // Every byte of each record is written (writeFields).
    const buffer = Buffer.allocUnsafe(sends.length * RECORD)
    sends.forEach((u, i) => {
      writeFields(buffer, i * RECORD, u.kind, u.a, u.b, u.state, u.gen, UNKNOWN_VERSION)
    })
    await this.journalHandle?.write(buffer)
  }

  /** Applies committed updates and appends them to the journal. */
  async commit(updates: readonly LedgerUpdate[]): Promise<void> {
    if (updates.length === 0) return
    const buffer = Buffer.allocUnsafe(updates.length * RECORD)
    updates.forEach((u, i) => {
      this.apply(u)
      writeRecord(buffer, i * RECORD, u)
    })
    await this.journalHandle?.write(buffer)
  }

  /** Writes the whole ledger atomically, then drops the journal it now contains. */
  async save(now: Date): Promise<{ objects: number; relationships: number }> {
    const header: Header = {
      format: 1,
      ...this.target,
      ids: this.ids,
      saved_at: now.toISOString(),
      ...(this.policy === undefined ? {} : { policy: this.policy }),
    }
    const headerBytes = Buffer.from(JSON.stringify(header))
    const digests = [...this.reports].filter(([a]) => {
      const slot = this.objects.find(a)
      return slot >= 0 && this.objects.state(slot) === LIVE
    })
    const kept = (table: KeyTable): number => table.size - table.count(DROPPED)
    const objects = kept(this.objects)
    const relationships = kept(this.relationships)
    await this.closeJournal()
    await writeLedgerFile(ledgerFile(this.files, this.target), this.fileParts(headerBytes, digests))
    return { objects, relationships }
  }

  /**
   * The file's bytes in parts of SAVE_CHUNK records, hashed as they go: written straight from the
   * tables, no object per entry and never the whole file (24 MB at a million entries) at once.
   */
  private *fileParts(
    headerBytes: Buffer,
    digests: readonly (readonly [number, number])[],
  ): Generator<Buffer> {
    const hash = createHash('sha256')
    const head = Buffer.alloc(MAGIC.length + 4 + headerBytes.length)
    MAGIC.copy(head, 0)
    head.writeUInt32LE(headerBytes.length, MAGIC.length)
    headerBytes.copy(head, MAGIC.length + 4)
    hash.update(head)
    yield head
    let chunk = Buffer.alloc(SAVE_CHUNK * RECORD)
    let at = 0
    const full = (): Buffer | undefined => {
      if (at < chunk.length) return undefined
      const done = chunk
      hash.update(done)
      chunk = Buffer.alloc(SAVE_CHUNK * RECORD)
      at = 0
      return done
    }
    for (const [kind, table] of [
      [OBJECT, this.objects],
      [RELATIONSHIP, this.relationships],
    ] as const) {
      for (let slot = 0; slot < table.slots; slot++) {
        const state = table.state(slot)
        if (state !== LIVE && state !== REVOKED) continue
        writeFields(
          chunk,
          at,
          kind,
          table.keyA(slot),
          table.keyB(slot),
          state,
          table.gen(slot),
          table.version(slot),
        )
        at += RECORD
        const done = full()
        if (done !== undefined) yield done
      }
    }
    for (const [a, digest] of digests) {
      writeFields(chunk, at, REPORT_DIGEST, a, 0, LIVE, 0, digest)
      at += RECORD
      const done = full()
      if (done !== undefined) yield done
    }
    const rest = chunk.subarray(0, at)
    hash.update(rest)
    yield Buffer.concat([rest, hash.digest()])
  }

  async closeJournal(): Promise<void> {
    await this.journalHandle?.close()
    this.journalHandle = undefined
  }

  /** Live entries: what AED holds from this instance. */
  liveCount(): number {
    return this.objects.count(LIVE) + this.relationships.count(LIVE)
  }
}

export const UPDATE = { OBJECT, RELATIONSHIP, REPORT_DIGEST } as const

/** The export ledger's file and format for the shared protocol (../ledger-file.ts). */
function ledgerFile(
  files: LedgerFiles,
  target: LedgerTarget,
): LedgerFile<{ header: Header; records: Buffer }> {
  return {
    file: files.file,
    // The journal continues the file: it goes where the file goes.
    companions: [files.journal],
    decode: parseLedger,
    retargeted: ({ header }) => {
      const differs = retargeted(header, target)
      if (differs.length === 0) return undefined
      return `it describes ${differs.map((k) => `${k} ${JSON.stringify(header[k])}`).join(', ')}; this run exports with ${differs.map((k) => JSON.stringify(target[k])).join(', ')}`
    },
  }
}

/**
 * What a saved ledger describes that this run does not export to. A header without `aed` was
 * written before the AED was recorded: it is taken as this AED's, since moving it aside would
 * orphan every object it holds on the AED it does describe.
 */
export function retargeted(
  header: Partial<LedgerTarget>,
  target: LedgerTarget,
): (keyof LedgerTarget)[] {
  return (['aed', 'collection', 'stixVersion', 'host'] as const).filter(
    (k) => !(k === 'aed' && header.aed === undefined) && header[k] !== target[k],
  )
}

function writeRecord(buffer: Buffer, at: number, u: LedgerUpdate): void {
  writeFields(buffer, at, u.kind, u.a, u.b, u.state, u.gen, u.version)
}

function writeFields(
  buffer: Buffer,
  at: number,
  kind: number,
  a: number,
  b: number,
  state: number,
  gen: number,
  version: number,
): void {
  buffer.writeDoubleLE(a, at)
  buffer.writeDoubleLE(b, at + 8)
  buffer.writeUInt32LE(version >>> 0, at + 16)
  buffer.writeUInt16LE(gen, at + 20)
  buffer.writeUInt8(kind, at + KIND)
  buffer.writeUInt8(state, at + 23)
}

function readRecord(buffer: Buffer, at: number): LedgerUpdate {
  const kind = buffer.readUInt8(at + KIND)
  const state = buffer.readUInt8(at + 23)
  if (kind < OBJECT || kind > REPORT_DIGEST || state < LIVE || state > DROPPED)
    throw new LedgerFormatError(`record at byte ${String(at)} is not a ledger record`)
  return {
    kind: kind as LedgerUpdate['kind'],
    a: buffer.readDoubleLE(at),
    b: buffer.readDoubleLE(at + 8),
    version: buffer.readUInt32LE(at + 16),
    gen: buffer.readUInt16LE(at + 20),
    state: state as EntryState,
  }
}

class LedgerFormatError extends Error {}

/** The header and the records, or why the bytes are not a ledger. */
function parseLedger(bytes: Buffer): { header: Header; records: Buffer } | string {
  if (bytes.length < MAGIC.length + 4 + TRAILER || !bytes.subarray(0, 8).equals(MAGIC))
    return 'it does not start like a ledger file'
  const size = bytes.length - TRAILER
  const digest = createHash('sha256').update(bytes.subarray(0, size)).digest()
  if (!digest.equals(bytes.subarray(size)))
    return 'its checksum does not match (truncated or altered)'
  const headerLength = bytes.readUInt32LE(MAGIC.length)
  const start = MAGIC.length + 4 + headerLength
  if (start > size || (size - start) % RECORD !== 0) return 'its record area has a partial record'
  let header: Header
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, start).toString('utf8')) as Header
  } catch {
    return 'its header is not JSON'
  }
  const format: unknown = header.format
  if (format !== 1) return `format ${String(format)} is not one this connector reads`
  const records = bytes.subarray(start, size)
  try {
    for (let at = 0; at < records.length; at += RECORD) readRecord(records, at)
  } catch (error) {
    return (error as Error).message
  }
  return { header, records }
}

/** The journal's whole records (a torn last one, from a kill mid-write, is left out). */
async function readJournal(path: string): Promise<Buffer | undefined> {
  const bytes = (await readPrivate(path))?.bytes
  if (bytes === undefined) return undefined
  const whole = bytes.subarray(0, bytes.length - (bytes.length % RECORD))
  for (let at = 0; at < whole.length; at += RECORD) {
    try {
      readRecord(whole, at)
    } catch {
      // Garbage from here on: keep what came before it.
      return whole.subarray(0, at)
    }
  }
  return whole
}
