/**
 * `<name>.lists.json` (mode 0600, written atomically): the AED list entries this instance
 * created, by list and value, with the ThreatQ indicator that owns each and (inbound) the scope
 * it was added in. Only entries in it are ever removed; AED's own annotations confirm each one
 * before a removal (docs/architecture.md, "AED lists").
 */
import { z } from 'zod'
import { listById } from '../../aed/lists.js'
import { EntriesView, entryKey, ListEntries, type ListLedgerEntry } from './entries.js'
import { type EntriesLayout, entriesLayout } from './ledger-layout.js'
import type { LedgerFile, LedgerProblem } from '../ledger-file.js'
import { openLedgerFile, readLedgerFile, writeLedgerFile } from '../ledger-file.js'

const FORMAT = 'tq-conn-netscout-aed AED lists ledger'

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  aed: z.string(),
  entries: z.array(z.unknown()),
})

const positiveInt = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0

/** One `[list, value, owner, scope, foreign?]` record; checked by hand (zod would copy each). */
function readEntry(raw: unknown): ListLedgerEntry | string {
  if (!Array.isArray(raw) || raw.length < 4 || raw.length > 5) return 'an entry is not a record'
  const [list, value, owner, scope, foreign] = raw as unknown[]
  const known = typeof list === 'string' ? listById(list) : undefined
  if (known === undefined || typeof list !== 'string') return 'an entry names an unknown list'
  if (typeof value !== 'string' || value === '') return 'an entry has no value'
  if (!positiveInt(owner)) return 'an entry has no owner id'
  // An inbound removal without a scope would take the value out of every scope, others' too.
  const scoped = typeof scope === 'string' && /^-?\d+(,-?\d+)*$/.test(scope)
  if (known.direction === 'inbound' ? !scoped : scope !== null)
    return 'an entry has a malformed scope'
  if (foreign !== undefined && foreign !== 1) return 'an entry has a malformed foreign mark'
  return {
    // The list's own id: one string for every entry, not one copy per entry read.
    list: known.id,
    value,
    owner,
    scope: scoped ? scope : undefined,
    ...(foreign === 1 ? { foreign: true } : {}),
  }
}

/** What a lists ledger file holds: its AED and its entries. */
interface Saved {
  aed: string
  entries: ListEntries
}

/** The file's entries, or why it is not a lists ledger this connector reads. */
function decode(bytes: Buffer): Saved | string {
  // Entry by entry: a million entries parsed at once would hold the file three times over.
  try {
    const laid = entriesLayout(bytes)
    if (laid !== undefined) return decodeLaid(bytes, laid)
  } catch {
    // Not laid out as expected: the whole file is parsed below, which says why it is bad.
  }
  return decodeWhole(bytes)
}

function decodeWhole(bytes: Buffer): Saved | string {
  const data = parseHeader(bytes.toString('utf8'))
  if (typeof data === 'string') return data
  const entries = new ListEntries()
  for (const raw of data.entries) {
    const entry = readEntry(raw)
    if (typeof entry === 'string') return entry
    entries.set(entry)
  }
  return { aed: data.aed, entries }
}

function decodeLaid(bytes: Buffer, laid: EntriesLayout): Saved | string {
  const header = parseHeader(
    bytes.toString('utf8', 0, laid.open + 1) + bytes.toString('utf8', laid.close),
  )
  if (typeof header === 'string') return header
  const entries = new ListEntries()
  for (const [start, end] of laid.elements) {
    const entry = readEntry(JSON.parse(bytes.toString('utf8', start, end)))
    if (typeof entry === 'string') return entry
    entries.set(entry)
  }
  return { aed: header.aed, entries }
}

function parseHeader(text: string): z.output<typeof headerSchema> | string {
  try {
    return headerSchema.parse(JSON.parse(text))
  } catch (error) {
    const why =
      error instanceof z.ZodError
        ? (error.issues[0]?.message ?? 'unexpected shape')
        : (error as Error).message
    return `it is not a lists ledger this connector reads: ${why}`
  }
}

/** The lists ledger's file and format for the shared protocol (../ledger-file.ts). */
function ledgerFile(file: string, aed: string): LedgerFile<Saved> {
  return {
    file,
    companions: [],
    decode,
    retargeted: (saved) => (saved.aed === aed ? undefined : `it was written for AED ${saved.aed}`),
  }
}

/**
 * Entries per list of the saved lists ledger, as it is (for --status: nothing moved aside):
 * undefined when there is none, a string when it is unreadable.
 */
