/**
 * Crash points for the crash-consistency tests: the connector is killed with SIGKILL at an exact
 * place in its run, found by what it asks the simulators rather than by timing. A request point
 * holds the n-th matching request in a simulator (before its handler, or after it with the answer
 * held), waits until the simulator reports it held, and kills the connector. A state-write point
 * preloads crash-on-rename.ts, which kills the process at the n-th atomic rename of a file.
 */
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readConfig } from '../../src/config/config-file.js'
import { readState } from '../../src/config/state-file.js'
import { inject, type FaultRule } from './faults.js'
import type { CliResult, Sim } from '../../sim/world/processes.js'
import type { World } from '../../sim/world/world.js'

const PRELOAD = fileURLToPath(new URL('./crash-on-rename.js', import.meta.url))
/** Longer than any crash test waits; the kill ends the hold long before. */
const HOLD_MS = 120_000

export type Phase = 'before' | 'after'

interface RequestPoint {
  kind: 'request'
  sim: 'threatq' | 'aed'
  method: string
  /** Regex on the path. */
  path: string
  /** 1-based: the n-th matching request of the run. */
  nth: number
  /** Before the simulator handles it (nothing applied), or after (applied, answer held). */
  phase: Phase
}

interface RenamePoint {
  kind: 'rename'
  /** File name in the config dir, e.g. `<name>.state.json`. */
  file: string
  nth: number
  /** Before the rename (temp file written, target untouched) or after it. */
  phase: Phase
}

/** Just after the call that created the instance's lock file returned. */
interface LockPoint {
  kind: 'lock'
  /** File name in the config dir, e.g. `<name>.lock`. */
  file: string
}

export type CrashPoint = RequestPoint | RenamePoint | LockPoint

export function heldRequest(
  sim: RequestPoint['sim'],
  method: string,
  path: string,
  nth: number,
  phase: Phase,
): CrashPoint {
  return { kind: 'request', sim, method, path, nth, phase }
}

export function atRename(file: string, nth: number, phase: Phase): CrashPoint {
  return { kind: 'rename', file, nth, phase }
}

export function atLock(file: string): CrashPoint {
  return { kind: 'lock', file }
}

/** For reports: `aed POST /collections/[^/]+/objects/$ #3, after the handler`. */
export function describePoint(point: CrashPoint): string {
  if (point.kind === 'lock') return `${point.file} just created`
  return point.kind === 'rename'
    ? `rename onto ${point.file} #${String(point.nth)}, ${point.phase} it`
    : `${point.sim} ${point.method} ${point.path} #${String(point.nth)}, ${point.phase} the handler`
}

/** The fault rules that hold the point's request: k - 1 let through, then the k-th held. */
function holdRules(point: RequestPoint): FaultRule[] {
  const match = { method: point.method, path: point.path }
  const hold = point.phase === 'before' ? { delayMs: HOLD_MS } : { delayAfterMs: HOLD_MS }
  return [
    ...(point.nth > 1 ? [{ match, fault: {}, times: point.nth - 1 }] : []),
    { match, fault: hold, times: 1 },
  ]
}

const held = async (sim: Sim): Promise<number> =>
  (await sim.admin<{ held: number }>('GET', '/_sim/state')).held

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function notReached(point: CrashPoint, result: CliResult): Error {
  return new Error(
    `crash point (${describePoint(point)}) was not reached: the run ended with exit ${String(result.code)}\n${result.stderr}`,
  )
}

/** Runs the connector with `args` and kills it with SIGKILL at `point`. */
export async function crashAt(
  world: World,
  args: readonly string[],
  point: CrashPoint,
): Promise<void> {
  if (point.kind === 'lock') {
    const result = await world.start(args, {
      NODE_OPTIONS: `--import=${PRELOAD}`,
      CRASH_LOCK_FILE: point.file,
    }).result
    if (result.signal !== 'SIGKILL') throw notReached(point, result)
    return
  }
  if (point.kind === 'rename') {
    const result = await world.start(args, {
      NODE_OPTIONS: `--import=${PRELOAD}`,
      CRASH_RENAME_FILE: point.file,
      CRASH_RENAME_NTH: String(point.nth),
      CRASH_RENAME_WHEN: point.phase,
    }).result
    if (result.signal !== 'SIGKILL') throw notReached(point, result)
    return
  }
  const sim = world[point.sim]
  await inject(sim, holdRules(point))
  const run = world.start(args)
  let ended: (CliResult & { signal: NodeJS.Signals | null }) | undefined
  void run.result.then((r) => {
    ended = r
  })
  while ((await held(sim)) === 0) {
    if (ended !== undefined) throw notReached(point, ended)
    await pause(20)
  }
  run.child.kill('SIGKILL')
  const result = await run.result
  assert.equal(result.signal, 'SIGKILL', `the connector was killed: ${result.stderr}`)
  // The simulator sees the socket close and ends the hold: nothing of this run is left running.
  while ((await held(sim)) > 0) await pause(20)
  await sim.admin('DELETE', '/_sim/faults')
}

/** The instance's config and (if written yet) state file parse and are private (0600). */
export async function assertFilesIntact(world: World, name: string): Promise<void> {
  const config = join(world.configDir, `${name}.yaml`)
  const state = join(world.configDir, `${name}.state.json`)
  assert.notEqual(await readConfig(config), undefined, 'the config file is there')
  assert.equal((await stat(config)).mode & 0o777, 0o600, 'config file mode')
  const ledger = await stat(join(world.configDir, `${name}.ledger`)).catch(() => undefined)
  if (ledger !== undefined) assert.equal(ledger.mode & 0o777, 0o600, 'ledger file mode')
  const stateStat = await stat(state).catch(() => undefined)
  if (stateStat === undefined) return
  assert.equal(stateStat.mode & 0o777, 0o600, 'state file mode')
  await readState(state)
}
