/** A progress bar on long work, only when stderr is a terminal (cron runs rely on log lines). */
import cliProgress from 'cli-progress'

export interface Progress {
  update(done: number, total: number | undefined): void
  stop(): void
}

export function createProgress(label: string, enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined }
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
