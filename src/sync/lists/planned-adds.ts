/**
 * The adds a list plan holds, in columns: the value, the owner and a shared detail (list, scope,
 * type, reason) per row, each row made into a `Want` only when it is looked up or sent. A first
 * delivery of a million hosts plans a million adds: as one object each they held ~200 MB until
 * the run ended (docs/performance.md, "Issue 23: the lists delivery at a million").
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

export class PlannedAdds implements WantList {
  private readonly values: ValueKey[] = []
  private readonly owners: number[] = []
  private readonly details: number[] = []
  /** Details by their text: one per list, scope, type and reason (most runs have a handful). */
  private readonly known = new Map<string, number>()
  private readonly table: Detail[] = []
  /** Rows by list and value while the plan is made (two members that share a value are one). */
  private rows: Map<string, Map<ValueKey, number>> | undefined = new Map()

  get length(): number {
    return this.values.length
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
    ofList.set(value, this.values.length)
    this.values.push(value)
    this.owners.push(want.owner)
    this.details.push(this.detail(want))
  }

  /** The plan is made: the lookup by value is let go. */
  seal(): this {
    this.rows = undefined
    return this
  }

  at(index: number): Want | undefined {
    const key = this.values[index]
    const detail = this.table[this.details[index] ?? -1]
    if (key === undefined || detail === undefined) return undefined
    const { list, scope, type, reason } = detail
    return { list, value: unpackValue(key), scope, owner: this.owners[index] ?? 0, type, reason }
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
