/**
 * The one abort signal of a run: its deadline (`timeouts.run_minutes`) or SIGINT/SIGTERM (bin.ts
 * passes them in as CommandIo.interrupt). Every HTTP client, back-off sleep and status poll of the
 * run takes it; its reason, a RunStopped, is what the run ends with. What AED acknowledged before
 * it is committed as after any other failure, and the lock is released on the way out.
 */
import { EXIT, RunStopped } from '../errors.js'

/**
 * Below an hourly cron interval, the most common: a run held by a slow or hostile server ends
 * (and frees the lock) before the next one starts, so syncing never stops silently behind it.
 */
export const DEFAULT_RUN_MINUTES = 55

const KEPT = 'what AED acknowledged is kept and the next run resumes'

export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The reason a signal gives the run: exit 130 for SIGINT, 143 for SIGTERM (README "Exit codes"). */
export function interrupted(signal: StopSignal): RunStopped {
  return new RunStopped(
    signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated,
    `interrupted by ${signal}; ${KEPT}`,
  )
}

/** The reason the deadline gives the run: exit 1, naming the setting and where it came from. */
export function pastDeadline(minutes: number, configured: boolean, configFile: string): RunStopped {
  const source = configured ? `from ${configFile}` : `the default; set it in ${configFile}`
  return new RunStopped(
    EXIT.failed,
    `the run stopped at its deadline (timeouts.run_minutes: ${String(minutes)}, ${source}); ${KEPT}`,
    { option: 'timeouts.run_minutes', file: configFile },
  )
}

export interface RunSignal {
  readonly signal: AbortSignal
  /** Stops the deadline's timer and lets go of the interrupt: call it when the run ends. */
  dispose(): void
}

/** Starts the run's deadline now; `interrupt` (a signal from outside) aborts it too. */
export function startRunSignal(options: {
  deadlineMs: number
  deadline: () => RunStopped
  interrupt?: AbortSignal | undefined
}): RunSignal {
  const controller = new AbortController()
  const { interrupt } = options
  const onInterrupt = () => {
    controller.abort(interrupt?.reason)
  }
  // unref: a finished run never waits for its deadline.
  const timer = setTimeout(() => {
    controller.abort(options.deadline())
  }, options.deadlineMs).unref()
  if (interrupt?.aborted === true) onInterrupt()
  else interrupt?.addEventListener('abort', onInterrupt, { once: true })
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer)
      interrupt?.removeEventListener('abort', onInterrupt)
    },
  }
}

/** Ctrl-C at a first-run prompt: @inquirer's ExitPromptError (the terminal is raw, no signal). */
export function isPromptExit(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError'
}
