/**
 * The protocol both ledgers (the TAXII export's and the AED lists') keep their file by: read it
 * without following links (src/fs/secure-file.ts), tell a lost, corrupt or retargeted one apart,
 * move a bad one aside, write it atomically, and say what happened in one shape of message. Each
 * ledger brings only its format (decode, and what its target is) and its recovery decision.
 */
import { unlink } from 'node:fs/promises'
import type { Logger } from '../log/logger.js'
import { readPrivate, setAside, writePrivateFile } from '../fs/secure-file.js'
import type { RunSummary } from './summary.js'

/** Why the saved ledger could not be used. */
export type LedgerProblem =
  | { kind: 'lost'; detail: string }
  | { kind: 'corrupt'; detail: string; movedTo: string; dryRun?: boolean }
  | { kind: 'retargeted'; detail: string; movedTo: string; dryRun?: boolean }

/** A ledger's file and its format: `T` is what a readable file decodes to. */
export interface LedgerFile<T extends object> {
  readonly file: string
  /** Files that belong to this one (the export journal): dropped when it is set aside or saved. */
  readonly companions: readonly string[]
  /** What the bytes hold, or why they are not this ledger (the file is then corrupt). */
  decode: (bytes: Buffer) => T | string
  /** What the saved ledger describes that this run does not write to; undefined when it is ours. */
  retargeted: (saved: T) => string | undefined
}

/**
 * The saved ledger as it is, for --status: nothing compared with a target, nothing moved aside.
 * Undefined when there is no file; a string says why it is unreadable.
 */
export async function readLedgerFile<T extends object>(
  file: string,
  decode: (bytes: Buffer) => T | string,
): Promise<T | string | undefined> {
  const bytes = (await readPrivate(file))?.bytes
  if (bytes === undefined) return undefined
  const saved = decode(bytes)
  return typeof saved === 'string' ? `${file}: ${saved}` : saved
}

export interface OpenOptions {
  /** Entries the state file says the last saved ledger held: a missing file is then lost. */
  expected: number | undefined
  /** A dry run reports a bad file but leaves it (and its companions) where it is. */
  dryRun: boolean
  /** The last run's entries survive elsewhere (the export journal): a missing file is not lost. */
  resumable?: boolean
}

/**
 * Opens a ledger file: what it holds when it is this run's, otherwise the problem with it (a bad
 * file already moved aside). No file and no problem is a first run.
 */
export async function openLedgerFile<T extends object>(
  ledger: LedgerFile<T>,
  options: OpenOptions,
): Promise<
  { saved: T; problem: undefined } | { saved: undefined; problem: LedgerProblem | undefined }
> {
  const bytes = (await readPrivate(ledger.file))?.bytes
  if (bytes === undefined) return { saved: undefined, problem: lostProblem(ledger.file, options) }
  const moveAside = async (
    kind: 'corrupt' | 'retargeted',
    detail: string,
  ): Promise<{ saved: undefined; problem: LedgerProblem }> => {
    const movedTo = await setAside(ledger.file, kind, options.dryRun)
    if (!options.dryRun) for (const companion of ledger.companions) await dropFile(companion)
    const dryRun = options.dryRun ? { dryRun: true } : {}
    return { saved: undefined, problem: { kind, detail, movedTo, ...dryRun } }
  }
  const saved = ledger.decode(bytes)
  if (typeof saved === 'string') return moveAside('corrupt', saved)
  const elsewhere = ledger.retargeted(saved)
  if (elsewhere !== undefined) return moveAside('retargeted', elsewhere)
  return { saved, problem: undefined }
}

/** A missing file is lost when the last run saved entries in it that nothing else holds. */
export function lostProblem(
  file: string,
  { expected, resumable = false }: Pick<OpenOptions, 'expected' | 'resumable'>,
): LedgerProblem | undefined {
  if (expected === undefined || expected <= 0 || resumable) return undefined
  return {
    kind: 'lost',
    detail: `${file} is missing, but the last run saved ${String(expected)} entries in it`,
  }
}

/** Writes the whole ledger atomically (0600), then drops the companions it now contains. */
export async function writeLedgerFile(
  ledger: Pick<LedgerFile<object>, 'file' | 'companions'>,
  /** Whole, or in parts written as they come (the export ledger's: never the whole file held). */
  content: string | Buffer | Iterable<Uint8Array>,
): Promise<void> {
  await writePrivateFile(ledger.file, content)
  for (const companion of ledger.companions) await dropFile(companion)
}

async function dropFile(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  })
}

/** What a run does about a ledger problem: each ledger decides (export/recover.ts, lists/recover.ts). */
export interface Recovery {
  /** A fault the user must hear of (exit 3), or a fresh start the summary only notes. */
  fault: boolean
  /** Fill the ledger again from what AED holds, or go on with the empty one. */
  step: 'rebuild' | 'start-empty'
}

/** How the messages of one ledger name it and its rebuild. */
export interface LedgerWording {
  /** `the export ledger` */
  name: string
  /** What a retargeted ledger belongs to: `another target`. */
  other: string
  /** What a rebuild reads, as a clause: `this run rebuilds it from …`. */
  rebuilds: string
  /** The note after a rebuild, before the count: `ledger rebuilt from AED:`. */
  rebuilt: string
  /** What the count counts: `objects found live`. */
  found: string
}

/** The one message a ledger problem is told in, to the log and the summary. */
export function describeLedgerProblem(
  problem: LedgerProblem,
  recovery: Recovery,
  wording: LedgerWording,
): string {
  const rebuild = recovery.step === 'rebuild'
  const then = rebuild ? wording.rebuilds : 'this run starts a new one'
  // A dry run moves nothing (openLedgerFile): the file stays for the real run to set aside.
  const moved = (p: { movedTo: string; dryRun?: boolean }): string =>
    `${p.dryRun === true ? 'a dry run leaves it where it is' : `it was moved to ${p.movedTo}`}${rebuild ? ' and' : ';'} ${then}`
  switch (problem.kind) {
    case 'lost':
      return `${wording.name} is lost: ${problem.detail}; ${then}`
    case 'corrupt':
      return `${wording.name} is corrupt (${problem.detail}); ${moved(problem)}`
    case 'retargeted':
      return `${wording.name} belongs to ${wording.other} (${problem.detail}); ${moved(problem)}`
  }
}

export interface RecoverySteps {
  /** The ledger file, for the log line. */
  file: string
  wording: LedgerWording
  decide: (problem: LedgerProblem) => Recovery
  /** Fills the ledger from AED; answers how many entries it found. */
  rebuild: () => Promise<number>
}

/**
 * The steps after opening, the same for every ledger: decide, tell the log and the summary (a
 * fault is a problem, exit 3), and rebuild when the decision says so.
 */
export async function recoverLedgerFile(
  problem: LedgerProblem | undefined,
  steps: RecoverySteps,
  report: { logger: Logger; summary: Pick<RunSummary, 'notes' | 'problems'> },
): Promise<Recovery | undefined> {
  if (problem === undefined) return undefined
  const recovery = steps.decide(problem)
  const message = describeLedgerProblem(problem, recovery, steps.wording)
  report.logger.warn({ ledger: steps.file }, message)
  ;(recovery.fault ? report.summary.problems : report.summary.notes).push(message)
  if (recovery.step === 'rebuild') {
    const found = await steps.rebuild()
    report.summary.notes.push(`${steps.wording.rebuilt} ${String(found)} ${steps.wording.found}`)
  }
  return recovery
}
