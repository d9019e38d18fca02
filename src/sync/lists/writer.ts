/**
 * Where a list delivery's writes go, chosen once by the caller (src/cli/directions.ts): to AED
 * (`liveListWriter`), or, for a dry run, to the dry-run file (`RecordingListWriter`), which answers
 * each add as AED does when it stores every value. The delivery itself never asks which one it has:
 * lookups read AED either way, and what a dry run learns stays in its read-only ledger.
 */
import {
  addBody,
  type AedList,
  type ListCalls,
  type ListEntry,
  removeQuery,
  type Scope,
  type WriteRefusal,
} from '../../aed/lists.js'
import type { DryRunOutput } from '../output.js'

/** A write the dry run lists instead of making. */
export interface RestCall {
  method: 'POST' | 'DELETE'
  path: string
  query?: Record<string, string>
  body?: Record<string, unknown>
}

/** A member the policy refused, as the dry-run file lists it. */
export interface ListRefusal {
  id: number
  value: string
  reason: string
}

export type AddAnswer = { ok: true; entries: ListEntry[] } | { ok: false; refusal: WriteRefusal }

export interface ListWriter {
  /** A dry run's writer: AED is not written, so neither is the ledger. */
  readonly readOnly: boolean
  /** Removes values of one list (in these scopes); throws as the HTTP layer does. */
  remove(list: AedList, values: readonly string[], scope: Scope | undefined): Promise<void>
  /** Adds values with their annotations: what AED stored, or why it refused the request. */
  add(
    list: AedList,
    values: readonly string[],
    annotations: readonly string[],
    scope: Scope | undefined,
  ): Promise<AddAnswer>
  /** A member the policy refused (the dry-run file lists them; AED is not told). */
  refused(refusal: ListRefusal): void
  /** Everything is sent: what the writer keeps is complete. */
  finish(): Promise<void>
}

/** Writes to AED's lists. */
export function liveListWriter(lists: ListCalls): ListWriter {
  return {
    readOnly: false,
    remove: (list, values, scope) => lists.remove(list, values, scope),
    add: (list, values, annotations, scope) => lists.add(list, values, annotations, scope),
    refused: () => undefined,
    finish: () => Promise.resolve(),
  }
}

/** What AED answers an add that stored every value as sent, each under its own annotation. */
export function storedAsSent(
  values: readonly string[],
  annotations: readonly string[],
  scope: Scope | undefined,
): ListEntry[] {
  const pgids = scope === undefined ? [] : scope.split(',').map(Number)
  return values.map((value, i) => ({
    value,
    annotations: [annotations[i] ?? ''],
    pgids: [...pgids],
    cids: [],
  }))
}

/**
 * The dry run's writer: each write becomes a RestCall of the `lists` section of the dry-run file
 * (`calls`, then `refusals`), streamed as it comes, and succeeds. `output` undefined: nothing is
 * kept (a dry run without --output).
 */
export class RecordingListWriter implements ListWriter {
  readonly readOnly = true
  private readonly refusals: ListRefusal[] = []
  /** The file's writes, one after the other: concurrent requests record at once. */
  private queue: Promise<void> = Promise.resolve()
  private begun = false

  constructor(
    private readonly lists: Pick<ListCalls, 'path'>,
    private readonly output: DryRunOutput | undefined,
  ) {}

  async remove(list: AedList, values: readonly string[], scope: Scope | undefined): Promise<void> {
    await this.record({
      method: 'DELETE',
      path: await this.lists.path(list),
      query: removeQuery(list, values, scope),
    })
  }

  async add(
    list: AedList,
    values: readonly string[],
    annotations: readonly string[],
    scope: Scope | undefined,
  ): Promise<AddAnswer> {
    await this.record({
      method: 'POST',
      path: await this.lists.path(list),
      body: addBody(list, values, annotations, scope),
    })
    return { ok: true, entries: storedAsSent(values, annotations, scope) }
  }

  refused(refusal: ListRefusal): void {
    if (this.output !== undefined) this.refusals.push(refusal)
  }

  async finish(): Promise<void> {
    const output = this.output
    if (output === undefined) return
    await this.then(async () => {
      await this.begin(output)
      await output.beginList('refusals')
      for (const r of this.refusals) await output.item(r)
    })
  }

  private record(call: RestCall): Promise<void> {
    const output = this.output
    if (output === undefined) return Promise.resolve()
    return this.then(async () => {
      await this.begin(output)
      await output.item(call)
    })
  }

  private async begin(output: DryRunOutput): Promise<void> {
    if (this.begun) return
    this.begun = true
    await output.beginSection('lists')
    await output.beginList('calls')
  }

  private then(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step)
    return this.queue
  }
}
