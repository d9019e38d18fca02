/**
 * What a connector that keeps AED in step with ThreatQ relies on: a revoked or expired
 * indicator stops blocking, counts in /_sim/state, reading objects and manifests back by id, and
 * how re-sent and older versions are answered. TAXII 2.0 and 2.1, through the routes only.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES, type TaxiiVersion } from '../../../src/taxii/types.js'
import { DEFAULTS, type AedSim } from '../app.js'
import { arr, call, newSim, NOW_MS, obj, type Reply } from '../test-support.js'
import { collectionIdFor } from './store.js'

const COLLECTION = collectionIdFor(DEFAULTS.collection)
const AUTH = `Basic ${Buffer.from(`${DEFAULTS.taxiiUser}:${DEFAULTS.taxiiPassword}`).toString('base64')}`

/**
 * The connector's test for "this version is already there" (src/sync/export/taxii-writer.ts
 * IDENTICAL_VERSION), copied because the simulators import nothing of the connector's sync code.
 */
const IDENTICAL_VERSION = /identical version|already (exists?|present)|duplicate/i

const T0 = '2026-01-01T00:00:00.000Z'
const T1 = '2026-01-02T00:00:00.000Z'
const T2 = '2026-01-03T00:00:00.000Z'

interface Wire {
  version: TaxiiVersion
  root: string
  taxii: string
  stix: string
}
const WIRES: Wire[] = [
  { version: '2.0', root: '/taxii/aed/', ...mediaOf('2.0') },
  { version: '2.1', root: '/taxii2/aed/', ...mediaOf('2.1') },
]
function mediaOf(v: TaxiiVersion): { taxii: string; stix: string } {
  return { taxii: MEDIA_TYPES[v].taxii, stix: MEDIA_TYPES[v].stix }
}

/** A sim serving both TAXII versions, with a clock the test moves. */
function clockedSim(): { sim: AedSim; clock: { ms: number } } {
  const clock = { ms: NOW_MS }
  return { sim: newSim({ taxii: 'both', now: () => clock.ms }), clock }
}

function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    id: `indicator--${uuidv4()}`,
    created: T0,
    modified: T0,
    labels: ['malicious-activity'],
    pattern,
    valid_from: T0,
    ...extra,
  }
}

/** A 2.1 object carries spec_version; a 2.0 one must not. */
const forWire = (w: Wire, o: Record<string, unknown>): Record<string, unknown> =>
  w.version === '2.1' ? { spec_version: '2.1', ...o } : o

async function taxiiGet(
  sim: AedSim,
  path: string,
  accept: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return call(sim, 'GET', path, {
    token: null,
    headers: { authorization: AUTH, accept, ...headers },
  })
}

/** Pushes objects; answers the completed status resource. */
async function push(
  sim: AedSim,
  w: Wire,
  objects: Record<string, unknown>[],
): Promise<Record<string, unknown>> {
  const body =
    w.version === '2.0'
      ? { type: 'bundle', id: `bundle--${uuidv4()}`, spec_version: '2.0', objects }
      : { objects: objects.map((o) => forWire(w, o)) }
  const res = await call(sim, 'POST', `${w.root}collections/${COLLECTION}/objects/`, {
    token: null,
    body,
    headers: {
      authorization: AUTH,
      accept: w.taxii,
      'content-type': w.version === '2.0' ? w.stix : w.taxii,
    },
  })
  assert.equal(res.status, 202, res.text)
  return obj(res.body)
}

const objectsPath = (w: Wire, query = ''): string =>
  `${w.root}collections/${COLLECTION}/objects/${query}`
const manifestPath = (w: Wire, query = ''): string =>
  `${w.root}collections/${COLLECTION}/manifest/${query}`

/** The objects of a GET objects answer (2.0 bundle or 2.1 envelope). */
const objectsOf = (res: Reply): Record<string, unknown>[] => arr(obj(res.body).objects ?? [])

