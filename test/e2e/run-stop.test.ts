/**
 * A run stopped from outside (its deadline, docs/reliability.md "Timeouts a user can set", or
 * SIGINT/SIGTERM), with the real CLI: a TAXII POST is held by the AED simulator (never by timing)
 * and the run is stopped while it waits. The run must end cleanly: one stderr line and its exit
 * code, the lock released, what AED acknowledged before the stop kept in the ledger, so that the
 * next run completes without sending it again and leaves exactly the state of an uninterrupted run.
 */
import assert from 'node:assert/strict'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { updateConfig } from '../../src/config/config-file.js'
import { freshStart, inject } from '../helpers/faults.js'
import { exportState, type ExportState } from '../helpers/final-state.js'
import { tempDir, type CliResult, type Sim } from '../../sim/world/processes.js'
import { simState, startWorld, type World } from '../../sim/world/world.js'

const NAME = 'stop'
const OPTIONS = { taxii_max_objects: '25' }
const TAXII_POST = '/collections/[^/]+/objects/$'
const RELATED = '^/api/(adversaries|malware|tool|report|attack_pattern)/\\d+$'
const KEPT = 'what AED acknowledged is kept and the next run resumes'
const HOLD = { delayMs: 120_000 }

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const held = async (sim: Sim): Promise<number> =>
  (await sim.admin<{ held: number }>('GET', '/_sim/state')).held

/** The export's `sent:` counts in a run's summary (`sent: identity 1, indicator 75, …`). */
function sentCounts(stdout: string): Map<string, number> {
  const line = /^\s*sent:\s+(.*)$/m.exec(stdout)?.[1] ?? ''
  return new Map([...line.matchAll(/([a-z-]+) (\d+)/g)].map((m) => [m[1] ?? '', Number(m[2])]))
}

const total = (counts: Map<string, number>): number =>
  [...counts.values()].reduce((n, c) => n + c, 0)

