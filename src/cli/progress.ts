/** A progress bar on long work, only when stderr is a terminal (cron runs rely on log lines). */
import { createRequire } from 'node:module'
import type CliProgress from 'cli-progress'

const require = createRequire(import.meta.url)

export interface Progress {
  update(done: number, total: number | undefined): void
  stop(): void
}

export function createProgress(label: string, enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined }
  // Loaded only for a terminal: cron runs do not pay for it at start-up.
  const cliProgress = require('cli-progress') as typeof CliProgress
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? done, done)
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
