/** What a command may touch of its process: environment, terminal, clock. bin.ts provides it. */
import type { Secrets } from '../log/secrets.js'

export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>
  stdout(text: string): void
  stderr(text: string): void
  stdinIsTTY: boolean
  stdoutIsTTY: boolean
  stderrIsTTY: boolean
  now(): Date
  /** For the cron line: the node binary and this program. */
  execPath: string
  binPath: string
  /**
   * Aborted by SIGINT or SIGTERM (bin.ts), its reason a RunStopped (run-signal.ts `interrupted`):
   * the run ends cleanly on it. Absent where nothing can interrupt (tests).
   */
  interrupt?: AbortSignal
}

/** `io` with everything written to stdout and stderr passed through the run's secrets scrubber. */
export function scrubbedIo(io: CommandIo, secrets: Secrets): CommandIo {
  return {
    ...io,
    stdout: (text) => {
      io.stdout(secrets.scrub(text))
    },
    stderr: (text) => {
      io.stderr(secrets.scrub(text))
    },
  }
}
