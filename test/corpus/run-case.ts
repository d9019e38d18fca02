/**
 * One corpus case, start to end: a fresh config and log directory, the case's files and ThreatQ
 * "UI" options, the run (in-process; for `spawn` cases also as a real process, which must print
 * the same), then its expectation and the invariants every case shares.
 */
import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CliResult } from '../../sim/world/processes.js'
import type { World } from '../../sim/world/world.js'
import {
  assertExpectation,
  assertInvariants,
  newDir,
  runInProcess,
  runSpawned,
  snapshot,
  type DryRunDocument,
  type Expectation,
} from './harness.js'

/** What a case's files and arguments may refer to. */
export interface CaseContext {
  world: World
  configDir: string
  /** The instance name (`-n`) the runner passes, or the default one. */
  name: string
  /** A directory of the case's own for --output files (outside the config dir). */
  scratch: string
}

export interface CorpusCase {
  name: string
  /** Arguments after `-c <dir> -ll <logs> [-n <instance>]`. */
  argv?: readonly string[] | ((ctx: CaseContext) => readonly string[])
  env?: Record<string, string> | ((ctx: CaseContext) => Record<string, string>)
  /** Run as this instance (its own files and ThreatQ connector record). */
  instance?: string
  /** Files written into the config dir first: file name → content; `null` makes a directory. */
  files?: (ctx: CaseContext) => Record<string, string | null>
  /** The instance's connector options in the ThreatQ "UI", switched on; omitted: no record. */
  ui?: Record<string, unknown>
  expect: Expectation
  /** Remote shapes to serve (simulator admin calls) before the run, undone by `teardown`. */
  setup?: (ctx: CaseContext) => Promise<void>
  teardown?: (ctx: CaseContext) => Promise<void>
  /** Also run the compiled binary: it must exit and print exactly as the in-process run. */
  spawn?: boolean
}

export interface CaseRun {
  result: CliResult
  doc: DryRunDocument | undefined
  ctx: CaseContext
}

/** Request URLs carry the run's clock (`endTime=<epoch s>`): the one thing two runs differ in. */
const atNow = (text: string): string => text.replace(/=\d{10}\b/g, '=<now>')

const resolveWith = <T>(value: T | ((ctx: CaseContext) => T) | undefined, ctx: CaseContext) =>
  typeof value === 'function' ? (value as (ctx: CaseContext) => T)(ctx) : value

/** The `--output` path among the arguments, to check the file it left. */
function outputOf(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--output')
  return i >= 0 ? argv[i + 1] : undefined
}

export async function runCase(world: World, c: CorpusCase): Promise<CaseRun> {
  const configDir = await newDir('cfg')
  const logDir = await newDir('log')
  const name = c.instance ?? 'netscout-aed'
  const ctx: CaseContext = { world, configDir, name, scratch: await newDir('out') }
  for (const [file, content] of Object.entries(c.files?.(ctx) ?? {})) {
    if (content === null) await mkdir(join(configDir, file))
    else await writeFile(join(configDir, file), content, { mode: 0o600 })
  }
  if (c.ui !== undefined) await world.enable(c.ui as Record<string, string>, c.instance)
  const argv = [
    '-c',
    configDir,
    '-ll',
    logDir,
    ...(c.instance === undefined ? [] : ['-n', c.instance]),
    ...(resolveWith(c.argv, ctx) ?? []),
  ]
  const env = resolveWith(c.env, ctx) ?? {}
  const before = await snapshot(configDir)
  const output = outputOf(argv)
  const outputBefore =
    output === undefined ? undefined : await readFile(output, 'utf8').catch(() => undefined)
  const where = {
    configDir,
    name,
    before,
    ...(output === undefined ? {} : { output }),
    ...(outputBefore === undefined ? {} : { outputBefore }),
  }

  await c.setup?.(ctx)
  try {
    const result = await runInProcess({ argv, env })
    await assertExpectation(result, c.expect, { dir: logDir, name })
    const doc = await assertInvariants(result, where)

    if (c.spawn === true) {
      const real = await runSpawned({ argv, env })
      assert.equal(real.code, result.code, `the real process exited differently: ${real.stderr}`)
      assert.equal(
        atNow(real.stderr),
        atNow(result.stderr),
        'the real process printed another error',
      )
      await assertInvariants(real, { ...where, before: await snapshot(configDir) })
    }
    return { result, doc, ctx }
  } finally {
    await c.teardown?.(ctx)
  }
}
