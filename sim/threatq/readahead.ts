/**
 * Read-ahead for cursor paging. A client following a cursor asks for page n+1 as soon as it has
 * parsed page n; rendering n+1 while it parses (once page n is on its way) overlaps the two, so
 * the simulator's rendering time stops adding to the client's. A page rendered ahead is served
 * only if the store has not changed since it was rendered — then it is byte for byte what
 * rendering at request time would give (the ids come from the cursor's snapshot either way).
 */
import type { Store } from './store.js'

/** [SIM] Pages kept rendered ahead (one per cursor being followed; oldest dropped first). */
export const MAX_READ_AHEAD = 4

interface Rendered {
  store: Store
  version: number
  body: Buffer<ArrayBuffer>
}

export class ReadAhead {
  private readonly pages = new Map<string, Rendered>()

  /** The page rendered ahead under `key`, if the store is the same and unchanged since. */
  take(key: string, store: Store): Buffer<ArrayBuffer> | undefined {
    const hit = this.pages.get(key)
    if (hit === undefined) return undefined
    this.pages.delete(key)
    return hit.store === store && hit.version === store.version ? hit.body : undefined
  }

  /** Renders a page under `key` after the current response has been handed to the socket. */
  schedule(key: string, store: Store, render: () => Buffer<ArrayBuffer> | undefined): void {
    setImmediate(() => {
      const version = store.version
      const body = render()
      if (body === undefined) return
      this.pages.set(key, { store, version, body })
      for (const oldest of this.pages.keys()) {
        if (this.pages.size <= MAX_READ_AHEAD) break
        this.pages.delete(oldest)
      }
    })
  }

  clear(): void {
    this.pages.clear()
  }
}
