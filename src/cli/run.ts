/**
 * One run of the command, built once by runConnector (connector.ts) and handed down whole: what
 * the command line asked, the process around it, and what the run collects as it goes.
 */
import type { InstancePaths } from '../config/instance.js'
import type { Logger } from '../log/logger.js'
import type { Secrets } from '../log/secrets.js'
import type { CliArgs } from './args.js'
import type { CommandIo } from './io.js'
import type { RunFacts } from './metrics.js'

export interface Run {
  readonly args: CliArgs
  readonly io: CommandIo
  /** Every value the run's output and log lines are scrubbed of; the run adds what it learns. */
  readonly secrets: Secrets
  readonly logger: Logger
  /** What the run learns for its metrics and audit trail (metrics.ts). */
  readonly facts: RunFacts
  /** The instance's files; `paths.name` is the instance. */
  readonly paths: InstancePaths
}
