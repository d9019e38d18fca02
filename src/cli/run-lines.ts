/**
 * The run's first and last log lines (README "Output"): a log file at the default verbosity gets where
 * a run began (version, directions, dry run) and how it ended (exit code, duration, the summary's
 * figures per direction), a failing or interrupted run too. The run id is on every line already.
 */
import { EXIT, ExitError, type ExitCode } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { RunSummary } from '../sync/summary.js'
import { BUILD, type BuildInfo } from '../version.js'
import type { CliArgs } from './args.js'
import { isPromptExit } from './run-signal.js'

const RUN_STARTED = 'run started'
const RUN_ENDED = 'run ended'

/** The exit code an error ends the run with, as main.ts reports it. */
export function exitCodeOf(error: unknown): ExitCode {
  if (isPromptExit(error)) return EXIT.interrupted
  return error instanceof ExitError ? error.code : EXIT.failed
}

export function logRunStart(
  logger: Logger,
  args: Pick<CliArgs, 'import' | 'export' | 'dry_run' | 'full'>,
  build: BuildInfo = BUILD,
): void {
  const directions = [
    ...(args.import || !args.export ? ['import'] : []),
    ...(args.export || !args.import ? ['export'] : []),
  ]
  logger.info(
    {
      version: build.version,
      commit: build.commit,
      directions,
      dry_run: args.dry_run,
      full: args.full,
    },
    RUN_STARTED,
  )
}

export interface RunEnd {
  exit: number
  started: Date
  ended: Date
  dryRun: boolean
  /** What each direction that finished did (RunFacts.summaries): its figures, as printed. */
  summaries: readonly RunSummary[]
}

export function logRunEnd(logger: Logger, end: RunEnd): void {
  logger.info(
    {
      exit: end.exit,
      duration_ms: end.ended.getTime() - end.started.getTime(),
      dry_run: end.dryRun,
      // Keyed by direction (import, export, lists); the counters serialise as objects per kind.
      summary: Object.fromEntries(end.summaries.map((s) => [s.direction, s])),
    },
    RUN_ENDED,
  )
}
