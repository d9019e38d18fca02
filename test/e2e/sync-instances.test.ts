/**
 * Instance scopes and generations (docs/mapping.md, "Ids: generations and instance scopes"), the
 * real CLI against the simulators: two named instances exporting two saved searches into one AED
 * collection never withdraw each other's objects; `--full` restores an object AED holds revoked
 * behind the ledger's back; a ledger of another AED is set aside, and the new AED gets everything.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { StixObject } from '../../src/stix/types.js'
import { createTaxiiClient } from '../../src/taxii/client.js'
import { BIN, startSim, type Sim } from '../../sim/world/processes.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { AED_SIM_ARGS, aedObjects, CREDS, startWorld, type World } from '../../sim/world/world.js'

type Api = Awaited<ReturnType<typeof threatqApi>>

const line = (stdout: string, key: string): string =>
  new RegExp(`^\\s*${key}:\\s*(.*)$`, 'm').exec(stdout)?.[1] ?? ''

/** The latest version of each object AED holds, by id. */
async function latest(world: Pick<World, 'aed'>): Promise<Map<string, StixObject>> {
  const byId = new Map<string, StixObject>()
  for (const o of await aedObjects(world as World, '2.0')) {
    const held = byId.get(o.id)
    if (held === undefined || String(o.modified) > String(held.modified)) byId.set(o.id, o)
  }
  return byId
}

/** The indicator values AED enforces (some id's latest version not revoked). */
async function enforcedValues(world: Pick<World, 'aed'>): Promise<string[]> {
  const values = [...(await latest(world)).values()]
    .filter((o) => o.type === 'indicator' && o.revoked !== true)
    .map((o) => String(o.name))
  return [...new Set(values)].sort()
}

/** What someone else does in AED: a revoked version of every live object named `value`. */
async function revokeInAed(world: World, value: string): Promise<void> {
  const taxii = createTaxiiClient({
    version: '2.0',
    url: world.aed.url,
    username: CREDS.taxiiUser,
    password: CREDS.taxiiPassword,
  })
  try {
    const discovery = await taxii.discover()
    const collection = await taxii.collection(discovery.default ?? '', 'ThreatQ')
    const live = [...(await latest(world)).values()].filter(
      (o) => o.name === value && o.revoked !== true,
    )
    assert.ok(live.length > 0, `AED holds ${value}`)
    const modified = new Date(Date.now() + 1000).toISOString()
    const result = await taxii.addObjects(
      collection,
      live.map((o) => ({ ...o, revoked: true, modified })),
    )
    assert.equal(result.failures.length, 0)
  } finally {
    await taxii.close()
  }
}

const A_ONLY = ['198.51.100.201', '198.51.100.202', 'a-only.instances.example']
const SHARED = ['198.51.100.210', 'shared.instances.example']
const B_ONLY = ['198.51.100.220']

