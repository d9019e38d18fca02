/**
 * The adds a list plan holds, in columns: the value, the owner and a shared detail (list, scope,
 * type, reason) per row, each row made into a `Want` only when it is looked up or sent. A first
 * delivery of a million hosts plans a million adds: as one object each they held ~200 MB until
 * the run ended, as JS arrays ~30 MB of live heap; the columns are typed arrays, outside the V8
 * heap (docs/performance.md, "Issue 23: the lists delivery at a million").
 */
import type { AedList, Scope } from '../../aed/lists.js'
import type { Placement } from './targets.js'
import { packValue, unpackValue, type ValueKey } from './value-key.js'

/** An entry AED should hold: checked against AED, then added unless it is there already. */
export type Want = Placement & {
  owner: number
  /** The owner's ThreatQ type, and why the entry is written (for the audit trail). */
  type?: string | undefined
  reason?: string | undefined
}

/** What a delivery reads of the planned adds: an array of Wants is one too (the tests'). */
export interface WantList {
  readonly length: number
  at(index: number): Want | undefined
}

interface Detail {
  list: AedList
  scope: Scope | undefined
  type: string | undefined
  reason: string | undefined
}

/** A typed column that grows by doubling as rows are pushed, and is cut to its rows when sealed. */
class Column<T extends Int32Array | Float64Array | Uint32Array> {
  constructor(
    public data: T,
    private readonly make: (size: number) => T,
  ) {}

  put(index: number, value: number): void {
    if (index >= this.data.length) {
      const wider = this.make(2 * this.data.length)
      wider.set(this.data)
      this.data = wider
    }
    this.data[index] = value
  }

  trim(length: number): void {
    const cut = this.make(length)
    cut.set(this.data.subarray(0, length))
    this.data = cut
  }
}

const FIRST_ROWS = 1024

export class PlannedAdds implements WantList {
  private count = 0
  /** Packed IPv4 values (value-key.ts); the other values are kept by row in `texts`. */
  private readonly packed = new Column(new Int32Array(FIRST_ROWS), (n) => new Int32Array(n))
  private readonly texts = new Map<number, string>()
  private readonly owners = new Column(new Float64Array(FIRST_ROWS), (n) => new Float64Array(n))
  private readonly details = new Column(new Uint32Array(FIRST_ROWS), (n) => new Uint32Array(n))
  /** Details by their text: one per list, scope, type and reason (most runs have a handful). */
  private readonly known = new Map<string, number>()
  private readonly table: Detail[] = []
  /** Rows by list and value while the plan is made (two members that share a value are one). */
  private rows: Map<string, Map<ValueKey, number>> | undefined = new Map()

  get length(): number {
    return this.count
  }

  has(list: string, value: string): boolean {
    return this.rows?.get(list)?.has(packValue(value)) === true
  }

  push(want: Want): void {
    const { list } = want
    const value = packValue(want.value)
    const rows = this.rows
    if (rows === undefined) throw new Error('the planned adds are sealed')
    let ofList = rows.get(list.id)
    if (ofList === undefined) rows.set(list.id, (ofList = new Map<ValueKey, number>()))
    const row = this.count++
    ofList.set(value, row)
    if (typeof value === 'number') this.packed.put(row, value)
    else this.texts.set(row, value)
    this.owners.put(row, want.owner)
    this.details.put(row, this.detail(want))
  }

  /** The plan is made: the lookup by value is let go, and the columns cut to their rows. */
  seal(): this {
    this.rows = undefined
    for (const column of [this.packed, this.owners, this.details]) column.trim(this.count)
    return this
  }

  at(index: number): Want | undefined {
    if (!(index >= 0 && index < this.count)) return undefined
    const detail = this.table[this.details.data[index] ?? -1]
    if (detail === undefined) return undefined
    const { list, scope, type, reason } = detail
    const value = this.texts.get(index) ?? unpackValue(this.packed.data[index] ?? 0)
    return { list, value, scope, owner: this.owners.data[index] ?? 0, type, reason }
  }

  private detail(want: Want): number {
    // \u0001 stands for undefined, which is not the empty string.
    const key = [want.list.id, want.scope, want.type, want.reason]
      .map((p) => p ?? '\u0001')
      .join('\u0000')
    const index = this.known.get(key)
    if (index !== undefined) return index
    this.table.push({ list: want.list, scope: want.scope, type: want.type, reason: want.reason })
    this.known.set(key, this.table.length - 1)
    return this.table.length - 1
  }
}
