/**
 * The fault matrix (docs/reliability.md): every remote surface the connector uses, under each
 * fault, either completes with the clean final state or fails with exit 1 and one clear line, after
 * which a clean rerun reaches the clean final state. One world per surface, surfaces side by side;
 * each cell starts from the simulators' seed state and a never-run instance.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { updateConfig } from '../../src/config/config-file.js'
import {
  expireTokensDuring,
  FAULT,
  faults,
  freshStart,
  inject,
  runCell,
  type FaultRule,
  type Outcome,
} from '../helpers/faults.js'
import { exportState as exportStateWithIds, importedAlertIds } from '../helpers/final-state.js'
import { simState, startWorld, type World } from '../../sim/world/world.js'

const NAME = 'faults'
const SEQUENTIAL = { concurrency: 1 }

interface Surface {
  world: World
  /** Seed state and a never-run instance; then the TAXII behaviour given. */
  fresh(taxii?: object): Promise<void>
  assertCleanState(): Promise<void>
  cell(
    sim: 'aed' | 'threatq',
    rules: FaultRule[],
    expected: Outcome,
    taxii?: object,
    message?: RegExp,
  ): Promise<void>
}

/** `timeouts:` written into the instance's config file, as a user would. */
async function setTimeouts(world: World, timeouts: Record<string, number>): Promise<void> {
  await updateConfig(
    join(world.configDir, `${NAME}.yaml`),
    Object.entries(timeouts).map(([key, value]) => ({ path: ['timeouts', key], value })),
  )
}

/** A world (started before the surface's cells, stopped after) and its cells. */
function surface(
  args: readonly string[],
  options: Record<string, string>,
  hooks: {
    /** Once, after the world is configured. */
    prepare?: (world: World) => Promise<void>
    /** Before each cell, after the fresh start. */
    setup?: (world: World) => Promise<void>
    assertClean: (world: World) => Promise<void>
    /** Some of the clean state is there, not all of it. */
    assertPartial: (world: World) => Promise<void>
  },
): Surface {
  const s = {} as Surface
  before(async () => {
    s.world = await startWorld({ seed: 60 })
    await s.world.configure(options, NAME)
    await hooks.prepare?.(s.world)
  })
  after(async () => {
    await s.world.stop()
  })
  s.fresh = async (taxii = {}) => {
    await freshStart(s.world, NAME, options)
    await s.world.aed.admin('POST', '/_sim/taxii', taxii)
    await hooks.setup?.(s.world)
  }
  s.assertCleanState = () => hooks.assertClean(s.world)
  s.cell = async (sim, rules, expected, taxii = {}, message) => {
    await s.fresh(taxii)
    await inject(s.world[sim], rules)
    await runCell(
      s.world,
      s.world[sim],
      ['-n', NAME, ...args],
      expected,
      () => s.assertCleanState(),
      () => hooks.assertPartial(s.world),
      message,
    )
  }
  return s
}

// ---- export: the clean final state is what a run without faults leaves in AED --------------

/**
 * Counts, not ids: the STIX ids derive from the ThreatQ host, whose port differs between worlds.
 */
async function exportState(world: World) {
  const state = await exportStateWithIds(world)
  return {
    ...state,
    indicatorIds: state.indicatorIds.length,
    objectVersions: state.objectVersions.length,
  }
}

type ExportState = Awaited<ReturnType<typeof exportState>>

/** The seed is the same in every world, so one clean run (in the first world to ask) serves all. */
let cleanExport: Promise<ExportState> | undefined

function cleanExportState(world: World): Promise<ExportState> {
  cleanExport ??= (async () => {
    await freshStart(world, NAME, {})
    const result = await world.run(['-n', NAME, '-e'])
    assert.equal(result.code, 0, result.stderr)
    const state = await exportState(world)
    assert.ok(state.indicatorIds > 20, JSON.stringify(state))
    assert.equal(state.duplicateVersions, 0)
    return state
  })()
  return cleanExport
}

function exportSurface(
  options: Record<string, string> = {},
  timeouts: Record<string, number> = {},
): Surface {
  let clean: ExportState
  return surface(['-e'], options, {
    prepare: async (world) => {
      clean = await cleanExportState(world)
      await setTimeouts(world, timeouts)
    },
    assertClean: async (world) => {
      assert.deepEqual(await exportState(world), clean)
    },
    assertPartial: async (world) => {
      const sent = (await exportState(world)).indicatorIds
      assert.ok(sent > 0 && sent < clean.indicatorIds, `${String(sent)} sent`)
    },
  })
}

// ---- import: the clean final state is one ThreatQ event per AED alert -----------------------

const ALERTS = 6

