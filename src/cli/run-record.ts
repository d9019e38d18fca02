/**
 * `<name>.runs.json` (0600, written atomically): the last run of an instance and its last
 * successful one, for --status and for whoever watches a cron job. Written once, at the end of
 * every run of a configured instance, whatever its outcome. Not written by --check and --status
 * (not runs), nor by a run that found no config file (a first run, a mistyped -c: nothing is
 * left behind where no instance is), nor into a config directory others could write to.
 */
import { z } from 'zod'
import { lstat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { checkPrivateDir, readPrivateText, writePrivateFile } from '../fs/secure-file.js'
import { EXIT, ExitError, type ExitCode } from '../errors.js'
import type { Logger } from '../log/logger.js'
import type { Secrets } from '../log/secrets.js'

const runSchema = z.object({
  started_at: z.iso.datetime(),
  ended_at: z.iso.datetime(),
  exit_code: z.number().int(),
  /** One line: what the exit code means, or the error that ended the run. */
  outcome: z.string(),
  dry_run: z.boolean(),
})

const runsSchema = z.object({
  format_version: z.literal(1),
  last: runSchema,
  /** The last run that finished its work (exit 0, or 3: done, some objects rejected). */
  last_success: runSchema.optional(),
  /**
   * The `metrics_dir` option as the last run that read the options saw it: a run that fails
   * before it can read them (ThreatQ unreachable) still writes its metrics there.
   */
  metrics_dir: z.string().optional(),
})

export type RunEntry = z.infer<typeof runSchema>
export type Runs = z.infer<typeof runsSchema>

/** Exit codes of a run that did its work: ok, or finished with rejected objects. */
export const SUCCESS_CODES: readonly number[] = [EXIT.ok, EXIT.rejected]

const OUTCOMES: Record<number, string> = {
  [EXIT.ok]: 'ok',
  [EXIT.rejected]: 'finished, some objects were rejected',
  [EXIT.notEnabled]: 'not enabled or not configured in ThreatQ',
  [EXIT.locked]: 'another run of this instance held the lock',
}

/** The one-line outcome of a run that returned `code` or threw `error`. */
export function outcomeOf(code: number, error?: unknown): string {
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : JSON.stringify(error)
    return message.split('\n')[0]?.trim() ?? ''
  }
  return OUTCOMES[code] ?? `exit ${String(code)}`
}

/** The runs file, or undefined when there is none; a malformed one is a problem to report. */
export async function readRuns(path: string): Promise<Runs | undefined> {
  const text = await readPrivateText(path)
  if (text === undefined) return undefined
  const parsed = runsSchema.safeParse(JSON.parse(text))
  if (!parsed.success)
    throw new Error(`${path} is not a run record this connector understands; delete it`)
  return parsed.data
}

/**
 * The record after `entry`: it is the last run, and the last success when it succeeded.
 * `metricsDir`: null when the run read the options and metrics_dir was not set, undefined when
 * it did not get that far (the previous record's is kept).
 */
export function nextRuns(
  previous: Runs | undefined,
  entry: RunEntry,
  metricsDir?: string | null,
): Runs {
  const success = !entry.dry_run && SUCCESS_CODES.includes(entry.exit_code)
  const last_success = success ? entry : previous?.last_success
  const metrics_dir = metricsDir === undefined ? previous?.metrics_dir : (metricsDir ?? undefined)
  return {
    format_version: 1,
    last: entry,
    ...(last_success === undefined ? {} : { last_success }),
    ...(metrics_dir === undefined ? {} : { metrics_dir }),
  }
}

export interface RecordContext {
  /** `<name>.runs.json`. */
  path: string
  /** `<name>.yaml`: the run is recorded when it existed as the run started. */
  configFile: string
  /** --check, --status: not runs, nothing recorded. */
  readOnly: boolean
  dryRun: boolean
  now: () => Date
  secrets: Secrets
  logger: Logger
  /** The metrics_dir option once the run read it (nextRuns). */
  metricsDir?: () => string | null | undefined
  /** Called with the record once it is written (the metrics file); its failure is logged. */
  afterRecord?: (runs: Runs) => Promise<void>
}

/**
 * Runs `run` and records how it ended, then returns its code or rethrows its error. A record
 * that cannot be written (no config directory yet, a planted link) is logged, never the run's
 * failure.
 */
export async function recordingRun(
  ctx: RecordContext,
  run: () => Promise<ExitCode>,
): Promise<ExitCode> {
  if (ctx.readOnly || !(await exists(ctx.configFile))) return await run()
  const started = ctx.now()
  let code: ExitCode = EXIT.failed
  let failure: unknown
  try {
    code = await run()
    return code
  } catch (error) {
    failure = error
    code = error instanceof ExitError ? error.code : EXIT.failed
    throw error
  } finally {
    const entry: RunEntry = {
      started_at: started.toISOString(),
      ended_at: ctx.now().toISOString(),
      exit_code: code,
      outcome: ctx.secrets.scrub(outcomeOf(code, failure)),
      dry_run: ctx.dryRun,
    }
    const runs = await writeRuns(ctx.path, entry, ctx.metricsDir?.()).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        ctx.logger.warn({ err: error, file: ctx.path }, 'could not record the run')
    })
    if (runs !== undefined && ctx.afterRecord !== undefined)
      await ctx.afterRecord(runs).catch((error: unknown) => {
        ctx.logger.warn({ err: error }, "could not write the run's metrics")
      })
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

async function writeRuns(
  path: string,
  entry: RunEntry,
  metricsDir: string | null | undefined,
): Promise<Runs> {
  // The run may have failed on this very check: then nothing is written there.
  await checkPrivateDir(dirname(path), '--config')
  // A record this version cannot read is replaced: it only ever describes past runs.
  const previous = await readRuns(path).catch(() => undefined)
  const runs = nextRuns(previous, entry, metricsDir)
  await writePrivateFile(path, `${JSON.stringify(runs, null, 2)}\n`)
  return runs
}
