/**
 * Crash consistency (docs/reliability.md): the connector is killed with SIGKILL at points spread
 * over a large export and a large import, found by the requests it makes (never by timing): a
 * simulator holds the n-th request of a route, before or after applying it, and the test kills
 * the connector once the simulator reports it held. A rerun without faults must then reach
 * exactly the final state of an uninterrupted run (every object id and version AED holds,
 * relationships included), and the config and state files must still parse. Points inside a
 * phase (a middle page, batch or request) are drawn by a seeded PRNG (CRASH_SEED, printed) from
 * the request counts of the clean run.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mulberry32 } from '../../sim/common/prng.js'
import {
  assertFilesIntact,
  atLock,
  atRename,
  crashAt,
  describePoint,
  heldRequest,
  type CrashPoint,
  type Phase,
} from '../helpers/crash.js'
import { exportState, importedAlertIds, threatqIndicators } from '../helpers/final-state.js'
import { forgetRuns, simState, startWorld, type World } from '../../sim/world/world.js'

const NAME = 'crash'
const STATE_FILE = `${NAME}.state.json`
const LEDGER = `${NAME}.ledger`
const SEED = Number(process.env.CRASH_SEED ?? '20261128')
const ALL = process.env.CRASH_ALL === '1'

/** Where a point falls, resolved after the clean run: its request counts and a seeded PRNG. */
interface Place {
  /** Requests the clean run made to a route (a `/_sim/state` key); fails when it made none. */
  count(route: string): number
  /** An integer in [lo, hi] from the PRNG (lo when the range is empty). */
  pick(lo: number, hi: number): number
}

interface Spec {
  name: string
  /** Only with CRASH_ALL=1: a point like another one of the default set, kept out of CI time. */
  extended?: true
  at(place: Place): CrashPoint
  /** TAXII behaviour for the crashed run (e.g. statuses pending, so that there are polls). */
  taxii?: object
}

const threatq = (method: string, path: string, nth: number, phase: Phase) =>
  heldRequest('threatq', method, path, nth, phase)
const aed = (method: string, path: string, nth: number, phase: Phase) =>
  heldRequest('aed', method, path, nth, phase)

// ---- export: 1500 indicators → 4 query pages (500, 500, 500, an empty one), ~13 TAXII POSTs of 100
// objects, ~15 related objects fetched one by one --------------------------------------------

const QUERY = '^/api/indicators/query$'
const RELATED = '^/api/(adversaries|malware|tool|report|attack_pattern)/\\d+$'
const TAXII_POST = '/collections/[^/]+/objects/$'
const STATUS = '/status/[^/]+/$'
const PENDING_ONCE = { pendingPolls: 1 }

const EXPORT_READS: Spec[] = [
  // A kill ~0 ms after start (the export sync property test's) can land here: the lock that run
  // left must not keep the next runs out.
  { name: 'the instance lock, just created', at: () => atLock(`${NAME}.lock`) },
  { name: 'token grant, before it', at: () => threatq('POST', '^/api/token$', 1, 'before') },
  {
    name: 'connector-record read, before it',
    at: () => threatq('GET', '^/api/connectors$', 1, 'before'),
  },
  {
    name: 'data-collection lookup, answer lost',
    at: () => threatq('GET', '^/api/search/query$', 1, 'after'),
  },
  {
    extended: true,
    name: 'TAXII discovery, before it',
    at: () => aed('GET', '^/taxii/$', 1, 'before'),
  },
  { name: 'query page 1, before it', at: () => threatq('POST', QUERY, 1, 'before') },
  {
    name: 'a middle query page, answer lost',
    at: (p) => threatq('POST', QUERY, p.pick(2, p.count('POST /api/:type/query') - 1), 'after'),
  },
  {
    name: 'the closing (empty) query page, before it',
    at: (p) => threatq('POST', QUERY, p.count('POST /api/:type/query'), 'before'),
  },
  {
    extended: true,
    name: 'related-object GET 1, answer lost',
    at: () => threatq('GET', RELATED, 1, 'after'),
  },
  {
    name: 'a later related-object GET, before it',
    at: (p) => threatq('GET', RELATED, p.pick(2, p.count('GET /api/:type/:id')), 'before'),
  },
]

