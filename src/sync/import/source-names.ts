/**
 * How the aggregating import (syslog-run.ts) names its source in its log lines and summary notes:
 * the lines of `syslog_file`, or EDM's threat records. Keyed by the checkpoint slot, which says
 * which source a run reads.
 */

/** Which slot of the saved state a source's checkpoint goes in. */
export type CheckpointSlot = 'checkpoint' | 'edmCheckpoint'

export interface SourceText {
  /** "<name> import finished". */
  name: string
  /** The log line for one item skipped as unreadable. */
  skipped: string
  /** The summary note for more unreadable items than are logged one by one. */
  unread: (count: number, logged: number) => string
}

export const SOURCE_TEXT: Readonly<Record<CheckpointSlot, SourceText>> = {
  checkpoint: {
    name: 'syslog',
    skipped: 'skipped a line that is not a notification this connector reads',
    unread: (count, logged) =>
      `${String(count)} syslog lines were not notifications this connector reads (the first ${String(logged)} are in the log)`,
  },
  edmCheckpoint: {
    name: 'EDM',
    skipped: 'skipped an EDM threat record this connector cannot read',
    unread: (count, logged) =>
      `${String(count)} EDM threat records could not be read (the first ${String(logged)} are in the log)`,
  },
}
