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
  /** Test seams: the used heap size and a full collection. */
  usedHeap?: () => number
  collect?: () => void
}

/** The default: twice the live heap of a 1M export, well under a 256 MB process. */
export const HEAP_BUDGET: HeapBudgetOptions = { bytes: 96 * 2 ** 20, everyMs: 50 }

/** Node's own full collection, made reachable without the `--expose-gc` command-line flag. */
export function fullCollection(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/**
 * Starts watching; returns the stop function. When what is live after a collection is itself
 * more than half the budget, the budget doubles, so a run that needs more memory is not collected
 * over and over.
 */
export function startHeapBudget(options: HeapBudgetOptions): () => void {
  const usedHeap = options.usedHeap ?? (() => getHeapStatistics().used_heap_size)
  let collect = options.collect
  let budget = options.bytes
  const timer = setInterval(() => {
    if (usedHeap() <= budget) return
    collect ??= fullCollection()
    collect()
    while (usedHeap() > budget / 2) budget *= 2
  }, options.everyMs)
  // Never the reason the process stays up.
  timer.unref()
  return () => {
    clearInterval(timer)
  }
}
