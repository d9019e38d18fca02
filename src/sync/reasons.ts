/**
 * Per-object reasons (an indicator skipped, refused, rejected) logged once per run and reason, as
 * a count with a few examples, instead of a line per object: a 20,000-indicator collection with
 * 2,866 skips wrote 2,866 lines every run. The summary counts them all, and the audit
 * trail (src/audit/trail.ts) still records each refusal on its own.
 */
import type { Logger } from '../log/logger.js'

/** Examples kept per reason: enough to find the objects, few enough to stay one line. */
export const EXAMPLES_PER_REASON = 5

interface Tally {
  count: number
  examples: object[]
}

export class ReasonLog {
  private readonly tallies = new Map<string, Tally>()

  /**
   * @param message what happened to each object, e.g. `indicator skipped`; a line reads
   *   `<message>: <reason>`.
   */
  constructor(
    private readonly message: string,
    private readonly level: 'info' | 'warn' = 'info',
  ) {}

  add(reason: string, example: object): void {
    let tally = this.tallies.get(reason)
    if (tally === undefined) this.tallies.set(reason, (tally = { count: 0, examples: [] }))
    tally.count++
    if (tally.examples.length < EXAMPLES_PER_REASON) tally.examples.push(example)
  }

  /** One line per reason, then forgets them: called at the end of the phase that added them. */
  flush(logger: Logger): void {
    for (const [reason, { count, examples }] of this.tallies)
      logger[this.level]({ reason, count, examples }, `${this.message}: ${reason}`)
    this.tallies.clear()
  }
}
