/**
 * Result sets of Threat Library queries. A query is evaluated once: cursor paging keeps the
 * ordered ids in a session the cursor names, so each page is O(page) work; offset paging reuses
 * the last evaluation while the store is unchanged.
 */
import { validationError } from './errors.js'

interface ResultSet {
  key: string
  /** Typed, so a million ids cost 4 MB per cached set. */
  ids: Uint32Array
  version: number
}

/** [SIM] How many result sets stay cached (oldest evicted first). */
export const MAX_RESULT_SETS = 32

export interface Page {
  ids: Uint32Array
  total: number
  offset: number
  /** Session naming the result set (for cursors). */
  session: string
}

export class ResultSets {
  private readonly sets = new Map<string, ResultSet>()
  private readonly latestByKey = new Map<string, string>()
  private seq = 0

  /** Ids for `key` as of `version`: a cached evaluation when the store has not changed. */
  private open(
    key: string,
    version: number,
    compute: () => number[],
    fresh: boolean,
  ): [string, ResultSet] {
    if (!fresh) {
      const session = this.latestByKey.get(key)
      const set = session === undefined ? undefined : this.sets.get(session)
      if (session !== undefined && set !== undefined && set.version === version)
        return [session, set]
    }
    const session = `${String(++this.seq)}.${String(version)}`
    const set = { key, ids: Uint32Array.from(compute()), version }
    this.sets.set(session, set)
    this.latestByKey.set(key, session)
    while (this.sets.size > MAX_RESULT_SETS) {
      const oldest = this.sets.keys().next().value
      if (oldest === undefined) break
      const dropped = this.sets.get(oldest)
      this.sets.delete(oldest)
      if (dropped !== undefined && this.latestByKey.get(dropped.key) === oldest) {
        this.latestByKey.delete(dropped.key)
      }
    }
    return [session, set]
  }

  /**
   * Offset paging. `fresh` re-evaluates even when the store is unchanged: a query relative to
   * the clock (`NOW-1 day`) matches other objects as time passes.
   */
  page(
    key: string,
    version: number,
    compute: () => number[],
    offset: number,
    limit: number,
    fresh: boolean,
  ): Page {
    const [session, set] = this.open(key, version, compute, fresh)
    return { ids: set.ids.slice(offset, offset + limit), total: set.ids.length, offset, session }
  }

  /**
   * Cursor paging: `*` starts a snapshot — the last evaluation of the same query while the store
   * is unchanged (a snapshot never changes, so cursors can share it), else a new one; `fresh` as
   * for `page`. Any other mark continues its snapshot. A mark whose session is gone (evicted,
   * simulator restarted) is re-evaluated and continued at its offset.
   */
  cursor(
    key: string,
    version: number,
    compute: () => number[],
    mark: string,
    limit: number,
    fresh: boolean,
  ): Page {
    if (mark === '*') {
      const [session, set] = this.open(key, version, compute, fresh)
      return { ids: set.ids.slice(0, limit), total: set.ids.length, offset: 0, session }
    }
    const { session, offset } = decodeCursor(mark)
    let set = this.sets.get(session)
    let current = session
    if (set?.key !== key) [current, set] = this.open(key, version, compute, false)
    return {
      ids: set.ids.slice(offset, offset + limit),
      total: set.ids.length,
      offset,
      session: current,
    }
  }

  /** A page of an open cursor session, without evaluating anything; undefined once it is gone. */
  peek(session: string, offset: number, limit: number): Page | undefined {
    const set = this.sets.get(session)
    if (set === undefined) return undefined
    return { ids: set.ids.slice(offset, offset + limit), total: set.ids.length, offset, session }
  }

  clear(): void {
    this.sets.clear()
    this.latestByKey.clear()
  }
}

export function encodeCursor(session: string, offset: number): string {
  return Buffer.from(`${session}:${String(offset)}`).toString('base64url')
}

export function decodeCursor(mark: string): { session: string; offset: number } {
  const decoded = Buffer.from(mark, 'base64url').toString()
  const m = /^(\d+\.\d+):(\d+)$/.exec(decoded)
  if (m?.[1] === undefined || m[2] === undefined) {
    throw validationError('cursorMark', 'The cursor mark is invalid.')
  }
  return { session: m[1], offset: Number(m[2]) }
}
