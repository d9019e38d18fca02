/** What a command may touch of its process: environment, terminal, clock. bin.ts provides it. */
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
}
