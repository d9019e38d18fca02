/**
 * What a connector that keeps AED's deny/allow lists in step with ThreatQ relies on:
 * paging, many values per call, annotations, re-adds, deleting what is not there, capacity, and
 * traffic against the lists. v2 (blacklisted/whitelisted) and v3 (denied/allowed) names.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES } from '../../src/taxii/types.js'
import { DEFAULTS, type AedSim, type AedSimOptions } from './app.js'
import { buildAedParser, aedOptionsFrom, type AedArgs } from './cli.js'
import { LIST_FULL_CODE, LIST_FULL_STATUS } from './lists.js'
import { arr, call, newSim, NOW, NOW_MS, obj } from './test-support.js'
import { collectionIdFor } from './taxii/store.js'

interface Names {
  api: 'v2' | 'v3'
  outDeny: string
  outAllow: string
  inDeny: string
  inAllow: string
  domains: string
  urls: string
}
const NAMES: Names[] = [
  {
    api: 'v2',
    outDeny: 'otf/blacklisted-hosts',
    outAllow: 'otf/whitelisted-hosts',
    inDeny: 'protection-groups/blacklisted-hosts',
    inAllow: 'protection-groups/whitelisted-hosts',
    domains: 'protection-groups/blacklisted-domains',
    urls: 'protection-groups/blacklisted-urls',
  },
  {
    api: 'v3',
    outDeny: 'otf/denied-hosts',
    outAllow: 'otf/allowed-hosts',
    inDeny: 'protection-groups/denied-hosts',
    inAllow: 'protection-groups/allowed-hosts',
    domains: 'protection-groups/denied-domains',
    urls: 'protection-groups/denied-urls',
  },
]

/**
 * The list key of a route: its last path segment (docs/aed-api.md, "Deny and allow lists: names").
 */
const keyOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

function clocked(options: AedSimOptions = {}): { sim: AedSim; clock: { ms: number } } {
  const clock = { ms: NOW_MS }
  return { sim: newSim({ now: () => clock.ms, ...options }), clock }
}

