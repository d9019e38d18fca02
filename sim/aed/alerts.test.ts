import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { AlertStore, type PartialAlert } from './alerts.js'
import { Params } from './params.js'
import { arr, call, newSim, NOW, obj } from './test-support.js'

const V3 = '/api/aed/v3'

async function post(
  sim: ReturnType<typeof newSim>,
  alerts: unknown[],
): Promise<Record<string, unknown>[]> {
  const res = await sim.app.request('/_sim/alerts', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ alerts }),
  })
  assert.equal(res.status, 200)
  return arr(obj(await res.json()).alerts)
}

async function ids(sim: ReturnType<typeof newSim>, query: string): Promise<unknown[]> {
  const res = await call(sim, 'GET', `${V3}/alerts/?perPage=0&${query}`)
  assert.equal(res.status, 200, res.text)
  return arr(obj(res.body).alerts).map((a) => a.alertId)
}

describe('aed-sim [SIM] alerts', () => {
  it('fills every field of the model with defaults, keys sorted', async () => {
    const sim = newSim()
    const alert = (await post(sim, [{ src: '203.0.113.9', dst: '192.0.2.1' }]))[0] ?? {}
    assert.deepEqual(Object.keys(alert), [
      'alertId',
      'alertType',
      'category',
      'description',
      'direction',
      'dst',
      'dstPort',
      'endTime',
      'iocPattern',
      'matchType',
      'pgName',
      'pgid',
      'proto',
      'severity',
      'src',
      'srcPort',
      'startTime',
      'taxiiCollectionId',
      'taxiiCollectionTitle',
      'threatCategory',
      'threatName',
      'updateTime',
    ])
    const listed = arr(obj((await call(sim, 'GET', `${V3}/alerts/`)).body).alerts)[0] ?? {}
    assert.deepEqual(Object.keys(listed), Object.keys(alert), 'listings keep the keys sorted')
    assert.equal(alert.alertType, 'blocked-host')
    assert.equal(alert.category, 'Blocked Host')
    assert.equal(alert.startTime, NOW)
    assert.equal(alert.endTime, NOW, 'a blocked host is a single event')
    const ddos = (await post(sim, [{ alertType: 'ddos' }]))[0] ?? {}
    assert.equal(ddos.endTime, null, 'other types stay ongoing')
    assert.equal(ddos.alertId, 2)
  })

  it('rejects a malformed partial alert with 400', async () => {
    const res = await newSim().app.request('/_sim/alerts', {
      method: 'POST',
      body: JSON.stringify({ alerts: [{ severity: 12 }] }),
    })
    assert.equal(res.status, 400)
  })

  it('gets one alert by id, 404 for an unknown id', async () => {
    const sim = newSim()
    await post(sim, [{ alertType: 'system', description: 'disk full' }])
    assert.equal(obj((await call(sim, 'GET', `${V3}/alerts/1/`)).body).description, 'disk full')
    assert.equal((await call(sim, 'GET', `${V3}/alerts/2/`)).status, 404)
  })

  it('keeps one alert per alertId, even when a batch repeats one', async () => {
    const sim = newSim()
    await post(sim, [
      { alertId: 5, severity: 1 },
      { alertId: 5, severity: 9 },
    ])
    const listed = arr(obj((await call(sim, 'GET', `${V3}/alerts/`)).body).alerts)
    assert.deepEqual(
      listed.map((a) => [a.alertId, a.severity]),
      [[5, 9]],
    )
    assert.equal((await post(sim, [{}]))[0]?.alertId, 6, 'new ids continue after the highest')
  })

  it('replaces an alert posted again with its alertId (an alert that ended)', async () => {
    const sim = newSim()
    await post(sim, [{ alertType: 'ddos', startTime: 100 }])
    await post(sim, [{ alertId: 1, alertType: 'ddos', startTime: 100, endTime: 200 }])
    assert.deepEqual(await ids(sim, 'startTime=150'), [1])
    assert.deepEqual(await ids(sim, 'startTime=201'), [])
  })

  it('selects alerts active in [startTime, endTime], ongoing ones included', async () => {
    const sim = newSim()
    await post(sim, [
      { alertType: 'ddos', startTime: 100, endTime: 200 }, // 1
      { alertType: 'ddos', startTime: 50, endTime: null }, // 2: ongoing
      { startTime: 300 }, // 3
      { alertType: 'bandwidth', startTime: 10, endTime: 20 }, // 4
    ])
    assert.deepEqual(await ids(sim, ''), [4, 2, 1, 3], 'default order: startTime')
    assert.deepEqual(await ids(sim, 'startTime=150'), [2, 1, 3])
    assert.deepEqual(await ids(sim, 'startTime=150&endTime=250'), [2, 1])
    assert.deepEqual(await ids(sim, 'endTime=60'), [4, 2])
  })

  it('filters on minimum severity given as a number or low/medium/high', async () => {
    const sim = newSim()
    await post(sim, [{ severity: 2 }, { severity: 5 }, { severity: 8 }])
    assert.deepEqual(await ids(sim, 'severity=low'), [1, 2, 3])
    assert.deepEqual(await ids(sim, 'severity=Medium'), [2, 3])
    assert.deepEqual(await ids(sim, 'severity=HIGH'), [3])
    assert.deepEqual(await ids(sim, 'severity=5'), [2, 3])
    assert.equal((await call(sim, 'GET', `${V3}/alerts/?severity=urgent`)).status, 400)
  })

  it('filters on alertType and on q terms split on "+"', async () => {
    const sim = newSim()
    await post(sim, [
      { alertType: 'ddos', category: 'DNS Amplification' },
      { alertType: 'blocked-host', threatName: 'Emotet' },
      { alertType: 'system', description: 'license limit' },
    ])
    assert.deepEqual(await ids(sim, 'alertType=ddos,system'), [1, 3])
    assert.deepEqual(await ids(sim, 'q=emotet+license'), [2, 3])
    assert.equal((await call(sim, 'GET', `${V3}/alerts/?alertType=nope`)).status, 400)
  })

  it('pages with page/perPage (10 by default) and sorts with sort/direction', async () => {
    const sim = newSim()
    await post(
      sim,
      Array.from({ length: 25 }, (_, i) => ({ startTime: 1000 + i, severity: (i % 9) + 1 })),
    )
    const first = arr(obj((await call(sim, 'GET', `${V3}/alerts/`)).body).alerts)
    assert.equal(first.length, 10)
    const third = arr(obj((await call(sim, 'GET', `${V3}/alerts/?page=3`)).body).alerts)
    assert.deepEqual(
      third.map((a) => a.alertId),
      [21, 22, 23, 24, 25],
    )
    const desc = arr(
      obj(
        (
          await call(
            sim,
            'GET',
            `${V3}/alerts/?sort=severity&direction=DESC&perPage=3&select=alertId,severity`,
          )
        ).body,
      ).alerts,
    )
    // DESC reverses the ascending order (severity, then alertId).
    assert.deepEqual(desc, [
      { alertId: 18, severity: 9 },
      { alertId: 9, severity: 9 },
      { alertId: 17, severity: 8 },
    ])
    assert.equal((await call(sim, 'GET', `${V3}/alerts/?sort=bogus`)).status, 400)
  })

  it('finds the same alerts by binary search as a full scan would', () => {
    const alert = fc.record({
      // Some alerts replace an earlier one with the same id.
      alertId: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      startTime: fc.integer({ min: 0, max: 1000 }),
      span: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
    })
    fc.assert(
      fc.property(
        fc.array(alert, { maxLength: 60 }),
        fc.option(fc.integer({ min: 0, max: 1400 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 1400 }), { nil: undefined }),
        (specs, from, to) => {
          const store = new AlertStore()
          const added = store.addAll(
            specs.map((s) => ({
              ...(s.alertId === undefined ? {} : { alertId: s.alertId }),
              alertType: 'ddos' as const,
              startTime: s.startTime,
              endTime: s.span === null ? null : s.startTime + s.span,
            })),
            0,
          )
          const kept = [...new Map(added.map((a) => [a.alertId, a])).values()]
          const expected = kept
            .filter(
              (a) =>
                (to === undefined || a.startTime <= to) &&
                (from === undefined || a.endTime === null || a.endTime >= from),
            )
            .sort((a, b) => a.startTime - b.startTime || a.alertId - b.alertId)
            .map((a) => a.alertId)
          const query: Record<string, string> = { perPage: '0' }
          if (from !== undefined) query.startTime = String(from)
          if (to !== undefined) query.endTime = String(to)
          assert.deepEqual(
            store.query(Params.of(query)).map((a) => a.alertId),
            expected,
          )
        },
      ),
      { numRuns: 300 },
    )
  })

  it('answers every page of an unchanged store from one listing, and a changed store afresh', () => {
    const partial = fc.record({
      alertId: fc.integer({ min: 1, max: 40 }),
      alertType: fc.constantFrom('ddos' as const, 'blocked-host' as const),
      startTime: fc.integer({ min: 0, max: 100 }),
      severity: fc.integer({ min: 1, max: 9 }),
    })
    const query = fc.record({
      startTime: fc.constantFrom('', '0', '50'),
      severity: fc.constantFrom('', '4', 'high'),
      sort: fc.constantFrom('', 'severity', 'alertId'),
      direction: fc.constantFrom('', 'ASC', 'DESC'),
      page: fc.constantFrom('1', '2', '3'),
      perPage: fc.constantFrom('0', '3', '7'),
    })
    const step = fc.oneof(
      fc.record({ add: fc.array(partial, { minLength: 1, maxLength: 5 }) }),
      fc.record({ query }),
    )
    const ask = (store: AlertStore, q: Record<string, string>): unknown[] =>
      store.query(Params.of(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ''))))
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const store = new AlertStore()
        const added: PartialAlert[] = []
        for (const s of steps) {
          if ('add' in s) {
            store.addAll(s.add, 1000)
            added.push(...s.add)
            continue
          }
          // A store that never answered anything, holding the same alerts.
          const fresh = new AlertStore()
          fresh.addAll(added, 1000)
          assert.deepEqual(ask(store, s.query), ask(fresh, s.query))
        }
      }),
      { numRuns: 300 },
    )
  })
})
