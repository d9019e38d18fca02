/**
 * `<name>.lists.json` (mode 0600, written atomically): the AED list entries this instance
 * created, by list and value, with the ThreatQ indicator that owns each and (inbound) the scope
 * it was added in. Only entries in it are ever removed; AED's own annotations confirm each one
 * before a removal (docs/architecture.md, "AED lists").
 */
import { z } from 'zod'
import { listById, type Scope } from '../../aed/lists.js'
import {
  type LedgerFile,
  type LedgerProblem,
  openLedgerFile,
  readLedgerFile,
  writeLedgerFile,
} from '../ledger-file.js'

export interface ListLedgerEntry {
  list: string
  value: string
  /** The ThreatQ indicator id named in the entry's annotation. */
  owner: number
  scope: Scope | undefined
  /**
   * AED held the value under someone else's annotation when this instance wanted it: never
   * written or removed, and looked at again only by --full.
   */
  foreign?: true
}

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
    list,
    value,
    owner,
    scope: scoped ? scope : undefined,
    ...(foreign === 1 ? { foreign: true } : {}),
  }
}

/** What a lists ledger file holds: its AED and its entries by key. */
interface Saved {
  aed: string
  entries: Map<string, ListLedgerEntry>
}

/** The file's entries, or why it is not a lists ledger this connector reads. */
function decode(bytes: Buffer): Saved | string {
  let data: z.output<typeof headerSchema>
  try {
    data = headerSchema.parse(JSON.parse(bytes.toString('utf8')))
  } catch (error) {
    const why =
      error instanceof z.ZodError
        ? (error.issues[0]?.message ?? 'unexpected shape')
        : (error as Error).message
    return `it is not a lists ledger this connector reads: ${why}`
  }
  const entries = new Map<string, ListLedgerEntry>()
  for (const raw of data.entries) {
    const entry = readEntry(raw)
    if (typeof entry === 'string') return entry
    entries.set(entryKey(entry.list, entry.value), entry)
  }
  return { aed: data.aed, entries }
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

export const entryKey = (list: string, value: string): string => `${list}\u0000${value}`

export class ListLedger {
  private constructor(
    private readonly file: string,
    private readonly aed: string,
    readonly entries = new Map<string, ListLedgerEntry>(),
  ) {}

  /**
   * Opens the ledger of this AED. `expected` is what the state file says the last saved one
   * held: a missing file is then lost, not new. A corrupt file, or one of another AED, is moved
   * aside.
   */
  static async open(
    file: string,
    aed: string,
    expected: number | undefined,
    /** A dry run reports a bad file but leaves it where it is. */
    dryRun = false,
  ): Promise<{ ledger: ListLedger; problem: LedgerProblem | undefined }> {
    const { saved, problem } = await openLedgerFile(ledgerFile(file, aed), { expected, dryRun })
    return { ledger: new ListLedger(file, aed, saved?.entries), problem }
  }

  get size(): number {
    return this.entries.size
  }

  /** The entries this instance made (not the values it found held by others). */
  get own(): number {
    let n = 0
    for (const e of this.entries.values()) if (e.foreign !== true) n++
    return n
  }

  get(list: string, value: string): ListLedgerEntry | undefined {
    return this.entries.get(entryKey(list, value))
  }

  set(entry: ListLedgerEntry): void {
    this.entries.set(entryKey(entry.list, entry.value), entry)
  }

  delete(list: string, value: string): void {
    this.entries.delete(entryKey(list, value))
  }

  /** Writes the ledger atomically; answers how many entries it holds. */
  async save(): Promise<number> {
    const entries = [...this.entries.values()].map((e) =>
      e.foreign === true
        ? [e.list, e.value, e.owner, e.scope ?? null, 1]
        : [e.list, e.value, e.owner, e.scope ?? null],
    )
    await writeLedgerFile(
      ledgerFile(this.file, this.aed),
      `${JSON.stringify({ format: FORMAT, version: 1, aed: this.aed, entries })}\n`,
    )
    return this.entries.size
  }
}
