import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Persistence, SNAPSHOT_FILE } from './persist.js'
import { arr, call, newSim, obj } from './test-support.js'

const V3 = '/api/aed/v3'

describe('aed-sim --data-dir snapshots', () => {
  it('restores lists, groups, alerts, TAXII objects and clients after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aed-sim-'))
    try {
      const first = newSim({ seed: 7, seedAlerts: 20 })
      await call(first, 'POST', `${V3}/protection-groups/denied-hosts/`, {
        body: { hostAddress: '1.2.3.4', annotation: 'keep' },
      })
      await call(first, 'POST', `${V3}/taxii/configuration/clients/`, {
        body: { username: 'u2', password: 'p2' },
      })
      const saver = new Persistence(dir, first.state)
      saver.schedule()
      saver.flush()

      const second = newSim()
      assert.equal(new Persistence(dir, second.state).load(), 'loaded')
      for (const path of [
        `${V3}/protection-groups/denied-hosts/?perPage=0`,
        `${V3}/protection-groups/?perPage=0`,
        `${V3}/alerts/?perPage=0`,
        `${V3}/taxii/configuration/clients/`,
        `${V3}/otf/denied-countries/?perPage=0`,
      ]) {
        assert.deepEqual(
          (await call(second, 'GET', path)).body,
          (await call(first, 'GET', path)).body,
          path,
        )
      }
      const created = await call(second, 'POST', `${V3}/protection-groups/`, {
        body: { name: 'next' },
      })
      assert.equal(obj(created.body).pgid, 6, 'ids continue after the restored ones')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('ignores a snapshot of another format, reports a missing one, names a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aed-sim-'))
    try {
      const sim = newSim()
      assert.equal(new Persistence(dir, sim.state).load(), 'absent')
      writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify({ format: 999 }))
      assert.equal(new Persistence(dir, sim.state).load(), 'incompatible')
      assert.equal(sim.state.protectionGroups.size, 1, 'state untouched')
      writeFileSync(join(dir, SNAPSHOT_FILE), '{"format": 1, "alerts": [')
      assert.throws(() => new Persistence(dir, sim.state).load(), /not a readable snapshot/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('aed-sim --seed', () => {
  it('gives the same sample data for the same seed, other data for another, without Math.random', async () => {
    const random = Math.random
    Math.random = () => {
      throw new Error('Math.random used')
    }
    try {
      const a = newSim({ seed: 42 })
      const b = newSim({ seed: 42 })
      const c = newSim({ seed: 43 })
      const alerts = async (s: typeof a): Promise<unknown> =>
        (await call(s, 'GET', `${V3}/alerts/?perPage=0`)).body
      assert.deepEqual(await alerts(a), await alerts(b))
      assert.notDeepEqual(await alerts(a), await alerts(c))
      assert.equal(arr(obj(await alerts(a)).alerts).length, 50)
      const hosts = arr(
        obj((await call(a, 'GET', `${V3}/protection-groups/denied-hosts/?perPage=0`)).body)[
          'denied-hosts'
        ],
      )
      assert.ok(hosts.length >= 5)
      assert.ok(a.state.protectionGroups.size >= 5)
    } finally {
      Math.random = random
    }
  })
})
