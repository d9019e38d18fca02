import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim, type ThreatqSimOptions } from './app.js'
import { at, SimClient } from './test-support.js'

const client = (options: ThreatqSimOptions = {}): SimClient =>
  new SimClient(
    createThreatqSim({ seedIndicators: 300, clock: () => Date.UTC(2026, 0, 2), ...options }),
  )

/** An attack pattern the seed linked to an indicator, and that indicator. */
async function linkedPattern(c: SimClient): Promise<{ pattern: number; indicator: number }> {
  const patterns = at(await c.get('/api/attack_pattern?limit=100'), 'body', 'data') as {
    id: number
  }[]
  for (const { id } of patterns) {
    const linked = at((await c.get(`/api/attack_pattern/${String(id)}/indicators`)).body, 'data')
    const first = (linked as { id: number }[])[0]
    if (first !== undefined) return { pattern: id, indicator: first.id }
  }
  throw new Error('the seed linked no attack pattern to an indicator')
}

describe('threatq-sim strict by default, lenient by option', () => {
  it('answers 500 to with= naming attack_pattern unless withUnderscoreBug is false', async () => {
    const strict = client()
    const { pattern, indicator } = await linkedPattern(strict)
    const path = `/api/indicators/${String(indicator)}`
    assert.equal((await strict.get(`${path}?with=malware,attack_pattern`)).status, 500)
    assert.equal((await strict.get(`${path}?with=attack_pattern.type`)).status, 500)
    assert.equal((await strict.get(`${path}?with=malware`)).status, 200)
    // The per-object relation endpoint, as the SOAR app calls it, serves them.
    const related = await strict.get(`${path}/attack_pattern`)
    assert.equal(related.status, 200)
    assert.ok((at(related.body, 'data') as { id: number }[]).some((p) => p.id === pattern))
    const lenient = client({ withUnderscoreBug: false })
    const embedded = await lenient.get(`${path}?with=attack_pattern`)
    assert.equal(embedded.status, 200)
    assert.ok(
      (at(embedded.body, 'data', 'attack_pattern') as { id: number }[]).some(
        (p) => p.id === pattern,
      ),
    )
  })

  it('ignores {value, type} indicator refs in event items unless valueRefs; {id} refs always link', async () => {
    for (const valueRefs of [false, true]) {
      const c = client({ seedIndicators: 0, valueRefs })
      await c.post('/api/event/types', { name: 'Alert' })
      const made = await c.post('/api/indicators/consume', [
        { value: '203.0.113.9', type: 'IP Address' },
      ])
      const id = at(made.body, 'data', 0, 'id') as number
      const events = await c.post('/api/events/consume', [
        { title: 'by id', type: 'Alert', indicators: [{ id }] },
        { title: 'by value', type: 'Alert', indicators: [{ value: 'evil.example', type: 'FQDN' }] },
      ])
      assert.equal(events.status, 200)
      const [byId, byValue] = at(events.body, 'data') as { id: number }[]
      const linked = async (event: number | undefined) =>
        at((await c.get(`/api/events/${String(event)}/indicators`)).body, 'total')
      assert.equal(await linked(byId?.id), 1)
      assert.equal(await linked(byValue?.id), valueRefs ? 1 : 0, `valueRefs ${String(valueRefs)}`)
    }
  })

  it('answers POST /api/indicators with each indicator’s sources and attributes', async () => {
    const c = client({ seedIndicators: 0 })
    const res = await c.post('/api/indicators', [
      {
        value: '198.51.100.1',
        type: 'IP Address',
        sources: [{ name: 'Feed A', tlp_id: 2 }],
        attributes: [{ name: 'Country', value: 'US' }],
      },
    ])
    assert.equal(res.status, 201)
    assert.equal(at(res.body, 'data', 0, 'sources', 0, 'name'), 'Feed A')
    assert.equal(at(res.body, 'data', 0, 'sources', 0, 'tlp_id'), 2)
    assert.equal(typeof at(res.body, 'data', 0, 'sources', 0, 'pivot', 'id'), 'number')
    assert.equal(at(res.body, 'data', 0, 'attributes', 0, 'value'), 'US')
    assert.equal(typeof at(res.body, 'data', 0, 'attributes', 0, 'id'), 'number')
  })

  it('tolerates a trailing slash and sorts by -created as by -created_at', async () => {
    const c = client()
    const slash = await c.get('/api/indicators/?limit=3&sort=-created')
    assert.equal(slash.status, 200)
    const plain = await c.get('/api/indicators?limit=3&sort=-created_at')
    assert.deepEqual(at(slash.body, 'data'), at(plain.body, 'data'))
    const ids = (at(plain.body, 'data') as { id: number }[]).map((d) => d.id)
    assert.deepEqual(ids, [300, 299, 298], 'newest first')
  })

  it('gives every embedded source its tlp_id with with=sources (no sources.tlp needed)', async () => {
    const c = client()
    const got = await c.get('/api/indicators/1?with=sources')
    const sources = at(got.body, 'data', 'sources') as { tlp_id?: unknown; tlp?: unknown }[]
    assert.ok(sources.length > 0)
    for (const s of sources) {
      assert.ok('tlp_id' in s)
      assert.equal(s.tlp, undefined)
    }
  })
})
