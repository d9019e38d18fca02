/**
 * Exit codes (DESIGN §2.1) and the one error that carries one out of a command. Only the process
 * boundary (src/cli/bin.ts) turns it into an exit.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  rejected: 3,
  notEnabled: 4,
  locked: 5,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export class ExitError extends Error {
  override readonly name = 'ExitError'
  constructor(
    readonly code: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A configuration or usage problem: what is wrong, where, and how to fix it. Exit 2. */
export class ConfigError extends ExitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(EXIT.usage, message, options)
  }
}