const EXPORT_WRITES: Spec[] = [
  {
    name: 'TAXII POST 1, before AED stores it',
    at: () => aed('POST', TAXII_POST, 1, 'before'),
  },
  {
    extended: true,
    name: 'TAXII POST 1, stored, answer lost',
    at: () => aed('POST', TAXII_POST, 1, 'after'),
  },
  {
    name: 'a middle TAXII POST, stored, answer lost',
    at: (p) => aed('POST', TAXII_POST, p.pick(2, posts(p) - 1), 'after'),
  },
  {
    name: 'the last TAXII POST, stored, answer lost',
    at: (p) => aed('POST', TAXII_POST, posts(p), 'after'),
  },
  {
    // Relationships are sent after the indicators: the last POSTs carry them.
    name: 'the TAXII POST before the last (relationships), stored, answer lost',
    at: (p) => aed('POST', TAXII_POST, posts(p) - 1, 'after'),
  },
  {
    name: 'status poll 1 (statuses pending once), before it',
    at: () => aed('GET', STATUS, 1, 'before'),
    taxii: PENDING_ONCE,
  },
  {
    extended: true,
    name: 'a later status poll (statuses pending once), answer lost',
    at: (p) => aed('GET', STATUS, p.pick(2, Math.min(posts(p), 4)), 'after'),
    taxii: PENDING_ONCE,
  },
  {
    name: 'the ledger write, before its rename (everything is in AED and the journal)',
    at: () => atRename(LEDGER, 1, 'before'),
  },
  {
    name: 'the ledger written, before the state write',
    at: () => atRename(LEDGER, 1, 'after'),
  },
  {
    name: 'the state write, before its rename',
    at: () => atRename(STATE_FILE, 1, 'before'),
  },
  {
    extended: true,
    name: 'the state written, before the final state write',
    at: () => atRename(STATE_FILE, 1, 'after'),
  },
]

function posts(p: Place): number {
  return p.count('POST /taxii/:root/collections/:collection/objects/')
}

// ---- import: 1500 alerts → 2 alert pages (1000, 500), 15 consume batches of 100 events
// (indicators, then events: 30 consume requests) --------------------------------------------------------

const ALERTS_PAGE = '^/api/aed/v3/alerts/$'
const CONSUME = '^/api/(indicators|events)/consume$'
const consumes = (p: Place): number => p.count('POST /api/:type/consume')

const IMPORT: Spec[] = [
  {
    extended: true,
    name: 'token grant, token issued, answer lost',
    at: () => threatq('POST', '^/api/token$', 1, 'after'),
  },
  {
    extended: true,
    name: 'AED API version probe, before it',
    at: () => aed('GET', '^/api/aed/v3/summary/$', 1, 'before'),
  },
  {
    name: 'event type check, before it',
    at: () => threatq('GET', '^/api/event/types$', 1, 'before'),
  },
  {
    extended: true,
    name: 'event type created, answer lost',
    at: () => threatq('POST', '^/api/event/types$', 1, 'after'),
  },
  { name: 'alert page 1, answer lost', at: () => aed('GET', ALERTS_PAGE, 1, 'after') },
  {
    name: 'the last alert page, before it',
    at: (p) => aed('GET', ALERTS_PAGE, p.count('GET /api/aed/v3/alerts/'), 'before'),
  },
  {
    extended: true,
    name: 'consume 1 (batch 1 indicators), applied, answer lost',
    at: () => threatq('POST', CONSUME, 1, 'after'),
  },
  {
    name: 'consume 2 (batch 1 events), before it',
    at: () => threatq('POST', CONSUME, 2, 'before'),
  },
  {
    name: 'a middle consume, applied, answer lost',
    at: (p) => threatq('POST', CONSUME, p.pick(3, consumes(p) - 1), 'after'),
  },
  {
    name: 'the last consume (events), applied, answer lost',
    at: (p) => threatq('POST', CONSUME, consumes(p), 'after'),
  },
  {
    name: 'the checkpoint write, before its rename (every event is in ThreatQ)',
    at: () => atRename(STATE_FILE, 1, 'before'),
  },
  {
    extended: true,
    name: 'the checkpoint written, before the connector record update',
    at: () => atRename(STATE_FILE, 1, 'after'),
  },
  {
    extended: true,
    name: 'connector record update (last import), before it',
    at: () => threatq('PUT', '^/api/connectors/\\d+$', 1, 'before'),
  },
]

// ---- the suites ---------------------------------------------------------------------------

interface Direction {
  args: string[]
  options: Record<string, string>
  /** ThreatQ's seeded indicators. */
  seed: number
  /** Once per world, after the instance is configured: the data every run starts from. */
  prepare(world: World): Promise<void>
  /** Before each run: the simulator this direction writes to, back to its start. */
  reset(world: World): Promise<void>
  finalState(world: World): Promise<unknown>
  /** How much is committed (to report how far a crashed run got). */
  committed(world: World): Promise<number>
}

interface Clean {
  state: unknown
  committed: number
  /** Requests per route (`/_sim/state` keys) of both simulators. */
  counts: Record<string, number>
}

/** A never-run instance and the written-to simulator at its start; TAXII behaving as given. */
async function fresh(world: World, direction: Direction, taxii: object = {}): Promise<void> {
  await Promise.all([direction.reset(world), forgetRuns(world, NAME)])
  await world.enable(direction.options, NAME)
  await world.aed.admin('POST', '/_sim/taxii', taxii)
}

/**
 * The uninterrupted run. Each world has its own (STIX ids derive from the ThreatQ host, whose
 * port differs from world to world).
 */
async function cleanRun(world: World, direction: Direction): Promise<Clean> {
  await fresh(world, direction)
  const requests = async (): Promise<Record<string, number>> => ({
    ...(await simState(world.threatq)).requests,
    ...(await simState(world.aed)).requests,
  })
  const before = await requests()
  const run = await world.run(['-n', NAME, ...direction.args])
  assert.equal(run.code, 0, run.stderr)
  const counts = await requests()
  for (const route of Object.keys(counts))
    counts[route] = (counts[route] ?? 0) - (before[route] ?? 0)
  return {
    state: await direction.finalState(world),
    committed: await direction.committed(world),
    counts,
  }
}

