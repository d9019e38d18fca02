/**
 * Bad-input corpus, local input: command line, cron schedules, config and state files, hosts,
 * connector options and --output paths. Data in ./cases; each case runs the command in-process
 * (a few also as the real binary) against a ThreatQ and an AED simulator.
 */
import { after, before, describe, it } from 'node:test'
import { startWorld, type World } from '../../sim/world/world.js'
import { CLI_ARGS } from './cases/cli-args.js'
import { CONFIG_FILE } from './cases/config-file.js'
import { CRON } from './cases/cron.js'
import { HOSTS } from './cases/hosts.js'
import { OUTPUT } from './cases/output.js'
import { STATE_FILE } from './cases/state-file.js'
import { UI_OPTIONS } from './cases/ui-options.js'
import { runCase, type CorpusCase } from './run-case.js'

export const LOCAL_CATEGORIES: Record<string, CorpusCase[]> = {
  'command line': CLI_ARGS,
  'cron schedules': CRON,
  'config file': CONFIG_FILE,
  'state file': STATE_FILE,
  'hosts and URLs': HOSTS,
  'connector options': UI_OPTIONS,
  '--output paths': OUTPUT,
}

describe('bad-input corpus: local input', () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.stop()
  })
  for (const [category, cases] of Object.entries(LOCAL_CATEGORIES))
    describe(`${category} (${String(cases.length)} cases)`, () => {
      for (const c of cases)
        it(c.name, async () => {
          await runCase(world, c)
        })
    })
})
