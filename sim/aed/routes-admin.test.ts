import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULTS, type AedSim } from './app.js'
import { collectionIdFor } from './taxii/store.js'
import { admin, arr, call, createPg, newSim, NOW_MS, obj, pushIndicators } from './test-support.js'

const V3 = '/api/aed/v3'

const traffic = async (sim: AedSim, flows: unknown[]): Promise<Record<string, unknown>[]> =>
  arr((await admin(sim, 'POST', '/_sim/traffic', { flows })).alerts)

describe('aed-sim /_sim/traffic: flows become blocked-host alerts', () => {
  it('matches an inbound deny-list host, naming the protection group that holds the destination', async () => {
    const sim = newSim()
    const pgid = await createPg(sim, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '203.0.113.0/24' },
    })
    const alerts = await traffic(sim, [
      { src: '203.0.113.5', dst: '192.0.2.10', srcPort: 5555, dstPort: 443, proto: 'tcp' },
      { src: '198.18.0.1', dst: '192.0.2.10', srcPort: 5555, dstPort: 443, proto: 'tcp' },
    ])
    assert.equal(alerts.length, 1, 'an unmatched flow passes')
    const alert = alerts[0] ?? {}
    assert.equal(alert.alertType, 'blocked-host')
    assert.equal(alert.matchType, 'ip')
    assert.equal(alert.iocPattern, '203.0.113.0/24')
    assert.equal(alert.pgid, pgid)
    assert.equal(alert.pgName, 'web')
    assert.equal(alert.taxiiCollectionId, null)
    assert.equal(alert.startTime, NOW_MS / 1000)
    const listed = arr(obj((await call(sim, 'GET', `${V3}/alerts/`)).body).alerts)
    assert.deepEqual(
      listed.map((a) => a.alertId),
      [alert.alertId],
      'the alert is listed',
    )
  })

  it('lets the allow list win over a deny entry, and scopes inbound entries to their group', async () => {
    const sim = newSim()
    const pgid = await createPg(sim, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '203.0.113.0/24', pgid },
    })
    await call(sim, 'POST', `${V3}/protection-groups/allowed-hosts/`, {
      body: { hostAddress: '203.0.113.7' },
    })
    const alerts = await traffic(sim, [
      { src: '203.0.113.7', dst: '192.0.2.1' },
      { src: '203.0.113.8', dst: '192.0.2.1' },
      { src: '203.0.113.8', dst: '10.0.0.1' },
    ])
    assert.deepEqual(
      alerts.map((a) => a.src),
      ['203.0.113.8'],
    )
  })

  it('matches outbound flows on their destination against the OTF lists', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.66' } })
    const alerts = await traffic(sim, [
      { src: '192.0.2.1', dst: '198.51.100.66', direction: 'outbound' },
      { src: '198.51.100.66', dst: '192.0.2.1' },
    ])
    assert.deepEqual(
      alerts.map((a) => [a.direction, a.iocPattern]),
      [['outbound', '198.51.100.66']],
    )
  })

  it('matches denied domains (subdomains too) and URLs (scheme ignored)', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/protection-groups/denied-domains/`, {
      body: { domain: 'evil.example' },
    })
    await call(sim, 'POST', `${V3}/protection-groups/denied-urls/`, {
      body: { url: 'https://phish.example/login' },
    })
    const alerts = await traffic(sim, [
      { src: '1.1.1.1', dst: '192.0.2.1', host: 'cdn.evil.example' },
      { src: '1.1.1.1', dst: '192.0.2.1', host: 'notevil.example' },
      { src: '1.1.1.1', dst: '192.0.2.1', url: 'http://phish.example/login' },
    ])
    assert.deepEqual(
      alerts.map((a) => [a.matchType, a.iocPattern]),
      [
        ['dns', 'evil.example'],
        ['url', 'phish.example/login'],
      ],
    )
  })

  it('matches STIX entries, carrying the TAXII collection id and title and the indicator name', async () => {
    const sim = newSim()
    await pushIndicators(sim, [
      "[ipv4-addr:value = '198.51.100.0/24']",
      "[domain-name:value = 'c2.example']",
      "[url:value = 'http://x.example/a']",
    ])
    const alerts = await traffic(sim, [
      { src: '198.51.100.200', dst: '192.0.2.1', severity: 9 },
      { src: '192.0.2.1', dst: '8.8.8.8', host: 'www.c2.example', direction: 'outbound' },
      { src: '192.0.2.1', dst: '8.8.8.8', url: 'https://x.example/a', direction: 'outbound' },
      { src: '192.0.2.1', dst: '8.8.8.8', url: 'https://x.example/b', direction: 'outbound' },
    ])
    assert.deepEqual(
      alerts.map((a) => [a.matchType, a.iocPattern]),
      [
        ['ip', '198.51.100.0/24'],
        ['dns', 'c2.example'],
        ['url', 'http://x.example/a'],
      ],
    )
    for (const a of alerts) {
      assert.equal(a.taxiiCollectionId, collectionIdFor(DEFAULTS.collection))
      assert.equal(a.taxiiCollectionTitle, DEFAULTS.collection)
      assert.equal(a.threatName, 'Bad thing')
    }
    assert.equal(alerts[0]?.severity, 9, 'the flow’s severity wins')
    assert.equal(alerts[1]?.severity, 7, '[SIM] STIX default severity')
  })

  it('no longer matches an indicator past its valid_until', async () => {
    const sim = newSim()
    await pushIndicators(sim, ["[ipv4-addr:value = '198.51.100.1']"], {
      valid_until: '2026-01-10T00:00:00Z',
    })
    assert.deepEqual(await traffic(sim, [{ src: '198.51.100.1', dst: '192.0.2.1' }]), [])
  })
})

describe('aed-sim admin surface', () => {
  it('counts stored objects per kind and requests per route in /_sim/state', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['1.1.1.1', '2.2.2.2'] },
    })
    await call(sim, 'GET', `${V3}/otf/denied-hosts/`)
    await call(sim, 'GET', `${V3}/otf/denied-hosts/`)
    const state = await admin(sim, 'GET', '/_sim/state')
    assert.equal(obj(state.objects)['outbound-denied-hosts'], 2)
    assert.equal(obj(state.objects).protectionGroups, 1)
    assert.equal(obj(state.objects).taxiiCollections, 1)
    assert.equal(obj(state.requests)['GET /api/aed/v3/otf/denied-hosts/'], 2)
    assert.equal(obj(state.requests)['POST /api/aed/v3/otf/denied-hosts/'], 1)
  })

  it('injects faults by method and path for a number of requests, and clears them', async () => {
    const sim = newSim()
    await admin(sim, 'POST', '/_sim/faults', {
      match: { method: 'GET', path: '/alerts/$' },
      fault: { status: 503, retryAfter: '2' },
      times: 1,
    })
    const faulted = await call(sim, 'GET', `${V3}/alerts/`)
    assert.deepEqual([faulted.status, faulted.headers.get('retry-after')], [503, '2'])
    assert.equal((await call(sim, 'GET', `${V3}/alerts/`)).status, 200)
    await admin(sim, 'POST', '/_sim/faults', { fault: { body: '{"alerts": [' } })
    assert.equal((await call(sim, 'GET', `${V3}/alerts/`)).text, '{"alerts": [')
    await admin(sim, 'DELETE', '/_sim/faults')
    assert.equal((await call(sim, 'GET', `${V3}/alerts/`)).status, 200)
  })

  it('takes fault rules at start (--faults)', async () => {
    const sim = newSim({ faults: [{ match: { path: '^/taxii/' }, fault: { status: 500 } }] })
    assert.equal((await sim.app.request('/taxii/')).status, 500)
  })

  it('resets to the start state with /_sim/reset', async () => {
    const sim = newSim({ seed: 3, seedAlerts: 5 })
    const before = obj((await admin(sim, 'GET', '/_sim/state')).objects)
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '1.1.1.1' } })
    await admin(sim, 'POST', '/_sim/alerts', { alerts: [{}] })
    await admin(sim, 'POST', '/_sim/reset')
    const after = await admin(sim, 'GET', '/_sim/state')
    assert.deepEqual(after.objects, before)
    assert.deepEqual(after.requests, {})
  })

  it('reports and changes the TAXII behaviour, refusing a bad rule', async () => {
    const sim = newSim()
    const behaviour = await admin(sim, 'POST', '/_sim/taxii', { pendingPolls: 3 })
    assert.equal(behaviour.pendingPolls, 3)
    assert.equal((await admin(sim, 'GET', '/_sim/taxii')).pendingPolls, 3)
    const bad = await sim.app.request('/_sim/taxii', {
      method: 'POST',
      body: JSON.stringify({ reject: [{ pattern: '(' }] }),
    })
    assert.equal(bad.status, 400)
  })
})
