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

const MARKER = 'BENCH_RESULTS '

/** Peak RSS of this process so far, in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** Print results for the runner; the suite's other output stays free-form. */
export function report(results: BenchResult[]): void {
  process.stdout.write(`${MARKER}${JSON.stringify(results)}\n`)
}

export function parseReport(stdout: string): BenchResult[] {
  const line = stdout.split('\n').find((l) => l.startsWith(MARKER))
  if (line === undefined) return []
  return JSON.parse(line.slice(MARKER.length)) as BenchResult[]
}

/** Time an async function; returns its value and the elapsed seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