describe(
  'export: two instances, two saved searches, one AED collection',
  { concurrency: 1 },
  () => {
    let world: World
    let api: Api
    const ids = new Map<string, number>()
    const A = ['-n', 'alpha', '-e']
    const B = ['-n', 'beta', '-e']

    before(async () => {
      world = await startWorld()
      api = await threatqApi(world.threatq)
      const malware = await api<{ data: { id: number }[] }>('POST', '/api/malware/consume', [
        { value: 'SharedRAT', sources: [{ name: 'Feed A' }, { name: 'Feed B' }] },
      ])
      const malwareId = malware.data[0]?.id ?? 0
      const item = (value: string, feeds: string[]) => ({
        value,
        type: { name: /^[\d.]+$/.test(value) ? 'IP Address' : 'FQDN' },
        status: { name: 'Active' },
        sources: feeds.map((name) => ({ name })),
        // A shared indicator linked to a shared malware: relationships are shared too.
        ...(SHARED.includes(value) ? { malware: [{ id: malwareId }] } : {}),
      })
      const created = await api<{ data: { id: number; value: string }[] }>(
        'POST',
        '/api/indicators/consume',
        [
          ...A_ONLY.map((v) => item(v, ['Feed A'])),
          ...SHARED.map((v) => item(v, ['Feed A', 'Feed B'])),
          ...B_ONLY.map((v) => item(v, ['Feed B'])),
        ],
      )
      for (const r of created.data) ids.set(r.value, r.id)
      // B's search sees Active only; A's sees Review too: moving B's members to Review empties B's.
      await saveFeedCollection(api, 'Search A', 'Feed A', ['Active', 'Review'])
      await saveFeedCollection(api, 'Search B', 'Feed B', ['Active'])
      await world.configure({ data_collection: 'Search A' }, 'alpha')
      await world.configure({ data_collection: 'Search B' }, 'beta')
    })
    after(async () => {
      await world.stop()
    })

    it('both export into the collection', async () => {
      for (const args of [A, B]) {
        const run = await world.run(args)
        assert.equal(run.code, 0, run.stderr)
      }
      assert.deepEqual(await enforcedValues(world), [...A_ONLY, ...SHARED, ...B_ONLY].sort())
    })

    it("B's emptied search revokes B's objects only: A's stay enforced", async () => {
      for (const value of [...SHARED, ...B_ONLY])
        await api('PUT', `/api/indicators/${String(ids.get(value))}`, {
          status: { name: 'Review' },
        })
      const b = await world.run([...B, '--allow-mass-revoke'])
      assert.equal(b.code, 0, b.stderr)
      assert.notEqual(line(b.stdout, 'revoked'), 'none', b.stdout)
      assert.deepEqual(await enforcedValues(world), [...A_ONLY, ...SHARED].sort())
      const live = [...(await latest(world)).values()].filter((o) => o.revoked !== true)
      assert.ok(
        live.some((o) => o.type === 'relationship'),
        "A's relationship to the shared malware is live",
      )
      assert.ok(
        live.some((o) => o.type === 'malware'),
        'the shared malware is live',
      )
      // The status change is a new version of the shared indicators for A; then nothing is left.
      const a = await world.run(A)
      assert.equal(a.code, 0, a.stderr)
      assert.equal(line(a.stdout, 'revoked'), 'none')
      assert.deepEqual(await enforcedValues(world), [...A_ONLY, ...SHARED].sort())
      const again = await world.run(A)
      assert.equal(line(again.stdout, 'sent'), 'none', again.stdout)
    })

    it('--full restores an object AED holds revoked behind the ledger, under a new id', async () => {
      const value = SHARED[0] ?? ''
      await revokeInAed(world, value)
      assert.ok(!(await enforcedValues(world)).includes(value))
      const full = await world.run([...A, '--full'])
      assert.equal(full.code, 0, full.stderr)
      assert.match(full.stdout, /AED held 1 of this instance's objects revoked/)
      assert.deepEqual(await enforcedValues(world), [...A_ONLY, ...SHARED].sort())
      const versions = [...(await latest(world)).values()].filter((o) => o.name === value)
      const live = versions.filter((o) => o.revoked !== true)
      assert.equal(live.length, 1, 'one live copy')
      const again = await world.run(A)
      assert.equal(again.code, 0, again.stderr)
      assert.equal(line(again.stdout, 'sent'), 'none', 'the ledger knows the new id')
    })
  },
)

describe('export: a ledger belongs to one AED', { concurrency: 1 }, () => {
  let world: World
  let other: Sim

  before(async () => {
    world = await startWorld({ seed: 40 })
    other = await startSim(BIN.aed, AED_SIM_ARGS)
    await world.configure({ relationship_depth: '0' })
  })
  after(async () => {
    await Promise.all([world.stop(), other.stop()])
  })

  it('pointed at another AED whose collection has the same title, the run starts a new ledger and sends everything', async () => {
    const first = await world.run(['-e'])
    assert.equal(first.code, 0, first.stderr)
    const exported = await enforcedValues(world)
    assert.ok(exported.length > 0)
    await world.enable({ relationship_depth: '0', hostname: other.url })
    const moved = await world.run(['-e'])
    assert.equal(moved.code, 0, moved.stderr)
    assert.match(
      moved.stdout,
      /the export ledger belongs to another target \(it describes aed "[^"]+"; this run exports with "[^"]+"\); it was moved to \S+; this run starts a new one/,
    )
    assert.notEqual(line(moved.stdout, 'sent'), 'none')
    assert.deepEqual(await enforcedValues({ aed: other }), exported)
    const files = await readdir(world.configDir)
    assert.ok(
      files.some((f) => f.startsWith('netscout-aed.ledger.') && f.includes('retargeted')),
      files.join(', '),
    )
    const again = await world.run(['-e'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(line(again.stdout, 'sent'), 'none')
  })
})

/** A ledger file as the connector wrote it before the AED and the id scope were recorded. */
async function asPreUpgradeLedger(from: string, to: string): Promise<void> {
  const bytes = await readFile(from)
  const length = bytes.readUInt32LE(8)
  const header = JSON.parse(bytes.subarray(12, 12 + length).toString('utf8')) as Record<
    string,
    unknown
  >
  assert.equal(header.ids, '', 'the default instance writes shared ids')
  delete header.aed
  delete header.ids
  const json = Buffer.from(JSON.stringify(header))
  const size = Buffer.alloc(4)
  size.writeUInt32LE(json.length)
  const body = Buffer.concat([
    bytes.subarray(0, 8),
    size,
    json,
    bytes.subarray(12 + length, bytes.length - 32),
  ])
  await writeFile(to, Buffer.concat([body, createHash('sha256').update(body).digest()]), {
    mode: 0o600,
  })
}

describe('export: a named instance upgraded with a ledger written before id scopes', () => {
  let world: World

  before(async () => {
    world = await startWorld({ seed: 30 })
    await world.configure({ relationship_depth: '0' })
    await world.configure({ relationship_depth: '0' }, 'legacy')
  })
  after(async () => {
    await world.stop()
  })

  it('keeps the shared ids its objects have in AED: nothing re-sent, nothing revoked, and says so', async () => {
    // The default instance writes its objects under the shared ids a named one had before.
    const first = await world.run(['-e'])
    assert.equal(first.code, 0, first.stderr)
    const before = [...(await latest(world)).keys()].sort()
    await asPreUpgradeLedger(
      join(world.configDir, 'netscout-aed.ledger'),
      join(world.configDir, 'legacy.ledger'),
    )
    const upgraded = await world.run(['-n', 'legacy', '-e'])
    assert.equal(upgraded.code, 0, upgraded.stderr)
    assert.equal(line(upgraded.stdout, 'sent'), 'none', upgraded.stdout)
    assert.equal(line(upgraded.stdout, 'revoked'), 'none')
    assert.match(upgraded.stdout, /keeps the shared STIX ids its ledger was written with/)
    assert.deepEqual([...(await latest(world)).keys()].sort(), before)
    // --full reads every id back: under the wrong ids it would find none and send them anew.
    const full = await world.run(['-n', 'legacy', '-e', '--full'])
    assert.equal(full.code, 0, full.stderr)
    assert.doesNotMatch(full.stdout, /AED held \d+ of this instance's objects/)
    assert.deepEqual([...(await latest(world)).keys()].sort(), before, 'no new id')
  })
})
