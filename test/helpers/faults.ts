/**
 * The fault matrix's moving parts: fault rules for the simulators' `/_sim/faults`, and one cell —
 * a run under a fault that must either complete or fail with exit 1 and one clear line, after
 * which a clean rerun reaches the clean final state.
 */
import assert from 'node:assert/strict'
import type { CliResult, Sim } from '../../sim/world/processes.js'
import { forgetRuns, type World } from '../../sim/world/world.js'

export interface FaultRule {
  match: { method: string; path: string }
  fault: {
    status?: number
    retryAfter?: string
    delayMs?: number
    delayAfterMs?: number
    reset?: boolean
    body?: string
    contentType?: string
  }
  times?: number
}

/** The faults of the matrix, for one request (method + path regex). */
export function faults(method: string, path: string) {
  const rule = (fault: FaultRule['fault'], times?: number): FaultRule => ({
    match: { method, path },
    fault,
    ...(times === undefined ? {} : { times }),
  })
  return {
    /** The first matching request passes, every later one gets `fault`: a failure mid-run. */
    afterFirst: (fault: FaultRule['fault']): FaultRule[] => [rule({}, 1), rule(fault)],
    twice: (fault: FaultRule['fault']): FaultRule[] => [rule(fault, 2)],
    always: (fault: FaultRule['fault']): FaultRule[] => [rule(fault)],
  }
}

export const FAULT = {
  status500: { status: 500 },
  status503: { status: 503, retryAfter: '1' },
  /** A `Retry-After` HTTP date about one second ahead (IMF-fixdate, as servers send it). */
  status429Date: () => ({
    status: 429,
    retryAfter: new Date(Date.now() + 1000).toUTCString(),
  }),
  reset: { reset: true },
  /** 200 with a JSON body cut short. */
  truncated: { status: 200, body: '{"data": [{"id": 1, "val' },
  /** The same, labelled with the TAXII 2.0 media type, so that the JSON parser meets it. */
  truncatedTaxii: {
    status: 200,
    body: '{"id": "x", "status": "comp',
    contentType: 'application/vnd.oasis.taxii+json; version=2.0',
  },
} as const

/**
 * Both simulators back to their seed state (no faults, no stored objects, no counts) and the
 * instance `name` (configured earlier) back to a never-run state, enabled with `options`.
 */
export async function freshStart(
  world: World,
  name: string,
  options: Record<string, string>,
): Promise<void> {
  await Promise.all([
    world.threatq.admin('POST', '/_sim/reset'),
    world.aed.admin('POST', '/_sim/reset'),
    forgetRuns(world, name),
  ])
  await world.enable(options, name)
}

export async function inject(sim: Sim, rules: readonly FaultRule[]): Promise<void> {
  await sim.admin('POST', '/_sim/faults', rules)
}

/**
 * One plain line on stderr, last, starting with the program name, and no stack trace in it. The
 * other stderr lines are the JSON log (`-ll stdout` without a terminal; README "Output").
 */
export function assertClearFailure(result: CliResult): void {
  assert.equal(result.code, 1, `expected exit 1, got ${String(result.code)}: ${result.stderr}`)
  const lines = result.stderr.trim().split('\n')
  const plain = lines.filter((l) => !l.startsWith('{"level":'))
  assert.equal(plain.length, 1, `one plain line on stderr, got:\n${result.stderr}`)
  assert.equal(lines.at(-1), plain[0], 'the plain line comes last')
  assert.match(plain[0] ?? '', /^tq-conn-netscout-aed: \S/)
  for (const line of lines.slice(0, -1)) JSON.parse(line)
  assert.doesNotMatch(plain[0] ?? '', /\n\s+at |\bat .*\.js:\d+/, 'no stack trace')
}

/** 'fails part-way…' also checks that the failed run committed some of the data, not all. */
export type Outcome = 'completes' | 'fails then recovers' | 'fails part-way then recovers'

/**
 * Runs `args` under the faults already injected into `faulted`; asserts the expected outcome and,
 * for a failure, clears the faults (and TAXII statuses no longer pending) and reruns. Then `check` compares with the clean final state;
 * `checkPartial` runs between a part-way failure and the rerun.
 */
export async function runCell(
  world: World,
  faulted: Sim,
  args: readonly string[],
  expected: Outcome,
  check: () => Promise<void>,
  checkPartial: () => Promise<void>,
  /** What the failure's line must say. */
  message?: RegExp,
): Promise<void> {
  const first = await world.run(args)
  if (expected === 'completes') {
    assert.equal(first.code, 0, `expected a complete run: ${first.stderr}`)
  } else {
    assertClearFailure(first)
    if (message !== undefined) assert.match(first.stderr, message)
    if (expected === 'fails part-way then recovers') await checkPartial()
    await faulted.admin('DELETE', '/_sim/faults')
    if (faulted === world.aed) await faulted.admin('POST', '/_sim/taxii', { pendingPolls: 0 })
    const rerun = await world.run(args)
    assert.equal(rerun.code, 0, `the clean rerun failed: ${rerun.stderr}`)
  }
  await check()
}

/**
 * Token expiry in the middle of a run: the first matching request is held for a moment and every
 * ThreatQ token is expired while it waits, so that request and every later one meet a dead token.
 */
export async function expireTokensDuring(
  threatq: Sim,
  method: string,
  path: string,
  run: () => Promise<CliResult>,
): Promise<CliResult> {
  await inject(threatq, [{ match: { method, path }, fault: { delayMs: 1500 }, times: 1 }])
  const result = run()
  // The rule leaves the table when the request it holds arrives.
  for (let tries = 0; ; tries++) {
    const state = await threatq.admin<{ faults: number }>('GET', '/_sim/state')
    if (state.faults === 0) break
    if (tries > 400) throw new Error(`no ${method} ${path} request within 20 s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await threatq.admin('POST', '/_sim/tokens', { expire: true })
  const done = await result
  const state = await threatq.admin<{ requests: Record<string, number> }>('GET', '/_sim/state')
  assert.ok(
    (state.requests['POST /api/token'] ?? 0) >= 2,
    `logged in again after the expiry: ${JSON.stringify(state.requests)}`,
  )
  return done
}
