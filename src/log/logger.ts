/**
 * The run's logger: JSON lines in `<dir>/<name>.log`, or on stdout (`-ll stdout`) — readable lines
 * when stdout is a terminal, JSON otherwise (cron, Kubernetes). Every line carries the run id, and
 * every line is scrubbed of registered secrets.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pino, type DestinationStream, type Logger } from 'pino'
import type Pretty from 'pino-pretty'
import type { Secrets } from './secrets.js'

export type { Logger }

const require = createRequire(import.meta.url)

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const

export interface LoggerOptions {
  verbosity: 0 | 1 | 2 | 3
  /** A directory, or 'stdout'. */
  location: string
  instance: string
  runId: string
  secrets: Secrets
  /** Whether stdout is a terminal (readable lines instead of JSON). */
  tty: boolean
}

function scrubbing(secrets: Secrets, target: DestinationStream): DestinationStream {
  return {
    write: (line: string) => {
      target.write(secrets.scrub(line))
    },
  }
}

export function createLogger(options: LoggerOptions): { logger: Logger; file: string | undefined } {
  let target: DestinationStream
  let file: string | undefined
  if (options.location === 'stdout') {
    // pino-pretty is loaded only for a terminal: cron runs do not pay for it at start-up.
    target = options.tty
      ? (require('pino-pretty') as typeof Pretty)({
          destination: 1,
          sync: true,
          colorize: true,
          translateTime: 'SYS:standard',
        })
      : pino.destination({ dest: 1, sync: true })
  } else {
    mkdirSync(options.location, { recursive: true })
    file = join(options.location, `${options.instance}.log`)
    target = pino.destination({ dest: file, sync: true, mode: 0o600 })
  }
  const logger = pino(
    {
      level: LEVELS[options.verbosity],
      base: { run: options.runId, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing(options.secrets, target),
  )
  return { logger, file }
}
