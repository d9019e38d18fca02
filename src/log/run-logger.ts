/**
 * The run's logger, pino-backed: JSON lines in `<dir>/<name>.log`, or on the console (`-ll stdout`).
 *
 * Which stream carries what (README, "Output"): stdout is for what a person or a script reads as
 * the run's result — the notices and the summary. With `-ll stdout` and stdout a terminal, the
 * log is readable lines on stdout beside them; when stdout is not a terminal (cron, Kubernetes, a
 * pipe) the log is JSON lines on **stderr**, so stdout never mixes JSON lines with the summary.
 *
 * Every line carries the run id and is scrubbed of registered secrets. An expected failure
 * (exit 2–5) is logged without a stack: its type, message, code and the option or file it
 * concerns. Stacks are for unexpected errors (exit 1) and for `-v 3`.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pino, stdSerializers, type DestinationStream, type Logger as PinoLogger } from 'pino'
import type Pretty from 'pino-pretty'
import { appendPrivateSync } from '../fs/secure-file.js'
import { ConfigError, isExpectedFailure } from '../errors.js'
import type { Secrets } from './secrets.js'

// The bundles (scripts/bundle.mjs) turn this into a bundled require: nothing is loaded from
// node_modules at run time.
const require = createRequire(import.meta.url)

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const

export interface LoggerOptions {
  verbosity: 0 | 1 | 2 | 3
  /** A directory, or 'stdout' (the console). */
  location: string
  instance: string
  runId: string
  secrets: Secrets
  /** Whether stdout is a terminal (readable lines on stdout instead of JSON on stderr). */
  tty: boolean
}

function scrubbing(secrets: Secrets, target: DestinationStream): DestinationStream {
  return {
    write: (line: string) => {
      target.write(secrets.scrub(line))
    },
  }
}

/** An expected failure as its log line shows it: what, of which type, about what; no stack. */
export interface ExpectedFailureLog {
  type: string
  message: string
  code: number
  option?: string
  file?: string
}

/**
 * The `err` serializer: expected failures (exit 2–5) without stack or cause chain, unless `-v 3`;
 * anything else (exit 1: a bug or a remote failure) with pino's full record, stack included.
 */
export function errorSerializer(
  verbosity: LoggerOptions['verbosity'],
): (error: unknown) => unknown {
  return (error: unknown) => {
    if (!isExpectedFailure(error)) return error instanceof Error ? stdSerializers.err(error) : error
    if (verbosity >= 3) return { ...stdSerializers.err(error), code: error.code }
    const line: ExpectedFailureLog = { type: error.name, message: error.message, code: error.code }
    if (error.option !== undefined) line.option = error.option
    const file = error.file ?? causePath(error.cause)
    if (file !== undefined) line.file = file
    return line
  }
}

/** The file a system error was about (ENOENT, EACCES …), when an error was caused by one. */
function causePath(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null || !('path' in cause)) return undefined
  return typeof cause.path === 'string' ? cause.path : undefined
}

/**
 * The log file's descriptor, opened here rather than by pino: a symlink, hard link or another
 * user's file planted at the log's name is refused instead of having log lines appended to it
 * (docs/reliability.md, "Hostile input"). A directory that cannot be made or written is a
 * configuration error (exit 2).
 */
function openLogFile(dir: string, file: string): number {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    return appendPrivateSync(file)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(
      `-ll/--loglocation ${dir}: cannot open the log file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): make the directory writable for this user, or give -ll another directory`,
      { cause: error, option: '-ll/--loglocation', file },
    )
  }
}

/**
 * Times on the terminal: ISO-8601 in the local zone with its offset (`2026-12-08T02:20:00.000+01:00`),
 * as pino-pretty's dateformat writes it; JSON lines carry pino's ISO-8601 UTC time.
 */
const CONSOLE_TIME = "SYS:yyyy-mm-dd'T'HH:MM:ss.lp"

export interface RunLogger {
  logger: PinoLogger
  /** `<dir>/<name>.log`; undefined for the console. */
  file: string | undefined
  /**
   * For the run's first and last lines (src/cli/run-lines.ts): info, yet written at the default
   * verbosity too when the log is a file, so every run leaves where it began and how it ended.
   * On the console they follow -v: the summary is printed there anyway. `-v 0` keeps errors only.
   */
  milestones: PinoLogger
}

export function createLogger(options: LoggerOptions): RunLogger {
  let target: DestinationStream
  let file: string | undefined
  if (options.location === 'stdout') {
    // pino-pretty is loaded only for a terminal: cron runs do not pay for it at start-up.
    target = options.tty
      ? (require('pino-pretty') as typeof Pretty)({
          destination: 1,
          sync: true,
          colorize: true,
          translateTime: CONSOLE_TIME,
        })
      : pino.destination({ dest: 2, sync: true })
  } else {
    file = join(options.location, `${options.instance}.log`)
    target = pino.destination({ dest: openLogFile(options.location, file), sync: true })
  }
  const logger = pino(
    {
      level: LEVELS[options.verbosity],
      base: { run: options.runId, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: errorSerializer(options.verbosity) },
    },
    scrubbing(options.secrets, target),
  )
  const milestones =
    file !== undefined && options.verbosity === 1 ? logger.child({}, { level: 'info' }) : logger
  return { logger, file, milestones }
}