/**
 * One world (a pair of simulators) per suite. Each point is a test: a crash there, the files
 * intact, a rerun without faults that exits 0, the clean final state, the files intact again.
 */
function crashSuite(title: string, direction: Direction, specs: Spec[], prngSeed: number): void {
  describe(title, { concurrency: 1 }, () => {
    let world: World
    let clean: Clean
    const args = ['-n', NAME, ...direction.args]
    const resolved = new Map<Spec, CrashPoint>()

    before(async () => {
      world = await startWorld({ seed: direction.seed })
      await world.configure(direction.options, NAME)
      await direction.prepare(world)
      clean = await cleanRun(world, direction)
      const random = mulberry32(prngSeed)
      const place: Place = {
        count(route) {
          const n = clean.counts[route]
          assert.ok(n !== undefined && n > 0, `no ${route} in the clean run`)
          return n
        },
        pick: (lo, hi) => (hi <= lo ? lo : lo + Math.floor(random() * (hi - lo + 1))),
      }
      // Every point now, in order, so the PRNG draws do not depend on which tests run.
      for (const spec of specs) resolved.set(spec, spec.at(place))
    })
    after(async () => {
      await world.stop()
    })

    // The extended points (CRASH_ALL=1) are left out of CI time rather than reported as skipped.
    for (const spec of specs.filter((s) => ALL || s.extended !== true)) {
      it(`killed at: ${spec.name}`, async (t) => {
        const point = resolved.get(spec)
        assert.ok(point !== undefined)
        t.diagnostic(describePoint(point))
        await fresh(world, direction, spec.taxii)
        await crashAt(world, args, point)
        await assertFilesIntact(world, NAME)
        const committed = await direction.committed(world)
        t.diagnostic(
          `committed before the crash: ${String(committed)} of ${String(clean.committed)}`,
        )
        await world.aed.admin('POST', '/_sim/taxii', { pendingPolls: 0 })
        const rerun = await world.run(args)
        assert.equal(rerun.code, 0, `the rerun failed: ${rerun.stderr}`)
        assert.deepEqual(await direction.finalState(world), clean.state)
        await assertFilesIntact(world, NAME)
      })
    }
  })
}

const EXPORT_DIRECTION: Direction = {
  args: ['-e'],
  options: { taxii_max_objects: '100' },
  seed: 1500,
  prepare: async () => {},
  // Export writes only to AED; ThreatQ keeps its seed.
  reset: async (world) => {
    await world.aed.admin('POST', '/_sim/reset')
  },
  finalState: async (world) => {
    const state = await exportState(world)
    assert.equal(state.duplicateVersions, 0, 'no version stored twice')
    return state
  },
  committed: async (world) => (await simState(world.aed)).objects.taxiiObjects ?? 0,
}

const ALERTS = 1500
/** The alert ids of each world, by world. */
const alertIds = new Map<World, number[]>()

const IMPORT_DIRECTION: Direction = {
  args: ['-i'],
  options: { consume_batch_size: '100' },
  seed: 60,
  // Import writes only to ThreatQ; the AED alerts are added once.
  prepare: async (world) => {
    const random = mulberry32(SEED ^ 0x5eed)
    const now = Math.floor(Date.now() / 1000)
    const { alerts } = await world.aed.admin<{ alerts: { alertId: number }[] }>(
      'POST',
      '/_sim/alerts',
      {
        alerts: Array.from({ length: ALERTS }, (_, i) => ({
          alertType: 'ddos',
          severity: 1 + Math.floor(random() * 9),
          startTime: now - 7200 + i,
          category: 'botnet flood',
          src: `198.51.${String(100 + (i >> 8))}.${String(i & 255)}`,
        })),
      },
    )
    alertIds.set(
      world,
      alerts.map((a) => a.alertId).sort((a, b) => a - b),
    )
  },
  reset: async (world) => {
    await world.threatq.admin('POST', '/_sim/reset')
  },
  finalState: async (world) => {
    const events = await importedAlertIds(world)
    assert.deepEqual(events, alertIds.get(world), 'exactly one event per alert')
    return { events: events.length, indicators: await threatqIndicators(world) }
  },
  committed: async (world) => (await importedAlertIds(world)).length,
}

describe(`crash consistency (CRASH_SEED=${String(SEED)})`, { concurrency: true }, () => {
  const title = 'export: 1500 indicators, depth 1, TAXII requests of 100 objects'
  crashSuite(`${title}; reading ThreatQ`, EXPORT_DIRECTION, EXPORT_READS, SEED)
  crashSuite(`${title}; writing to AED`, EXPORT_DIRECTION, EXPORT_WRITES, SEED + 1)
  crashSuite(
    `import: ${String(ALERTS)} alerts, consume batches of 100 events`,
    IMPORT_DIRECTION,
    IMPORT,
    SEED + 2,
  )
})
