/**
 * Exit codes (README.md, "Exit codes") and the one error that carries one out of a command. Only
 * the process boundary (src/cli/bin.ts) turns it into an exit.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  rejected: 3,
  notEnabled: 4,
  locked: 5,
  /** SIGINT (128 + 2, as a shell reports it). */
  interrupted: 130,
  /** SIGTERM (128 + 15). */
  terminated: 143,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** What an expected failure concerns, for its log line: a command-line option or a file. */
export interface ErrorConcerns {
  /** A command-line flag (`--cron`) or an option key (`relationship_depth`); several: `a, b`. */
  option?: string | undefined
  /** A file the user can open and fix. */
  file?: string | undefined
}

export class ExitError extends Error {
  override readonly name: string = 'ExitError'
  readonly option: string | undefined
  readonly file: string | undefined
  constructor(
    readonly code: ExitCode,
    message: string,
    options?: { cause?: unknown } & ErrorConcerns,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.option = options?.option
    this.file = options?.file
  }
}

/** A configuration or usage problem: what is wrong, where, and how to fix it. Exit 2. */
export class ConfigError extends ExitError {
  override readonly name: string = 'ConfigError'
  constructor(message: string, options?: { cause?: unknown } & ErrorConcerns) {
    super(EXIT.usage, message, options)
  }
}

/**
 * The run was told to stop from outside: its deadline passed (exit 1) or a signal came (130, 143).
 * The reason of the run's abort signal (src/cli/run-signal.ts), so every layer that honours the
 * signal rethrows it as it is: never retried, never mistaken for a remote failure.
 */
export class RunStopped extends ExitError {
  override readonly name: string = 'RunStopped'
}

/** Exits 2–5 and a stopped run: ended the way the documentation describes, not with a bug. */
export function isExpectedFailure(error: unknown): error is ExitError {
  return error instanceof ExitError && (error.code !== EXIT.failed || error instanceof RunStopped)
}