function importSurface(timeouts: Record<string, number> = {}): Surface {
  let alertIds: number[] = []
  return surface(
    ['-i'],
    { consume_batch_size: '2' },
    {
      prepare: (world) => setTimeouts(world, timeouts),
      setup: async (world) => {
        const now = Math.floor(Date.now() / 1000)
        const { alerts } = await world.aed.admin<{ alerts: { alertId: number }[] }>(
          'POST',
          '/_sim/alerts',
          {
            alerts: Array.from({ length: ALERTS }, (_, i) => ({
              alertType: 'ddos',
              severity: 8,
              startTime: now - 600 + i,
              category: 'botnet flood',
              src: `198.51.100.${String(10 + i)}`,
            })),
          },
        )
        alertIds = alerts.map((a) => a.alertId).sort((a, b) => a - b)
      },
      assertClean: async (world) => {
        assert.deepEqual(await importedAlertIds(world), alertIds, 'exactly one event per alert')
      },
      assertPartial: async (world) => {
        const n = (await importedAlertIds(world)).length
        assert.ok(n > 0 && n < ALERTS, `${String(n)} events written`)
      },
    },
  )
}

// ---- the matrix ---------------------------------------------------------------------------

describe('fault matrix', { concurrency: true }, () => {
  describe('ThreatQ API: POST /api/indicators/query (export)', SEQUENTIAL, () => {
    const s = exportSurface()
    const query = faults('POST', '^/api/indicators/query$')
    it('500 after the first page: exit 1, then a clean rerun', () =>
      s.cell('threatq', query.afterFirst(FAULT.status500), 'fails then recovers'))
    it('503 with Retry-After: 1, twice: completes', () =>
      s.cell('threatq', query.twice(FAULT.status503), 'completes'))
    it('429 with Retry-After as an HTTP date, twice: completes', () =>
      s.cell('threatq', query.twice(FAULT.status429Date()), 'completes'))
    it('connection reset, twice: completes', () =>
      s.cell('threatq', query.twice(FAULT.reset), 'completes'))
    it('truncated JSON with status 200: exit 1, then a clean rerun', () =>
      s.cell('threatq', query.always(FAULT.truncated), 'fails then recovers'))
    it('every token expires in the middle of the run: logs in again and completes', async () => {
      await s.fresh()
      const result = await expireTokensDuring(
        s.world.threatq,
        'POST',
        '^/api/indicators/query$',
        () => s.world.run(['-n', NAME, '-e']),
      )
      assert.equal(result.code, 0, result.stderr)
      await s.assertCleanState()
    })
  })

  describe('ThreatQ API: POST /api/events/consume (import, 2 events a request)', SEQUENTIAL, () => {
    const s = importSurface()
    const consume = faults('POST', '^/api/events/consume$')
    it('500 after the first batch was written: exit 1, then a rerun without duplicates', () =>
      s.cell('threatq', consume.afterFirst(FAULT.status500), 'fails part-way then recovers'))
    it('503 with Retry-After: 1, twice: completes', () =>
      s.cell('threatq', consume.twice(FAULT.status503), 'completes'))
    it('429 with Retry-After as an HTTP date, twice: completes', () =>
      s.cell('threatq', consume.twice(FAULT.status429Date()), 'completes'))
    it('connection reset, twice: completes', () =>
      s.cell('threatq', consume.twice(FAULT.reset), 'completes'))
    it('truncated JSON with status 200 after the first batch: exit 1, then a clean rerun', () =>
      s.cell('threatq', consume.afterFirst(FAULT.truncated), 'fails part-way then recovers'))
    it('every token expires in the middle of the run: logs in again and completes', async () => {
      await s.fresh()
      const result = await expireTokensDuring(
        s.world.threatq,
        'POST',
        '^/api/events/consume$',
        () => s.world.run(['-n', NAME, '-i']),
      )
      assert.equal(result.code, 0, result.stderr)
      await s.assertCleanState()
    })
  })

  describe('AED REST: GET /api/aed/v3/alerts/ (import)', SEQUENTIAL, () => {
    const s = importSurface()
    const alerts = faults('GET', '^/api/aed/v3/alerts/$')
    it('500 on every attempt: exit 1, then a clean rerun', () =>
      s.cell('aed', alerts.always(FAULT.status500), 'fails then recovers'))
    it('503 with Retry-After: 1, twice: completes', () =>
      s.cell('aed', alerts.twice(FAULT.status503), 'completes'))
    it('429 with Retry-After as an HTTP date, twice: completes', () =>
      s.cell('aed', alerts.twice(FAULT.status429Date()), 'completes'))
    it('connection reset, twice: completes', () =>
      s.cell('aed', alerts.twice(FAULT.reset), 'completes'))
    it('truncated JSON with status 200: exit 1, then a clean rerun', () =>
      s.cell('aed', alerts.always(FAULT.truncated), 'fails then recovers'))
  })

  describe(
    'AED TAXII: POST …/collections/<id>/objects/ (export, 25 objects a request)',
    SEQUENTIAL,
    () => {
      const s = exportSurface({ taxii_max_objects: '25' })
      const objects = faults('POST', '/collections/[^/]+/objects/$')
      it('500 after the first batch was stored: exit 1, then a clean rerun', () =>
        s.cell('aed', objects.afterFirst(FAULT.status500), 'fails part-way then recovers'))
      it('503 with Retry-After: 1, twice: completes', () =>
        s.cell('aed', objects.twice(FAULT.status503), 'completes'))
      it('429 with Retry-After as an HTTP date, twice: completes', () =>
        s.cell('aed', objects.twice(FAULT.status429Date()), 'completes'))
      it('connection reset, twice: completes', () =>
        s.cell('aed', objects.twice(FAULT.reset), 'completes'))
      it('truncated JSON with status 200 after the first batch: exit 1, then a clean rerun', () =>
        s.cell('aed', objects.afterFirst(FAULT.truncatedTaxii), 'fails part-way then recovers'))
    },
  )

  describe(
    'AED TAXII: GET …/status/<id>/ (export, statuses pending for one poll)',
    SEQUENTIAL,
    () => {
      const s = exportSurface()
      const status = faults('GET', '/status/[^/]+/$')
      const pendingOnce = { pendingPolls: 1 }
      it('500 on every attempt: exit 1, then a clean rerun', () =>
        s.cell('aed', status.always(FAULT.status500), 'fails then recovers', pendingOnce))
      it('503 with Retry-After: 1, twice: completes', () =>
        s.cell('aed', status.twice(FAULT.status503), 'completes', pendingOnce))
      it('429 with Retry-After as an HTTP date, twice: completes', () =>
        s.cell('aed', status.twice(FAULT.status429Date()), 'completes', pendingOnce))
      it('connection reset, twice: completes', () =>
        s.cell('aed', status.twice(FAULT.reset), 'completes', pendingOnce))
      it('truncated JSON with status 200: exit 1, then a clean rerun', () =>
        s.cell('aed', status.always(FAULT.truncatedTaxii), 'fails then recovers', pendingOnce))
      it('a status pending for two polls: waits and completes', () =>
        s.cell('aed', [], 'completes', { pendingPolls: 2 }))
    },
  )

  describe(
    'AED TAXII: a status pending past timeouts.taxii_status_seconds (1 s, export)',
    SEQUENTIAL,
    () => {
      const s = exportSurface({}, { taxii_status_seconds: 1 })
      it('exit 1 naming the setting; a clean rerun sends what was pending', () =>
        s.cell(
          'aed',
          [],
          'fails then recovers',
          { pendingPolls: 100 },
          /had not finished \d+ object\(s\).*timeouts\.taxii_status_seconds/,
        ))
    },
  )

  describe(
    'AED REST: GET /api/aed/v3/alerts/ slower than timeouts.http_request_seconds (1 s, import)',
    SEQUENTIAL,
    () => {
      const s = importSurface({ http_request_seconds: 1 })
      const alerts = faults('GET', '^/api/aed/v3/alerts/$')
      const slow = { delayMs: 3000 }
      it('slower twice: each attempt times out and is retried; completes', async () => {
        await s.cell('aed', alerts.twice(slow), 'completes')
        const { requests } = await simState(s.world.aed)
        // An attempt the client gave up on is dropped before any route: counted as `GET /*`.
        assert.equal(requests['GET /*'], 2, `two attempts gave up: ${JSON.stringify(requests)}`)
        assert.equal(requests['GET /api/aed/v3/alerts/'], 1, 'the third was answered')
      })
      it('slower on every attempt: exit 1 naming the setting, then a clean rerun', () =>
        s.cell(
          'aed',
          alerts.always(slow),
          'fails then recovers',
          {},
          /no complete answer within 1 s \(timeouts\.http_request_seconds/,
        ))
    },
  )

  describe('AED TAXII: a partial failure, some objects rejected (export)', SEQUENTIAL, () => {
    const s = exportSurface()
    const rejectDomains = {
      reject: [{ pattern: 'domain-name', message: 'domains refused for now' }],
    }

    /** Exit 3 with the rejects counted; then AED accepts everything again. */
    async function rejectedRun(): Promise<void> {
      await s.fresh(rejectDomains)
      const first = await s.world.run(['-n', NAME, '-e'])
      assert.equal(first.code, 3, first.stderr)
      assert.match(first.stdout, /rejected:\s+domains refused for now [1-9]/)
      await s.world.aed.admin('POST', '/_sim/taxii', { reject: [] })
    }

    it('exit 3 counting the rejects; once AED accepts them, a --full rerun sends them', async () => {
      await rejectedRun()
      const rerun = await s.world.run(['-n', NAME, '-e', '--full'])
      assert.equal(rerun.code, 0, rerun.stderr)
      await s.assertCleanState()
    })
    it('exit 3 counting the rejects; once AED accepts them, a plain rerun sends them', async () => {
      await rejectedRun()
      const rerun = await s.world.run(['-n', NAME, '-e'])
      assert.equal(rerun.code, 0, rerun.stderr)
      await s.assertCleanState()
    })
  })
})
