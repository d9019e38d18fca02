/**
 * Property (docs/mapping.md, "Sync: revocation, expiry and guards"): for random sequences of adds,
 * status changes, edits, deletes and killed runs, once a run finishes, AED enforces exactly the
 * exportable members of the data collection. The real CLI against both simulator processes; a kill
 * lands wherever the run is at the time (the property must hold for any point).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { aedObjects, forgetRuns, startWorld, type World } from '../../sim/world/world.js'
import type { StixObject } from '../../src/stix/types.js'

const FEED = 'Property Feed'
const COLLECTION = 'Property Collection'
const VALUES = Array.from({ length: 6 }, (_, i) => `198.51.100.${String(50 + i)}`)
const STATUSES = ['Active', 'Review', 'Indirect', 'Whitelisted'] as const
/** In the saved search and not in revoke_statuses. */
const EXPORTED = new Set(['Active', 'Review'])

type Op =
  | { kind: 'status'; i: number; status: (typeof STATUSES)[number] }
  | { kind: 'edit'; i: number }
  | { kind: 'delete'; i: number }
  | { kind: 'add'; i: number }
  | { kind: 'run' }
  | { kind: 'kill'; afterMs: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('status' as const),
    i: fc.nat(VALUES.length - 1),
    status: fc.constantFrom(...STATUSES),
  }),
  fc.record({ kind: fc.constant('edit' as const), i: fc.nat(VALUES.length - 1) }),
  fc.record({ kind: fc.constant('delete' as const), i: fc.nat(VALUES.length - 1) }),
  fc.record({ kind: fc.constant('add' as const), i: fc.nat(VALUES.length - 1) }),
  fc.record({ kind: fc.constant('run' as const) }),
  fc.record({ kind: fc.constant('kill' as const), afterMs: fc.integer({ min: 0, max: 400 }) }),
)

async function enforced(world: World): Promise<string[]> {
  const latest = new Map<string, StixObject>()
  for (const o of await aedObjects(world, '2.0')) {
    const held = latest.get(o.id)
    if (held === undefined || String(o.modified) > String(held.modified)) latest.set(o.id, o)
  }
  return [...latest.values()]
    .filter((o) => o.type === 'indicator' && o.revoked !== true)
    .map((o) => String(o.name))
    .sort()
}

describe('export sync property: AED enforces exactly the exportable members', () => {
  let world: World
  before(async () => {
    world = await startWorld()
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  it('after any sequence of changes and killed runs, a finished run leaves AED in step', async () => {
    const args = ['-e', '--allow-mass-revoke']
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 8 }), async (ops) => {
        await Promise.all([
          world.threatq.admin('POST', '/_sim/reset'),
          world.aed.admin('POST', '/_sim/reset'),
          forgetRuns(world),
        ])
        const api = await threatqApi(world.threatq)
        // Indirect leaves the saved search; Whitelisted stays in it but is revoked.
        await saveFeedCollection(api, COLLECTION, FEED, ['Active', 'Review', 'Whitelisted'])
        await world.enable({ data_collection: COLLECTION, revoke_statuses: 'Whitelisted' })
        // The model: each value's ThreatQ id and status (absent: deleted or never added).
        const model = new Map<number, { id: number; status: string }>()
        const add = async (i: number): Promise<void> => {
          const created = await api<{ data: { id: number }[] }>('POST', '/api/indicators/consume', [
            {
              value: VALUES[i],
              type: { name: 'IP Address' },
              status: { name: 'Active' },
              sources: [{ name: FEED }],
            },
          ])
          model.set(i, { id: created.data[0]?.id ?? 0, status: 'Active' })
        }
        for (let i = 0; i < VALUES.length; i++) await add(i)
        for (const step of ops) {
          const entry = 'i' in step ? model.get(step.i) : undefined
          if (step.kind === 'status' && entry !== undefined) {
            await api('PUT', `/api/indicators/${String(entry.id)}`, {
              status: { name: step.status },
            })
            entry.status = step.status
          } else if (step.kind === 'edit' && entry !== undefined) {
            await api('PUT', `/api/indicators/${String(entry.id)}`, {
              description: `edit ${String(Date.now())}`,
            })
          } else if (step.kind === 'delete' && entry !== undefined) {
            await api('DELETE', `/api/indicators/${String(entry.id)}`)
            model.delete(step.i)
          } else if (step.kind === 'add' && entry === undefined) await add(step.i)
          else if (step.kind === 'run') {
            const result = await world.run(args)
            assert.equal(result.code, 0, result.stderr)
          } else if (step.kind === 'kill') {
            const running = world.start(args)
            const timer = setTimeout(() => running.child.kill('SIGKILL'), step.afterMs)
            await running.result
            clearTimeout(timer)
          }
        }
        const result = await world.run(args)
        assert.equal(result.code, 0, result.stderr)
        const expected = [...model]
          .filter(([, e]) => EXPORTED.has(e.status))
          .map(([i]) => VALUES[i] ?? '')
          .sort()
        assert.deepEqual(await enforced(world), expected)
      }),
      {
        numRuns: 8,
        seed: Number(process.env.PROPERTY_SEED ?? 20261203),
        includeErrorInReport: true,
      },
    )
  })
})