const hosts = (n: number, prefix = '198.51.100'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}.${String(i + 1)}`)

async function traffic(sim: AedSim, flows: unknown[]): Promise<Record<string, unknown>[]> {
  const res = await sim.app.request('/_sim/traffic', {
    method: 'POST',
    body: JSON.stringify({ flows }),
  })
  assert.equal(res.status, 200)
  return arr(obj(await res.json()).alerts)
}

async function pushIndicator(sim: AedSim, pattern: string, name: string): Promise<void> {
  const res = await call(
    sim,
    'POST',
    `/taxii/aed/collections/${collectionIdFor(DEFAULTS.collection)}/objects/`,
    {
      token: null,
      headers: {
        authorization: `Basic ${Buffer.from(`${DEFAULTS.taxiiUser}:${DEFAULTS.taxiiPassword}`).toString('base64')}`,
        accept: MEDIA_TYPES['2.0'].taxii,
        'content-type': MEDIA_TYPES['2.0'].stix,
      },
      body: {
        type: 'bundle',
        id: `bundle--${uuidv4()}`,
        spec_version: '2.0',
        objects: [
          {
            type: 'indicator',
            id: `indicator--${uuidv4()}`,
            created: '2026-01-01T00:00:00.000Z',
            modified: '2026-01-01T00:00:00.000Z',
            labels: ['malicious-activity'],
            name,
            pattern,
            valid_from: '2026-01-01T00:00:00Z',
          },
        ],
      },
    },
  )
  assert.equal(res.status, 202)
  assert.equal(obj(res.body).success_count, 1)
}

for (const n of NAMES) {
  const base = `/api/aed/${n.api}/`
  const outDeny = `${base}${n.outDeny}/`
  const inDeny = `${base}${n.inDeny}/`

  describe(`aed-sim ${n.api} lists: paging and many values per call`, () => {
    it('pages with page/perPage (10 by default, 0 = all); the answer holds only the list key', async () => {
      const { sim } = clocked()
      const all = hosts(25)
      const added = await call(sim, 'POST', outDeny, { body: { hostAddress: all } })
      assert.equal(added.status, 201)
      assert.equal(arr(obj(added.body).hosts).length, 25)

      const key = keyOf(n.outDeny)
      const page = async (query: string): Promise<string[]> => {
        const res = await call(sim, 'GET', `${outDeny}${query}`)
        assert.equal(res.status, 200)
        assert.deepEqual(
          Object.keys(obj(res.body)),
          [key],
          'no total or links: page to a short one',
        )
        return arr(obj(res.body)[key]).map((h) => String(h.hostAddress))
      }
      // Default order: hostAddress as text, so .10 sorts before .2.
      const sorted = [...all].sort()
      assert.deepEqual(await page(''), sorted.slice(0, 10))
      assert.deepEqual(await page('?page=2'), sorted.slice(10, 20))
      assert.deepEqual(await page('?page=3'), sorted.slice(20))
      assert.deepEqual(await page('?page=4'), [])
      assert.deepEqual(await page('?perPage=7&page=4'), sorted.slice(21))
      assert.equal((await page('?perPage=0')).length, 25)
      const bad = await call(sim, 'GET', `${outDeny}?page=0`)
      assert.equal(bad.status, 400)
    })

    it('takes the values as an array or a comma string, in the body or the query', async () => {
      const { sim } = clocked()
      assert.equal(
        (await call(sim, 'POST', outDeny, { body: { hostAddress: '192.0.2.1, 192.0.2.2' } }))
          .status,
        201,
      )
      assert.equal((await call(sim, 'POST', `${outDeny}?hostAddress=192.0.2.3`)).status, 201)
      assert.equal(
        (await call(sim, 'POST', inDeny, { body: { hostAddress: ['192.0.2.4', '192.0.2.0/28'] } }))
          .status,
        201,
      )
      const out = await call(sim, 'GET', `${outDeny}?perPage=0`)
      assert.deepEqual(
        arr(obj(out.body)[keyOf(n.outDeny)]).map((h) => h.hostAddress),
        ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
      )
      const inbound = await call(sim, 'GET', `${inDeny}?perPage=0`)
      assert.deepEqual(
        arr(obj(inbound.body)[keyOf(n.inDeny)]).map((h) => h.hostAddress),
        ['192.0.2.0/28', '192.0.2.4'],
      )
    })

    it('keeps annotations: one for all, or a comma list (or array) one to one', async () => {
      const { sim } = clocked()
      await call(sim, 'POST', outDeny, {
        body: { hostAddress: ['192.0.2.1', '192.0.2.2'], annotation: 'tq:netscout-aed:1' },
      })
      await call(sim, 'POST', outDeny, {
        body: { hostAddress: '192.0.2.3,192.0.2.4', annotation: 'tq:a:3,tq:a:4' },
      })
      const res = await call(sim, 'POST', inDeny, {
        body: { hostAddress: ['192.0.2.5', '192.0.2.6'], annotation: ['tq:a:5', 'tq:a:6'] },
      })
      assert.deepEqual(
        arr(obj(res.body).hosts).map((h) => [h.hostAddress, h.annotation]),
        [
          ['192.0.2.5', ['tq:a:5']],
          ['192.0.2.6', ['tq:a:6']],
        ],
      )
      const out = await call(sim, 'GET', `${outDeny}?perPage=0`)
      assert.deepEqual(
        arr(obj(out.body)[keyOf(n.outDeny)]).map((h) => [h.hostAddress, h.annotation]),
        [
          ['192.0.2.1', 'tq:netscout-aed:1'],
          ['192.0.2.2', 'tq:netscout-aed:1'],
          ['192.0.2.3', 'tq:a:3'],
          ['192.0.2.4', 'tq:a:4'],
        ],
      )
      // The annotation is searchable with q, which is how a connector finds its own entries.
      const mine = await call(sim, 'GET', `${outDeny}?q=tq:netscout-aed&perPage=0`)
      assert.equal(arr(obj(mine.body)[keyOf(n.outDeny)]).length, 2)
    })
  })

  describe(`aed-sim ${n.api} lists: re-adds, absent deletes and capacity [SIM]`, () => {
    it('a re-add keeps one entry: a given annotation replaces the stored one, none keeps it (--list-readds idempotent)', async () => {
      const { sim, clock } = clocked({ listRules: { readds: 'idempotent' } })
      for (const path of [outDeny, inDeny]) {
        const first = await call(sim, 'POST', path, {
          body: { hostAddress: '192.0.2.1', annotation: 'tq:x:1' },
        })
        assert.equal(obj(first.body).updateTime, NOW)
        clock.ms += 60_000
        const same = await call(sim, 'POST', path, {
          body: { hostAddress: '192.0.2.1', annotation: 'tq:x:1' },
        })
        assert.equal(same.status, 201)
        assert.equal(obj(same.body).updateTime, NOW, 'nothing changed, so no new updateTime')
        const bare = await call(sim, 'POST', path, { body: { hostAddress: '192.0.2.1' } })
        const kept = path === outDeny ? 'tq:x:1' : ['tq:x:1']
        assert.deepEqual(obj(bare.body).annotation, kept)
        const renamed = await call(sim, 'POST', path, {
          body: { hostAddress: '192.0.2.1', annotation: 'tq:x:2' },
        })
        assert.deepEqual(obj(renamed.body).annotation, path === outDeny ? 'tq:x:2' : ['tq:x:2'])
        assert.equal(obj(renamed.body).updateTime, NOW + 60)
        const listed = await call(sim, 'GET', path)
        assert.equal(arr(Object.values(obj(listed.body))[0]).length, 1)
        clock.ms = NOW_MS
      }
    })

    it('deleting an absent value: 204 by ?hostAddress= (a no-op), 404 notFound by its own path', async () => {
      const { sim } = clocked()
      await call(sim, 'POST', outDeny, { body: { hostAddress: '192.0.2.1' } })
      const absent = await call(sim, 'DELETE', `${outDeny}?hostAddress=192.0.2.1,192.0.2.99`)
      assert.equal(absent.status, 204)
      assert.equal(absent.text, '')
      assert.equal(sim.state.list('outbound-denied-hosts').size, 0, 'the present one went')
      const again = await call(sim, 'DELETE', `${inDeny}?hostAddress=192.0.2.99`)
      assert.equal(again.status, 204)
      const item = await call(sim, 'DELETE', `${outDeny}192.0.2.99/`)
      assert.equal(item.status, 404)
      assert.equal(arr(obj(item.body).errors)[0]?.code, 'notFound')
      const domains = await call(sim, 'DELETE', `${base}${n.domains}/?domain=absent.example`)
      assert.equal(domains.status, 204)
    })

    it('refuses a write past the list capacity with 422 and writes none of it', async () => {
      const { sim } = clocked({ listCapacity: 3, listRules: { readds: 'idempotent' } })
      const over = await call(sim, 'POST', outDeny, { body: { hostAddress: hosts(4) } })
      assert.equal(over.status, LIST_FULL_STATUS)
      assert.equal(over.status, 422)
      const body = obj(over.body)
      assert.equal(body.message, 'Unprocessable Entity')
      const error = obj(arr(body.errors)[0])
      assert.equal(error.code, LIST_FULL_CODE)
      assert.equal(error.field, 'hostAddress')
      assert.match(String(error.message), /holds at most 3 entries/)
      assert.equal(sim.state.list('outbound-denied-hosts').size, 0, 'nothing written')

      assert.equal(
        (await call(sim, 'POST', outDeny, { body: { hostAddress: hosts(3) } })).status,
        201,
      )
      // Re-adding what is there does not grow the list, so it is not refused.
      assert.equal(
        (await call(sim, 'POST', outDeny, { body: { hostAddress: hosts(2), annotation: 'x' } }))
          .status,
        201,
      )
      const one = await call(sim, 'POST', outDeny, { body: { hostAddress: '203.0.113.1' } })
      assert.equal(one.status, 422)
      // PUT is judged on what the list would hold afterwards.
      assert.equal(
        (await call(sim, 'PUT', outDeny, { body: { hostAddress: hosts(3, '203.0.113') } })).status,
        200,
      )
      // Each list has its own count: the inbound list is empty and takes three.
      assert.equal(
        (await call(sim, 'POST', inDeny, { body: { hostAddress: hosts(3) } })).status,
        201,
      )
      const domains = await call(sim, 'POST', `${base}${n.domains}/`, {
        body: { domain: 'a.example,b.example,c.example,d.example' },
      })
      assert.equal(domains.status, 422)
      assert.equal(arr(obj(domains.body).errors)[0]?.field, 'domain')
    })
  })

  describe(`aed-sim ${n.api} lists: traffic`, () => {
    it('a deny-listed host, domain or URL raises the blocked-host alert a STIX match raises', async () => {
      const { sim } = clocked()
      await call(sim, 'POST', outDeny, { body: { hostAddress: '203.0.113.5', annotation: 'a' } })
      await call(sim, 'POST', inDeny, { body: { hostAddress: '198.51.100.0/24' } })
      await call(sim, 'POST', `${base}${n.domains}/`, { body: { domain: 'evil.example' } })
      await call(sim, 'POST', `${base}${n.urls}/`, { body: { url: 'http://bad.example/x' } })
      await pushIndicator(sim, "[ipv4-addr:value = '192.0.2.200']", 'stix')

      const alerts = await traffic(sim, [
        { src: '10.0.0.1', dst: '203.0.113.5', direction: 'outbound' },
        { src: '198.51.100.77', dst: '10.0.0.1' },
        { src: '192.0.2.30', dst: '10.0.0.1', host: 'www.evil.example' },
        { src: '192.0.2.31', dst: '10.0.0.1', url: 'https://bad.example/x' },
        { src: '192.0.2.200', dst: '10.0.0.1' },
      ])
      assert.deepEqual(
        alerts.map((a) => [a.alertType, a.direction, a.matchType, a.iocPattern]),
        [
          ['blocked-host', 'outbound', 'ip', '203.0.113.5'],
          ['blocked-host', 'inbound', 'ip', '198.51.100.0/24'],
          ['blocked-host', 'inbound', 'dns', 'evil.example'],
          ['blocked-host', 'inbound', 'url', 'bad.example/x'],
          ['blocked-host', 'inbound', 'ip', '192.0.2.200'],
        ],
      )
      // Same fields whatever matched; only the TAXII ones are null for a list match.
      const stix = alerts[4]
      assert.ok(stix !== undefined)
      for (const a of alerts) assert.deepEqual(Object.keys(a).sort(), Object.keys(stix).sort())
      assert.equal(alerts[0]?.taxiiCollectionId, null)
      assert.equal(stix.taxiiCollectionId, collectionIdFor(DEFAULTS.collection))
    })

    it('an allow-listed host raises none, even when a deny entry or a STIX indicator matches it', async () => {
      const { sim } = clocked()
      await pushIndicator(sim, "[ipv4-addr:value = '192.0.2.200']", 'stix')
      await pushIndicator(sim, "[ipv4-addr:value = '203.0.113.9']", 'stix-out')
      await call(sim, 'POST', inDeny, { body: { hostAddress: '192.0.2.200' } })
      const inFlow = { src: '192.0.2.200', dst: '10.0.0.1' }
      const outFlow = { src: '10.0.0.1', dst: '203.0.113.9', direction: 'outbound' }
      assert.equal((await traffic(sim, [inFlow, outFlow])).length, 2)

      await call(sim, 'POST', `${base}${n.inAllow}/`, { body: { hostAddress: '192.0.2.200' } })
      await call(sim, 'POST', `${base}${n.outAllow}/`, { body: { hostAddress: '203.0.113.0/24' } })
      assert.deepEqual(await traffic(sim, [inFlow, outFlow]), [])

      // Leaving the allow list makes the deny entry and the indicator count again.
      await call(sim, 'DELETE', `${base}${n.inAllow}/?hostAddress=192.0.2.200`)
      assert.equal((await traffic(sim, [inFlow]))[0]?.matchType, 'ip')
    })
  })
}

describe('aed-sim list capacity: flag and /_sim/lists', () => {
  it('--list-capacity N sets every list', () => {
    const args = buildAedParser().parse_args<AedArgs>(['--list-capacity', '5'])
    assert.equal(aedOptionsFrom(args).listCapacity, 5)
    const none = buildAedParser().parse_args<AedArgs>([])
    assert.equal(aedOptionsFrom(none).listCapacity, undefined)
  })

  it('reads and sets capacities, all at once or per list, and reset goes back to the option', async () => {
    const { sim } = clocked({ listCapacity: 2 })
    const post = async (body: unknown): Promise<Record<string, unknown>> => {
      const res = await sim.app.request('/_sim/lists', {
        method: 'POST',
        body: JSON.stringify(body),
      })
      assert.equal(res.status, 200)
      return obj(await res.json())
    }
    const got = obj(await (await sim.app.request('/_sim/lists')).json())
    assert.equal(obj(got.capacities)['outbound-denied-hosts'], 2)
    assert.equal(obj(got.sizes)['outbound-denied-hosts'], 0)

    const per = await post({ capacities: { 'inbound-denied-domains': 1 } })
    assert.equal(obj(per.capacities)['inbound-denied-domains'], 1)
    assert.equal(obj(per.capacities)['outbound-denied-hosts'], 2, 'the others are kept')
    const all = await post({ capacity: null, capacities: { 'inbound-denied-urls': 4 } })
    assert.equal(obj(all.capacities)['outbound-denied-hosts'], null)
    assert.equal(obj(all.capacities)['inbound-denied-urls'], 4)

    const unknown = await sim.app.request('/_sim/lists', {
      method: 'POST',
      body: JSON.stringify({ capacities: { 'no-such-list': 1 } }),
    })
    assert.equal(unknown.status, 400)

    const ok = await call(sim, 'POST', '/api/aed/v3/otf/denied-hosts/', {
      body: { hostAddress: hosts(3) },
    })
    assert.equal(ok.status, 201, 'no limit on that list now')
    await sim.app.request('/_sim/reset', { method: 'POST' })
    const after = obj(await (await sim.app.request('/_sim/lists')).json())
    assert.equal(obj(after.capacities)['outbound-denied-hosts'], 2)
  })
})
