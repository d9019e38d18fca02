import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Persister, readSnapshot, SNAPSHOT_FILE, SnapshotError, writeSnapshot } from './persist.js'
import { createThreatqSim } from './app.js'
import { at, SimClient } from './test-support.js'

const clock = (): number => Date.UTC(2026, 0, 7)

describe('--data-dir persistence', () => {
  it('round-trips objects, links, sources with TLP, searches, connectors and id sequences', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-sim-'))
    try {
      const a = new SimClient(createThreatqSim({ seedIndicators: 60, clock }))
      await a.post('/api/event/types', { name: 'Alert' })
      await a.post('/api/events/consume', [
        { title: 'E1', type: 'Alert', indicators: [{ value: '192.0.2.1', type: 'IP Address' }] },
      ])
      await a.raw('POST', '/_sim/connector', {
        name: 'C',
        options: { hostname: 'h' },
        active: true,
      })
      await a.delete('/api/indicators/3')
      await writeSnapshot(a.sim.store, dir)

      const restored = await readSnapshot(dir, clock)
      assert.ok(restored !== undefined)
      const b = new SimClient(createThreatqSim({ store: restored, clock }))
      assert.deepEqual(
        at((await b.raw('GET', '/_sim/state')).body, 'objects'),
        at((await a.raw('GET', '/_sim/state')).body, 'objects'),
      )
      for (const path of [
        '/api/indicators?with=sources,attributes&limit=100',
        '/api/events/1?with=indicators,type',
        '/api/search/query',
        '/api/connectors',
        '/api/indicators/5/adversaries',
      ]) {
        assert.deepEqual((await b.get(path)).body, (await a.get(path)).body, path)
      }
      assert.equal((await b.get('/api/indicators/3')).status, 404)
      // Expiry times survive (two of the 60 seeded indicators have one).
      const expiring = (
        at((await b.get('/api/indicators?limit=100')).body, 'data') as { expires_at: unknown }[]
      ).filter((r) => r.expires_at !== null)
      assert.equal(expiring.length, 2)
      // Sequences continue: new ids never reuse old ones.
      const next = await b.post('/api/indicators', { value: 'new.example', type: 'FQDN' })
      const expected = await a.post('/api/indicators', { value: 'new.example', type: 'FQDN' })
      assert.equal(at(next.body, 'data', 0, 'id'), at(expected.body, 'data', 0, 'id'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('saves after changes (debounced) and on flush; no snapshot means a fresh start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-sim-'))
    try {
      assert.equal(await readSnapshot(dir, clock), undefined)
      const sim = createThreatqSim({ clock })
      const persister = new Persister(sim.core, dir, 5)
      const c = new SimClient(sim)
      await c.post('/api/adversaries', { name: 'Persisted' })
      await persister.flush()
      assert.match(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8'), /Persisted/)
      await c.post('/api/adversaries', { name: 'Debounced' })
      for (
        let i = 0;
        i < 100 && !readFileSync(join(dir, SNAPSHOT_FILE), 'utf8').includes('Debounced');
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      assert.match(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8'), /Debounced/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a file that is not a snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-sim-'))
    try {
      writeFileSync(join(dir, SNAPSHOT_FILE), '{"t":"header","format":"other","version":1}\n')
      await assert.rejects(readSnapshot(dir, clock), SnapshotError)
      writeFileSync(join(dir, SNAPSHOT_FILE), 'not json\n')
      await assert.rejects(readSnapshot(dir, clock), SnapshotError)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