export async function listLedgerCounts(
  file: string,
): Promise<
  { aed: string; lists: Record<string, { own: number; foreign: number }> } | string | undefined
> {
  const saved = await readLedgerFile(file, decode)
  if (saved === undefined || typeof saved === 'string') return saved
  const lists: Record<string, { own: number; foreign: number }> = {}
  for (const entry of saved.entries.values()) {
    const counts = (lists[entry.list] ??= { own: 0, foreign: 0 })
    if (entry.foreign === true) counts.foreign++
    else counts.own++
  }
  return { aed: saved.aed, lists }
}

export { entryKey, type ListLedgerEntry }

/** Entries per part of the file written: a part is one string, never the whole ledger. */
const ENTRIES_PER_PART = 2000

/** The file's text in parts, laid out as `JSON.stringify` of the whole would write it. */
function* encode(aed: string, entries: ListEntries): Generator<Buffer> {
  const head = JSON.stringify({ format: FORMAT, version: 1, aed, entries: [] })
  // `…"entries":[` then the records, a part at a time, then `]}`.
  yield Buffer.from(head.slice(0, -2))
  let part: string[] = []
  let written = false
  const flush = (): Buffer => {
    const text = `${written ? ',' : ''}${part.join(',')}`
    written = true
    part = []
    return Buffer.from(text)
  }
  for (const e of entries.values()) {
    const record = [e.list, e.value, e.owner, e.scope ?? null]
    if (e.foreign === true) record.push(1)
    part.push(JSON.stringify(record))
    if (part.length >= ENTRIES_PER_PART) yield flush()
  }
  if (part.length > 0) yield flush()
  yield Buffer.from(']}\n')
}

export class ListLedger {
  /** The entries as a map by `entryKey`, made as read (src/sync/import/own-intel.ts reads it). */
  readonly entries: ReadonlyMap<string, ListLedgerEntry>

  private constructor(
    private readonly file: string,
    private readonly aed: string,
    /** A dry run's: `save` writes nothing. */
    private readonly readOnly: boolean,
    private readonly store = new ListEntries(),
  ) {
    this.entries = new EntriesView(store)
  }

  /**
   * Opens the ledger of this AED. `expected` is what the state file says the last saved one
   * held: a missing file is then lost, not new. A corrupt file, or one of another AED, is moved
   * aside.
   */
  static async open(
    file: string,
    aed: string,
    expected: number | undefined,
    /** A dry run reports a bad file but leaves it where it is, and saves nothing. */
    dryRun = false,
  ): Promise<{ ledger: ListLedger; problem: LedgerProblem | undefined }> {
    const { saved, problem } = await openLedgerFile(ledgerFile(file, aed), { expected, dryRun })
    return { ledger: new ListLedger(file, aed, dryRun, saved?.entries), problem }
  }

  get size(): number {
    return this.store.size
  }

  /** The entries this instance made (not the values it found held by others). */
  get own(): number {
    return this.store.own
  }

  /** The ids of the lists that hold entries. */
  lists(): IterableIterator<string> {
    return this.store.lists()
  }

  /** The entries of one list, made as they are read. */
  ofList(list: string): Generator<ListLedgerEntry> {
    return this.store.ofList(list)
  }

  /** Every entry's owner (once per entry). */
  owners(): Generator<number> {
    return this.store.owners()
  }

  has(list: string, value: string): boolean {
    return this.store.has(list, value)
  }

  /** Marks an entry claimed by a member read this run; answers whether one had claimed it. */
  claim(list: string, value: string): boolean {
    return this.store.claim(list, value)
  }

  claimed(list: string, value: string): boolean {
    return this.store.claimed(list, value)
  }

  releaseClaims(): void {
    this.store.releaseClaims()
  }

  get(list: string, value: string): ListLedgerEntry | undefined {
    return this.store.get(list, value)
  }

  set(entry: ListLedgerEntry): void {
    this.store.set(entry)
  }

  delete(list: string, value: string): void {
    this.store.delete(list, value)
  }

  /**
   * Writes the ledger atomically, in parts; answers how many entries it holds. A read-only
   * (dry-run) ledger writes nothing and answers undefined.
   */
  async save(): Promise<number | undefined> {
    if (this.readOnly) return undefined
    await writeLedgerFile(ledgerFile(this.file, this.aed), encode(this.aed, this.store))
    return this.store.size
  }
}
