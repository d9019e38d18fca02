/**
 * Keeps the process's memory flat on long exports. V8 lets the old generation grow to four or five
 * times the live heap before it collects: at a million indicators the heap reached 190 MB over
 * 30–45 MB of live objects, and peak RSS 305–322 MB. A cron line starts `node <bin>` without heap
 * flags, so the connector collects itself when the heap passes a budget (docs/performance.md).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface HeapBudgetOptions {
  /** Collect when the used heap passes this many bytes … */
  bytes: number
  /** … checked this often. */
  everyMs: number
  /**
   * Memory outside the heap counts against the budget past this many bytes: ArrayBuffers (the
   * export ledger's tables, 20–30 MiB at a million entries, and the request and page buffers in
   * flight) are resident too, and only the heap's garbage can make room for them.
   */
  externalAllowance?: number
  /** Test seams: the used heap size, the memory outside it, and a full collection. */
  usedHeap?: () => number
  external?: () => number
  collect?: () => void
}

/**
 * The default: twice the live heap of a 1M export, well under a 256 MB process; the external
 * memory of a 100k export (7–14 MiB) is within the allowance, a 1M export's tables are not.
 */
export const HEAP_BUDGET: HeapBudgetOptions = {
  bytes: 96 * 2 ** 20,
  everyMs: 50,
  externalAllowance: 16 * 2 ** 20,
}

/** Node's own full collection, made reachable without the `--expose-gc` command-line flag. */
export function fullCollection(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/**
 * Starts watching; returns the stop function. External memory past its allowance lowers the
 * point at which the heap is collected, but never to less than a third of the budget above what
 * was live after the last collection, so each collection frees at least that much. When what is
 * live after a collection is itself more than half the budget, the budget grows to twice what is
 * live, so a run that needs more memory is not collected over and over. Not to the next doubling:
 * a 1M lists delivery with ~75 MiB live then let its heap reach 192 MiB (docs/performance.md).
 */
export function startHeapBudget(options: HeapBudgetOptions): () => void {
  const { usedHeap, external } = options
  // A fake heap without fake external memory: the test process's own does not count.
  const read =
    usedHeap === undefined
      ? (): { heap: number; outside: number } => {
          const stats = getHeapStatistics()
          return { heap: stats.used_heap_size, outside: stats.external_memory }
        }
      : () => ({ heap: usedHeap(), outside: external?.() ?? 0 })
  const allowance = options.externalAllowance ?? 0
  let collect = options.collect
  let budget = options.bytes
  let live = 0
  const timer = setInterval(() => {
    const { heap, outside } = read()
    const over = Math.max(0, outside - allowance)
    if (heap <= Math.max(budget - over, live + budget / 3)) return
    collect ??= fullCollection()
    collect()
    live = read().heap
    budget = Math.max(budget, 2 * live)
  }, options.everyMs)
  // Never the reason the process stays up.
  timer.unref()
  return () => {
    clearInterval(timer)
  }
}
