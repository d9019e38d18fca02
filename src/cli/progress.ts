/** A progress bar on long work, only when stderr is a terminal (cron runs rely on log lines). */
import { createRequire } from 'node:module'
import type CliProgress from 'cli-progress'

const require = createRequire(import.meta.url)

export interface Progress {
  /** `total` undefined: not known (yet), and the bar shows only the count. */
  update(done: number, total: number | undefined): void
  stop(): void
}

const idle: Progress = { update: () => undefined, stop: () => undefined }

/**
 * `stream` is stderr but for tests; cli-progress draws nothing on a stream that is not a TTY.
 * No ETA: the totals here grow while a run reads (the delivery's is an estimate until the last
 * object is read, the import's is never known), so a time left would be a guess, and cli-progress
 * shows "N/A" or "∞" when it has none.
 */
export function createProgress(
  label: string,
  enabled: boolean,
  stream: NodeJS.WritableStream = process.stderr,
): Progress {
  if (!enabled) return idle
  // Loaded only for a terminal: cron runs do not pay for it at start-up.
  const cliProgress = require('cli-progress') as typeof CliProgress
  let known = false
  const bar = new cliProgress.SingleBar(
    {
      // Without a total, a bar would say nothing true (cli-progress draws value/0 as full).
      format: (options, params) =>
        known
          ? `${label} [${cliProgress.Format.BarFormat(params.progress, options)}] ${String(params.value)}/${String(params.total)}`
          : `${label} ${String(params.value)}`,
      // 0/0 is nothing done, not everything done.
      emptyOnZero: true,
      stream,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done, total) {
      if (total !== undefined) known = true
      if (!started) {
        bar.start(total ?? 0, done)
        started = true
      } else {
        if (total !== undefined) bar.setTotal(total)
        bar.update(done)
      }
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/** Two bars one after the other: reading (`<label>: scan`), then delivery to AED (`<label>: AED`). */
export interface PhasedProgress {
  read(done: number, total: number | undefined): void
  /** The first call ends the reading bar. */
  deliver(done: number, total: number): void
  stop(): void
}

export function readThenDeliver(
  label: string,
  enabled: boolean,
  stream: NodeJS.WritableStream = process.stderr,
): PhasedProgress {
  const scan = createProgress(`${label}: scan`, enabled, stream)
  let delivery: Progress | undefined
  return {
    read(done, total) {
      if (delivery === undefined) scan.update(done, total)
    },
    deliver(done, total) {
      if (delivery === undefined) {
        scan.stop()
        delivery = createProgress(`${label}: AED`, enabled, stream)
      }
      delivery.update(done, total)
    },
    stop() {
      scan.stop()
      delivery?.stop()
    },
  }
}