interface Flow {
  src: string
  dst: string
  host?: string
  url?: string
  direction?: 'inbound' | 'outbound'
}

async function traffic(sim: AedSim, flows: Flow[]): Promise<Record<string, unknown>[]> {
  const res = await sim.app.request('/_sim/traffic', {
    method: 'POST',
    body: JSON.stringify({ flows }),
  })
  assert.equal(res.status, 200)
  return arr(obj(await res.json()).alerts)
}

async function simState(sim: AedSim): Promise<Record<string, unknown>> {
  const res = await sim.app.request('/_sim/state')
  assert.equal(res.status, 200)
  return obj(await res.json())
}

const LOCAL = '10.0.0.1'
const ipFlow: Flow = { src: '198.51.100.7', dst: LOCAL }
const dnsFlow: Flow = { src: '192.0.2.20', dst: LOCAL, host: 'www.evil.example' }
const urlFlow: Flow = { src: '192.0.2.21', dst: LOCAL, url: 'https://bad.example/dl/x.exe' }

/** Three indicators, one per match type, that the three flows above hit. */
const threeKinds = (extra: Record<string, unknown> = {}): Record<string, unknown>[] => [
  indicator("[ipv4-addr:value = '198.51.100.7']", { name: 'ip', ...extra }),
  indicator("[domain-name:value = 'evil.example']", { name: 'dns', ...extra }),
  indicator("[url:value = 'http://bad.example/dl/x.exe']", { name: 'url', ...extra }),
]

/** An element that must be there (noUncheckedIndexedAccess). */
function at<T>(items: readonly T[], i: number): T {
  const item = items[i]
  if (item === undefined) throw new Error(`no item ${String(i)}`)
  return item
}

const revision = (
  o: Record<string, unknown>,
  modified: string,
  extra: Record<string, unknown>,
): Record<string, unknown> => ({ ...o, modified, ...extra })

