/**
 * <name>.state.json: tokens, checkpoints and last-run facts. Written atomically with mode 0600;
 * checkpoints only move after the data before them is committed.
 */
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { threatqTokenSchema } from '../threatq/auth.js'
import { LATEST_EPOCH_SECONDS } from '../utc.js'
import { readPrivateText, writePrivateFile } from '../fs/secure-file.js'

/** One run that took something back, for the mass guard's window (src/sync/mass-guard.ts). */
const revocationSchema = z.object({
  at: z.iso.datetime(),
  held: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
})
// More than the guard ever keeps (it merges past MAX_RECORDS): a longer list is not ours.
const revocationsSchema = z.array(revocationSchema).max(1000).optional()

const runSchema = z.object({
  at: z.string(),
  fetched: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
})

export const stateSchema = z.object({
  format_version: z.literal(1).default(1),
  threatq_token: threatqTokenSchema.optional(),
  export: z
    .object({
      // The checkpoint of versions before the ledger: read so their state files stay valid, and
      // dropped on the next write (the ledger knows more).
      updated_since: z.iso.datetime().optional(),
      ids_at_checkpoint: z.array(z.number().int()).optional(),
      /** What the last saved export ledger held: a missing ledger file is then known lost. */
      ledger: z
        .object({
          objects: z.number().int().nonnegative(),
          relationships: z.number().int().nonnegative(),
          /** Its id scope (src/sync/export/id-scope.ts); absent before scopes: shared. */
          ids: z.string().optional(),
          saved_at: z.iso.datetime(),
        })
        .optional(),
      last_run: runSchema.optional(),
      /** The mass guard's window: the recent runs that revoked something. */
      revocations: revocationsSchema,
    })
    .default({}),
  /** The export delivered to AED's lists over REST (delivery rest or both). */
  lists: z
    .object({
      /** Entries the last saved lists ledger held: a missing ledger file is then known lost. */
      ledger: z
        .object({ entries: z.number().int().nonnegative(), saved_at: z.iso.datetime() })
        .optional(),
      last_run: runSchema.optional(),
      /** The mass guard's window: the recent runs that removed something. */
      revocations: revocationsSchema,
    })
    .default({}),
  import: z
    .object({
      /** AED alert time (epoch seconds) up to which every alert has reached ThreatQ. */
      // A window end past the last 4-digit-year date would fail at its first use.
      until: z.number().int().min(0).max(LATEST_EPOCH_SECONDS).optional(),
      last_run: runSchema.optional(),
    })
    .default({}),
})

export type State = z.infer<typeof stateSchema>

export async function readState(path: string): Promise<State> {
  let text: string | undefined
  try {
    text = await readPrivateText(path)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      file: path,
    })
  }
  if (text === undefined) return stateSchema.parse({})
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid JSON (${(error as Error).message.replace(/\s*\n\s*/g, ' ')}); delete it to resync from scratch (tokens are fetched again)`,
      { cause: error, file: path },
    )
  }
  const parsed = stateSchema.safeParse(json)
  const issue = parsed.error?.issues[0]
  if (!parsed.success)
    throw new ConfigError(
      `${path} is not a state file this connector understands (${issue === undefined ? '' : `${issue.path.join('.') || '(root)'}: ${issue.message}`}); delete it to resync from scratch`,
      { file: path },
    )
  return parsed.data
}

export async function writeState(path: string, state: State): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(state, null, 2)}\n`)
}
