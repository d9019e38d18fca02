/** What the remote-data cases share: raw bodies served by a simulator, and a dry-run case. */
import { join } from 'node:path'
import type { Sim } from '../../../sim/world/processes.js'
import type { World } from '../../../sim/world/world.js'
import type { Expectation } from '../harness.js'
import type { CaseContext, CorpusCase } from '../run-case.js'
import { configFile } from './config.js'

type Serving = Pick<CorpusCase, 'setup' | 'teardown'>

/**
 * Answers every `method path` request of the simulator `sim` with `body` (status 200) until the
 * case ends: the simulators' fault rules, which serve any shape at all.
 */
export const serveRaw =
  (sim: (world: World) => Sim, method: string, path: string) =>
  (body: string): Serving => ({
    setup: async (ctx: CaseContext) => {
      await sim(ctx.world).admin('POST', '/_sim/faults', {
        match: { method, path },
        fault: { status: 200, body },
      })
    },
    teardown: async (ctx: CaseContext) => {
      await sim(ctx.world).admin('DELETE', '/_sim/faults')
    },
  })

/**
 * A dry run of one direction (`-i` or `-e`, from the start: `--full`) by an instance of its own,
 * at info level, its --output in the case's scratch directory.
 */
export function dryRunCase<C extends CorpusCase>(
  direction: '-i' | '-e',
  instance: string,
  name: string,
  serving: Serving,
  expect: Expectation,
  more: Partial<C> = {},
): CorpusCase & Partial<C> {
  return {
    name,
    instance,
    files: configFile(),
    ui: {},
    argv: (ctx) => [
      direction,
      '--dry-run',
      '--full',
      '-v',
      '2',
      '--output',
      join(ctx.scratch, 'dry.json'),
    ],
    ...serving,
    expect,
    ...more,
  }
}