/** One plain line on stderr, last, after the JSON log lines; returns it. */
function plainLine(result: CliResult): string {
  const lines = result.stderr.trim().split('\n')
  const plain = lines.filter((l) => !l.startsWith('{"level":'))
  assert.equal(plain.length, 1, `one plain line on stderr, got:\n${result.stderr}`)
  assert.equal(lines.at(-1), plain[0], 'the plain line comes last')
  return plain[0] ?? ''
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

describe('a run stopped from outside: deadline, SIGTERM, SIGINT', { concurrency: 1 }, () => {
  let world: World
  /** An uninterrupted run: what AED holds after it, what it sent, of which constant objects. */
  let clean: { state: ExportState; sent: number }
  const config = () => join(world.configDir, `${NAME}.yaml`)
  const lock = () => join(world.configDir, `${NAME}.lock`)
  const setRunMinutes = (value: number) =>
    updateConfig(config(), [{ path: ['timeouts', 'run_minutes'], value }])

  before(async () => {
    world = await startWorld({ seed: 300 })
    await world.configure(OPTIONS, NAME)
    const run = await world.run(['-n', NAME, '-e'])
    assert.equal(run.code, 0, run.stderr)
    const sent = sentCounts(run.stdout)
    clean = {
      state: await exportState(world),
      sent: total(sent),
    }
    assert.ok(clean.sent > 100, run.stdout)
  })
  after(() => world.stop())

  /**
   * A fresh export whose TAXII POSTs after the second are held; `stop` is called once one is held
   * (two batches acknowledged by then). Returns the stopped run's result and what AED held then.
   */
  async function stopMidExport(
    stop: (child: ReturnType<World['start']>['child']) => void,
    extra: readonly string[] = [],
  ): Promise<{ result: CliResult; stored: number }> {
    await freshStart(world, NAME, OPTIONS)
    const match = { method: 'POST', path: TAXII_POST }
    await inject(world.aed, [
      { match, fault: {}, times: 2 },
      { match, fault: HOLD },
    ])
    const run = world.start(['-n', NAME, '-e', ...extra])
    const progress = { ended: false }
    void run.result.then(() => {
      progress.ended = true
    })
    while ((await held(world.aed)) === 0) {
      if (progress.ended)
        assert.fail(`the run ended before a POST was held: ${(await run.result).stderr}`)
      await pause(20)
    }
    stop(run.child)
    const result = await run.result
    // The simulator saw the aborted request's socket close: nothing of it was stored.
    while ((await held(world.aed)) > 0) await pause(20)
    await world.aed.admin('DELETE', '/_sim/faults')
    return { result, stored: (await simState(world.aed)).objects.taxiiObjects ?? 0 }
  }

  /** The lock is gone, the acknowledged part kept, and the next run sends only the rest. */
  async function assertResumes(stored: number): Promise<void> {
    assert.equal(await exists(lock()), false, 'the lock is released')
    assert.ok(
      await exists(join(world.configDir, `${NAME}.ledger.journal`)),
      'acknowledged work is on record',
    )
    assert.ok(stored > 0 && stored < clean.state.objectVersions.length, `${String(stored)} stored`)
    const rerun = await world.run(['-n', NAME, '-e'])
    assert.equal(rerun.code, 0, rerun.stderr)
    // Nothing AED acknowledged before the stop is sent again. The identity and the TLP markings
    // (committed with a run's end) travel again, but AED answers "identical version": unchanged.
    assert.equal(total(sentCounts(rerun.stdout)), clean.sent - stored, rerun.stdout)
    assert.deepEqual(await exportState(world), clean.state)
  }

  it('SIGTERM mid-export: exit 143, one line, an "interrupted" log line, lock released; the next run resumes', async () => {
    const { result, stored } = await stopMidExport((child) => child.kill('SIGTERM'))
    assert.equal(result.code, 143, result.stderr)
    assert.equal(plainLine(result), `tq-conn-netscout-aed: interrupted by SIGTERM; ${KEPT}`)
    assert.match(result.stderr, /"level":40,.*"msg":"interrupted by SIGTERM/)
    await assertResumes(stored)
  })

  it('SIGINT mid-export: exit 130, the log file ends with the "run ended" line; the next run resumes', async () => {
    const logs = await tempDir('tq-aed-stop-log-')
    const { result, stored } = await stopMidExport((child) => child.kill('SIGINT'), ['-ll', logs])
    assert.equal(result.code, 130, result.stderr)
    assert.equal(plainLine(result), `tq-conn-netscout-aed: interrupted by SIGINT; ${KEPT}`)
    const log = (await readFile(join(logs, `${NAME}.log`), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; exit?: number })
    assert.equal(log[0]?.msg, 'run started')
    assert.deepEqual(
      log.slice(-2).map((l) => [l.msg, l.exit]),
      [
        [`interrupted by SIGINT; ${KEPT}`, 130],
        ['run ended', 130],
      ],
    )
    await assertResumes(stored)
  })

  it('timeouts.run_minutes passed mid-export: exit 1 naming the setting and the file; the next run resumes', async () => {
    // 0.05 minutes: 3 s, long enough for the two acknowledged batches, then the held POST waits.
    await setRunMinutes(0.05)
    try {
      const { result, stored } = await stopMidExport(() => undefined)
      assert.equal(result.code, 1, result.stderr)
      assert.equal(
        plainLine(result),
        `tq-conn-netscout-aed: the run stopped at its deadline (timeouts.run_minutes: 0.05, from ${config()}); ${KEPT}`,
      )
      await setRunMinutes(55)
      await assertResumes(stored)
    } finally {
      await setRunMinutes(55)
    }
  })

  it('a TAXII status pending for ever, under the default taxii_status_seconds (300): the deadline ends the run', async () => {
    await setRunMinutes(0.05)
    try {
      await freshStart(world, NAME, OPTIONS)
      await world.aed.admin('POST', '/_sim/taxii', { pendingPolls: 1_000_000 })
      const result = await world.run(['-n', NAME, '-e'])
      assert.equal(result.code, 1, result.stderr)
      assert.match(
        plainLine(result),
        /the run stopped at its deadline \(timeouts\.run_minutes: 0\.05/,
      )
      assert.equal(await exists(lock()), false, 'the lock is released')
    } finally {
      await world.aed.admin('POST', '/_sim/taxii', { pendingPolls: 0 })
      await setRunMinutes(55)
    }
  })

  it('SIGTERM during a dry run leaves no partial --output file', async () => {
    await freshStart(world, NAME, OPTIONS)
    const output = join(await tempDir('tq-aed-stop-'), 'dry.json')
    // The second related-object read is held: the dry run has read the indicators by then.
    const match = { method: 'GET', path: RELATED }
    await inject(world.threatq, [
      { match, fault: {}, times: 1 },
      { match, fault: HOLD },
    ])
    const run = world.start(['-n', NAME, '-e', '--dry-run', '--output', output])
    while ((await held(world.threatq)) === 0) await pause(20)
    run.child.kill('SIGTERM')
    const result = await run.result
    await world.threatq.admin('DELETE', '/_sim/faults')
    assert.equal(result.code, 143, result.stderr)
    assert.equal(await exists(output), false, 'no partial --output')
    assert.equal(await exists(lock()), false, 'the lock is released')
  })

  it('a bad run_minutes is a configuration error naming the key (exit 2)', async () => {
    await setRunMinutes(0)
    try {
      const result = await world.run(['-n', NAME, '-e'])
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, /timeouts\.run_minutes/)
    } finally {
      await setRunMinutes(55)
    }
  })
})