for (const w of WIRES) {
  describe(`aed-sim TAXII ${w.version} sync: revocation and expiry end enforcement`, () => {
    it('stops blocking ip, dns and url once revoked versions arrive; a new id blocks again', async () => {
      const { sim } = clockedSim()
      const firsts = threeKinds()
      await push(sim, w, firsts)
      const before = await traffic(sim, [ipFlow, dnsFlow, urlFlow])
      assert.deepEqual(
        before.map((a) => [a.alertType, a.matchType, a.threatName]),
        [
          ['blocked-host', 'ip', 'ip'],
          ['blocked-host', 'dns', 'dns'],
          ['blocked-host', 'url', 'url'],
        ],
      )

      const status = await push(
        sim,
        w,
        firsts.map((o) => revision(o, T1, { revoked: true })),
      )
      assert.equal(status.success_count, 3)
      assert.deepEqual(await traffic(sim, [ipFlow, dnsFlow, urlFlow]), [], 'revoked: no alerts')
      const taxii = obj((await simState(sim)).taxii)
      assert.equal(taxii.revoked, 3)
      assert.deepEqual(taxii.enforced, { ip: 0, dns: 0, url: 0, total: 0 })
      assert.equal(sim.state.alerts.size, 3, 'the earlier alerts are untouched')

      // The same values under new ids (a re-created indicator in ThreatQ) are enforced again.
      await push(sim, w, threeKinds())
      const again = await traffic(sim, [ipFlow, dnsFlow, urlFlow])
      assert.deepEqual(
        again.map((a) => a.matchType),
        ['ip', 'dns', 'url'],
      )
    })

    it('stops blocking past valid_until on the sim clock, and counts the indicator expired', async () => {
      const { sim, clock } = clockedSim()
      const expiring = threeKinds({ valid_until: '2026-01-15T13:00:00Z' })
      await push(sim, w, expiring)
      assert.equal((await traffic(sim, [ipFlow, dnsFlow, urlFlow])).length, 3)
      assert.deepEqual(obj((await simState(sim)).taxii).enforced, {
        ip: 1,
        dns: 1,
        url: 1,
        total: 3,
      })

      clock.ms = Date.UTC(2026, 0, 15, 13, 0, 0) // exactly valid_until: no longer valid
      assert.deepEqual(await traffic(sim, [ipFlow, dnsFlow, urlFlow]), [])
      const taxii = obj((await simState(sim)).taxii)
      assert.equal(taxii.expired, 3)
      assert.equal(taxii.revoked, 0)
      assert.equal(obj(taxii.enforced).total, 0)

      // A later object with another id and no expiry enforces the same values again.
      await push(sim, w, threeKinds({ modified: T1, name: 'renewed' }))
      const again = await traffic(sim, [ipFlow, dnsFlow, urlFlow])
      assert.deepEqual(
        again.map((a) => a.threatName),
        ['renewed', 'renewed', 'renewed'],
      )
    })

    it('a new version with a valid_until already past ends enforcement at once', async () => {
      const { sim } = clockedSim()
      const [ip] = threeKinds()
      assert.ok(ip !== undefined)
      await push(sim, w, [ip])
      await push(sim, w, [revision(ip, T1, { valid_until: '2026-01-10T00:00:00Z' })])
      assert.deepEqual(await traffic(sim, [ipFlow]), [])
      assert.equal(obj((await simState(sim)).taxii).expired, 1)
    })

    it('when the newest indicator for a value expires, an older live one for it answers again', async () => {
      const { sim, clock } = clockedSim()
      const lasting = indicator("[ipv4-addr:value = '198.51.100.7']", { name: 'lasting' })
      const brief = indicator("[ipv4-addr:value = '198.51.100.7']", {
        name: 'brief',
        valid_until: '2026-01-16T00:00:00Z',
      })
      await push(sim, w, [lasting])
      await push(sim, w, [brief])
      assert.equal((await traffic(sim, [ipFlow]))[0]?.threatName, 'brief')
      clock.ms = Date.UTC(2026, 0, 17)
      assert.equal((await traffic(sim, [ipFlow]))[0]?.threatName, 'lasting')
    })
  })

  describe(`aed-sim TAXII ${w.version} sync: reading back and versions`, () => {
    it('answers match[id]=<a>,<b>,… with the latest version of each, a revoked one revoked', async () => {
      const { sim } = clockedSim()
      const all = Array.from({ length: 6 }, (_, i) =>
        indicator(`[ipv4-addr:value = '203.0.113.${String(i + 1)}']`),
      )
      await push(sim, w, all)
      const [a, b, c] = [at(all, 0), at(all, 1), at(all, 2)]
      await push(sim, w, [revision(a, T1, { revoked: true }), revision(b, T1, { name: 'b2' })])

      const ids = [a.id, b.id, all[4]?.id, 'indicator--00000000-0000-4000-8000-000000000000']
      const res = await taxiiGet(sim, objectsPath(w, `?match[id]=${ids.join(',')}`), w.stix)
      assert.equal(res.status, 200, res.text)
      const got = objectsOf(res)
      // An unknown id is simply absent; each known one comes once, at its latest version.
      assert.deepEqual(
        got.map((o) => [o.id, o.modified, o.revoked ?? false]).sort(),
        [
          [a.id, T1, true],
          [b.id, T1, false],
          [all[4]?.id, T0, false],
        ].sort(),
      )
      // Repeating the parameter adds to the list too.
      const repeated = await taxiiGet(
        sim,
        objectsPath(w, `?match[id]=${String(c.id)}&match[id]=${String(a.id)}`),
        w.stix,
      )
      assert.equal(objectsOf(repeated).length, 2)
    })

    it('pages a match[id] read-back of a hundred ids out of a larger collection', async () => {
      const { sim } = clockedSim()
      const all = Array.from({ length: 250 }, (_, i) =>
        indicator(`[ipv4-addr:value = '10.9.${String(i >> 8)}.${String(i & 255)}']`),
      )
      await push(sim, w, all.slice(0, 125))
      await push(sim, w, all.slice(125))
      const wanted = all.filter((_, i) => i % 2 === 0).slice(0, 100)
      const query = `?match[id]=${wanted.map((o) => String(o.id)).join(',')}`
      const seen: unknown[] = []
      if (w.version === '2.0') {
        for (let start = 0; start < 100; start += 40) {
          const res = await taxiiGet(sim, objectsPath(w, query), w.stix, {
            range: `items=${String(start)}-${String(start + 39)}`,
          })
          assert.equal(res.status, 206)
          const end = Math.min(start + 39, 99)
          assert.equal(
            res.headers.get('content-range'),
            `items ${String(start)}-${String(end)}/100`,
          )
          seen.push(...objectsOf(res).map((o) => o.id))
        }
      } else {
        let next: string | undefined
        do {
          const res = await taxiiGet(
            sim,
            objectsPath(w, `${query}&limit=40${next === undefined ? '' : `&next=${next}`}`),
            w.stix,
          )
          assert.equal(res.status, 200)
          const body = obj(res.body)
          seen.push(...objectsOf(res).map((o) => o.id))
          next = body.more === true ? (body.next as string) : undefined
        } while (next !== undefined)
      }
      assert.equal(seen.length, 100)
      assert.deepEqual(new Set(seen), new Set(wanted.map((o) => o.id)))
      // The first request's objects come before the second's (date_added order).
      const firstBatch = new Set(all.slice(0, 125).map((o) => o.id))
      const lastOfFirst = seen.findLastIndex((id) => firstBatch.has(id))
      const firstOfSecond = seen.findIndex((id) => !firstBatch.has(id))
      assert.ok(lastOfFirst < firstOfSecond)
    })

    it('pages the manifest and filters it on match[id] and match[type]', async () => {
      const { sim } = clockedSim()
      const indicators = Array.from({ length: 5 }, (_, i) =>
        indicator(`[domain-name:value = 'd${String(i)}.example']`),
      )
      const malware = {
        type: 'malware',
        id: `malware--${uuidv4()}`,
        created: T0,
        modified: T0,
        name: 'Emotet',
        labels: ['trojan'],
        ...(w.version === '2.1' ? { is_family: true } : {}),
      }
      await push(sim, w, [...indicators, malware])
      const first = indicators[0] as Record<string, unknown>
      await push(sim, w, [revision(first, T1, { revoked: true })])

      const typed = await taxiiGet(sim, manifestPath(w, '?match[type]=malware'), w.taxii)
      assert.deepEqual(
        arr(obj(typed.body).objects).map((e) => e.id),
        [malware.id],
      )
      const byId = await taxiiGet(
        sim,
        manifestPath(w, `?match[id]=${String(first.id)},${malware.id}`),
        w.taxii,
      )
      const entries = arr(obj(byId.body).objects)
      assert.deepEqual(entries.map((e) => e.id).sort(), [first.id, malware.id].sort())
      const firstEntry = entries.find((e) => e.id === first.id)
      // The latest version (the revoked one) by default; 2.0 lists versions, 2.1 has one each.
      if (w.version === '2.0') assert.deepEqual(firstEntry?.versions, [T1])
      else assert.equal(firstEntry?.version, T1)

      if (w.version === '2.0') {
        const page = await taxiiGet(sim, manifestPath(w), w.taxii, { range: 'items=0-3' })
        assert.equal(page.status, 206)
        assert.equal(page.headers.get('content-range'), 'items 0-3/6')
        assert.equal(arr(obj(page.body).objects).length, 4)
        const rest = await taxiiGet(sim, manifestPath(w), w.taxii, { range: 'items=4-9' })
        assert.equal(rest.headers.get('content-range'), 'items 4-5/6')
        const past = await taxiiGet(sim, manifestPath(w), w.taxii, { range: 'items=6-9' })
        assert.equal(past.status, 416)
      } else {
        const page = await taxiiGet(sim, manifestPath(w, '?limit=4'), w.taxii)
        const body = obj(page.body)
        assert.equal(body.more, true)
        assert.equal(arr(body.objects).length, 4)
        const rest = await taxiiGet(
          sim,
          manifestPath(w, `?limit=4&next=${String(body.next)}`),
          w.taxii,
        )
        assert.equal(obj(rest.body).more, false)
        assert.equal(arr(obj(rest.body).objects).length, 2)
      }
    })

    it('fails a re-sent id + modified with the message the connector reads as identical', async () => {
      const { sim } = clockedSim()
      const o = indicator("[ipv4-addr:value = '198.51.100.7']")
      await push(sim, w, [o])
      const status = await push(sim, w, [o])
      assert.equal(status.success_count, 0)
      assert.equal(status.failure_count, 1)
      const failure = arr(status.failures)[0]
      assert.equal(failure?.id, o.id)
      assert.match(String(failure?.message), IDENTICAL_VERSION)
      assert.equal(obj((await simState(sim)).taxii).versions, 1, 'nothing stored twice')
    })

    it('stores a version older than the latest without letting it replace the latest', async () => {
      const { sim } = clockedSim()
      const o = indicator("[ipv4-addr:value = '198.51.100.7']", { modified: T1, name: 'current' })
      await push(sim, w, [o])
      // An older, revoked version (e.g. replayed late) must not end the enforcement.
      const status = await push(sim, w, [revision(o, T0, { revoked: true, name: 'old' })])
      assert.equal(status.success_count, 1)
      assert.equal((await traffic(sim, [ipFlow]))[0]?.threatName, 'current')

      const latest = objectsOf(
        await taxiiGet(sim, objectsPath(w, `?match[id]=${String(o.id)}`), w.stix),
      )
      assert.deepEqual(
        latest.map((x) => x.modified),
        [T1],
      )
      const all = objectsOf(
        await taxiiGet(
          sim,
          objectsPath(w, `?match[id]=${String(o.id)}&match[version]=all`),
          w.stix,
        ),
      )
      assert.deepEqual(all.map((x) => x.modified).sort(), [T0, T1])
      const taxii = obj((await simState(sim)).taxii)
      assert.equal(taxii.versions, 2)
      assert.equal(taxii.revoked, 0)

      // A newer revoked version does end it, and becomes what reading back answers.
      await push(sim, w, [revision(o, T2, { revoked: true })])
      assert.deepEqual(await traffic(sim, [ipFlow]), [])
      const after = objectsOf(
        await taxiiGet(sim, objectsPath(w, `?match[id]=${String(o.id)}`), w.stix),
      )
      assert.deepEqual(
        after.map((x) => [x.modified, x.revoked]),
        [[T2, true]],
      )
    })
  })
}

describe('aed-sim /_sim/state taxii counts', () => {
  it('adds a taxii key beside the existing ones', async () => {
    const { sim } = clockedSim()
    const w = WIRES[0] as Wire
    await push(sim, w, [
      ...threeKinds(),
      indicator("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
      indicator("[ipv4-addr:value = '198.51.100.9']", { valid_until: '2026-01-01T00:00:00Z' }),
      indicator("[ipv4-addr:value = '198.51.100.10' OR ipv6-addr:value = '2001:db8::1']"),
      {
        type: 'identity',
        id: `identity--${uuidv4()}`,
        created: T0,
        modified: T0,
        name: 'x',
        identity_class: 'organization',
      },
    ])
    const state = await simState(sim)
    for (const key of ['objects', 'requests', 'faults', 'held', 'process'])
      assert.ok(key in state, `${key} kept`)
    assert.deepEqual(state.taxii, {
      objects: 7,
      versions: 7,
      indicators: 6,
      enforced: { ip: 3, dns: 1, url: 1, total: 5 },
      enforcedIndicators: 4,
      revoked: 0,
      expired: 1,
      notEnforceable: 1,
    })
  })
})
