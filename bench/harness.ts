/**
 * Shared shape of benchmark results. Each suite in bench/suites/ runs in its own process
 * (so its peak RSS is its own) and reports through `report()`; bench/run.ts collects them.
 */

export interface BenchResult {
  suite: string
  case: string
  objects: number
  seconds: number
  requests: number
  /** Peak resident set of the process that did the work, in MiB. */
  peakRssMb: number
  target?: string
  note?: string
}

/** What a suite reported: its results, and whether it measured only some of its cases. */
export interface BenchReport {
  results: BenchResult[]
  /**
   * The suite ran a subset of its cases (picked by its env vars): the runner replaces the rows
   * it measured and keeps the suite's other rows. A full run replaces all of the suite's rows.
   */
  partial: boolean
}

const MARKER = 'BENCH_RESULTS '

/** Peak RSS of this process so far, in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** Print results for the runner; the suite's other output stays free-form. */
export function report(results: BenchResult[], opts: { partial?: boolean } = {}): void {
  const payload: BenchReport = { results, partial: opts.partial === true }
  process.stdout.write(`${MARKER}${JSON.stringify(payload)}\n`)
}

/** The report on a suite's stdout; a bare array (the older form) is a full run. */
export function parseReport(stdout: string): BenchReport {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER))
  if (line === undefined) return { results: [], partial: false }
  const parsed = JSON.parse(line.slice(MARKER.length)) as BenchResult[] | BenchReport
  return Array.isArray(parsed) ? { results: parsed, partial: false } : parsed
}

const rowKey = (r: Pick<BenchResult, 'suite' | 'case'>): string => `${r.suite}\u0000${r.case}`

/**
 * A partial run's rows merged into the suite's earlier ones, by suite and case: a measured row
 * replaces its earlier self in place, a new row goes after the row this run measured before it
 * (or at the end), and every row this run did not measure is kept as it was.
 */
export function mergeResults<T extends BenchResult>(
  previous: readonly T[],
  fresh: readonly T[],
): T[] {
  const merged = [...previous]
  let after = -1
  for (const row of fresh) {
    const at = merged.findIndex((r) => rowKey(r) === rowKey(row))
    if (at >= 0) {
      merged[at] = row
      after = at
    } else {
      after = after < 0 ? merged.length : after + 1
      merged.splice(after, 0, row)
    }
  }
  return merged
}

/** Time an async function; returns its value and the elapsed seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
