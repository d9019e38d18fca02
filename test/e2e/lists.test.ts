/**
 * REST delivery to AED's deny and allow lists (README.md, "Delivery to AED's deny and allow
 * lists"), the real CLI against both simulator processes, on API v2 and v3: the collection lands in
 * the right lists with this instance's annotations; a rerun makes no call; whitelisting, leaving
 * and expiry remove; an entry someone else made is never touched; a full list is exit 3 with
 * nothing else lost; `both` keeps TAXII and the lists in step; traffic to a REST-delivered block
 * comes back as an imported event.
 */
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { assertClearFailure, FAULT, faults, inject } from '../helpers/faults.js'
import { tempDir } from '../../sim/world/processes.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import {
  aedList,
  type AedListItem,
  aedObjects,
  aedRest,
  simState,
  startWorld,
  type World,
} from '../../sim/world/world.js'

type Api = Awaited<ReturnType<typeof threatqApi>>

const FEED = 'Lists Feed'
const COLLECTION = 'Lists Test'
const HOST = '203.0.113.10'
const WHITELISTED = '203.0.113.11'
const LEAVES = '203.0.113.12'
const EXPIRES = '203.0.113.13'
const FOREIGN = '203.0.113.20'
const V6_WRITTEN = '2001:DB8:0:0:0:0:0:10'
const V6 = '2001:db8::10'
const CIDR = '198.51.100.0/24'
const DOMAIN = 'bad.lists.example'
const URL = 'http://evil.lists.example/payload?id=1'
const URL_STORED = 'evil.lists.example/payload?id=1'
const FOREIGN_NOTE = 'SOC manual block'

const line = (stdout: string, key: string): string =>
  new RegExp(`^\\s*${key}:\\s*(.*)$`, 'm').exec(stdout)?.[1] ?? ''

const annotations = (item: AedListItem): string[] =>
  item.annotation === null
    ? []
    : typeof item.annotation === 'string'
      ? [item.annotation]
      : item.annotation

/** value → annotations of one list. */
async function listed(world: World, path: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const item of await aedList(world, path))
    out.set(item.hostAddress ?? item.domain ?? item.url ?? '', annotations(item))
  return out
}

const aedRequests = async (world: World): Promise<number> =>
  Object.values((await simState(world.aed)).requests).reduce((a, b) => a + b, 0)

async function outboundAlerts(world: World, dst: string): Promise<unknown[]> {
  const { alerts } = await world.aed.admin<{ alerts: unknown[] }>('POST', '/_sim/traffic', {
    flows: [
      { src: '192.0.2.44', dst, srcPort: 40000, dstPort: 443, proto: 'tcp', direction: 'outbound' },
    ],
  })
  return alerts
}

/** Indicators of the feed; their ids by value. */
async function seed(api: Api, ids: Map<string, number>): Promise<void> {
  const item = (type: string, value: string) => ({
    value,
    type: { name: type },
    status: { name: 'Active' },
    sources: [{ name: FEED }],
  })
  const created = await api<{ data: { id: number; value: string }[] }>(
    'POST',
    '/api/indicators/consume',
    [
      item('IP Address', HOST),
      item('IP Address', WHITELISTED),
      item('IP Address', LEAVES),
      item('IP Address', EXPIRES),
      item('IP Address', FOREIGN),
      item('IPv6 Address', V6_WRITTEN),
      item('CIDR Block', CIDR),
      item('FQDN', DOMAIN),
      item('URL', URL),
      item('IP Address', '127.0.0.1'),
      item('Email Address', 'phish@lists.example'),
    ],
  )
  for (const r of created.data) ids.set(r.value, r.id)
  await saveFeedCollection(api, COLLECTION, FEED, ['Active', 'Review', 'Whitelisted'])
}

/**
 * aed-sim's lists are strict by default (value filters match by substring, domains and URLs as
 * arrays refused, bare 400s, re-adds refused: docs/sim-aed.md); one run of the main flow keeps
 * the lenient variants covered too.
 */
for (const [version, lenient] of [
  ['v2', false],
  ['v3', false],
  ['v3', true],
] as const) {
  const names =
    version === 'v2'
      ? {
          deny: 'blacklisted-hosts',
          allow: 'whitelisted-hosts',
          domains: 'blacklisted-domains',
          urls: 'blacklisted-urls',
        }
      : {
          deny: 'denied-hosts',
          allow: 'allowed-hosts',
          domains: 'denied-domains',
          urls: 'denied-urls',
        }
  const path = {
    outDeny: `${version}/otf/${names.deny}`,
    outAllow: `${version}/otf/${names.allow}`,
    inDeny: `${version}/protection-groups/${names.deny}`,
    inAllow: `${version}/protection-groups/${names.allow}`,
    domains: `${version}/protection-groups/${names.domains}`,
    urls: `${version}/protection-groups/${names.urls}`,
  }

  const variant = lenient ? ', lenient aed-sim lists' : ''
  describe(`REST delivery to AED's lists, API ${version}${variant}`, { concurrency: 1 }, () => {
    let world: World
    let api: Api
    const ids = new Map<string, number>()
    const ours = (value: string): string => `tq:netscout-aed:${String(ids.get(value))}`
    const indicator = (value: string) => `/api/indicators/${String(ids.get(value))}`

    before(async () => {
      world = await startWorld({
        aedArgs: ['--api', version, ...(lenient ? ['--lenient-lists'] : [])],
      })
      api = await threatqApi(world.threatq)
      await seed(api, ids)
      // A person blocked one address by hand before the connector ever ran.
      await aedRest(world, 'POST', `${path.outDeny}/`, {
        hostAddress: FOREIGN,
        annotation: FOREIGN_NOTE,
      })
      await world.configure({
        data_collection: COLLECTION,
        delivery: 'rest',
        rest_inbound: 'true',
        allow_list_statuses: 'Whitelisted',
      })
    })
    after(async () => {
      await world.stop()
    })

    it('delivers each kind to its lists with this instance annotations, and leaves the foreign entry alone', async () => {
      const result = await world.run(['-e', '-v2'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const outDeny = await listed(world, path.outDeny)
      for (const value of [HOST, WHITELISTED, LEAVES, EXPIRES, CIDR])
        assert.deepEqual(outDeny.get(value), [ours(value)], value)
      // Stored as AED stores it (RFC 5952), annotated with the indicator as ThreatQ wrote it.
      assert.deepEqual(outDeny.get(V6), [ours(V6_WRITTEN)])
      assert.deepEqual(outDeny.get(FOREIGN), [FOREIGN_NOTE])
      assert.equal(outDeny.has('127.0.0.1'), false)
      const inDeny = await listed(world, path.inDeny)
      assert.deepEqual(inDeny.get(HOST), [ours(HOST)])
      assert.deepEqual(inDeny.get(FOREIGN), [ours(FOREIGN)])
      assert.deepEqual((await listed(world, path.domains)).get(DOMAIN), [ours(DOMAIN)])
      assert.deepEqual((await listed(world, path.urls)).get(URL_STORED), [ours(URL)])
      assert.match(line(result.stdout, 'foreign'), /outbound-denied-hosts 1/)
      assert.match(line(result.stdout, 'refused'), /never blocked: loopback 1/)
      assert.match(line(result.stdout, 'skipped'), /not enforceable by AED 1/)
      assert.match(result.stdout, /export to AED lists/)
    })

    it('makes no call at all when nothing changed', async () => {
      const before = await aedRequests(world)
      const result = await world.run(['-e'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(await aedRequests(world), before)
      assert.match(line(result.stdout, 'sent'), /^none$/)
    })

    it('moves a whitelisted indicator to the allow lists, and traffic to it raises no alert', async () => {
      assert.equal((await outboundAlerts(world, WHITELISTED)).length, 1)
      await api('PUT', indicator(WHITELISTED), { status: { name: 'Whitelisted' } })
      const result = await world.run(['-e', '-v2'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal((await listed(world, path.outDeny)).has(WHITELISTED), false)
      assert.equal((await listed(world, path.inDeny)).has(WHITELISTED), false)
      assert.deepEqual((await listed(world, path.outAllow)).get(WHITELISTED), [ours(WHITELISTED)])
      assert.deepEqual((await listed(world, path.inAllow)).get(WHITELISTED), [ours(WHITELISTED)])
      assert.match(line(result.stdout, 'removed'), /moved to the allow list 2/)
      assert.equal((await outboundAlerts(world, WHITELISTED)).length, 0)
    })

    it('removes what leaves the collection, is deleted or expires; the foreign entry stays', async () => {
      await api('PUT', indicator(LEAVES), { status: { name: 'Indirect' } })
      await api('PUT', indicator(EXPIRES), { expires_at: '2020-01-01 00:00:00' })
      await api('DELETE', indicator(FOREIGN))
      await api('DELETE', indicator(DOMAIN))
      const result = await world.run(['-e', '-v2', '--allow-mass-revoke'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const outDeny = await listed(world, path.outDeny)
      for (const gone of [LEAVES, EXPIRES]) assert.equal(outDeny.has(gone), false, gone)
      assert.deepEqual(outDeny.get(FOREIGN), [FOREIGN_NOTE])
      assert.deepEqual(outDeny.get(HOST), [ours(HOST)])
      const inDeny = await listed(world, path.inDeny)
      for (const gone of [LEAVES, EXPIRES, FOREIGN]) assert.equal(inDeny.has(gone), false, gone)
      assert.equal((await listed(world, path.domains)).has(DOMAIN), false)
      const removed = line(result.stdout, 'removed')
      assert.match(removed, /expired 2/)
      assert.match(removed, /left the data collection or deleted 4/)
    })

    it('stops before writing when a run would remove too much', async () => {
      await api('PUT', indicator(HOST), { status: { name: 'Indirect' } })
      await api('PUT', indicator(CIDR), { status: { name: 'Indirect' } })
      await api('PUT', indicator(V6_WRITTEN), { status: { name: 'Indirect' } })
      const before = await aedRequests(world)
      const result = await world.run(['-e'])
      assert.equal(result.code, 3, result.stdout)
      assert.match(result.stderr, /stopped before writing anything: this run would remove 6 of the/)
      assert.equal(await aedRequests(world), before)
      assert.deepEqual((await listed(world, path.outDeny)).get(HOST), [ours(HOST)])
      for (const value of [HOST, CIDR, V6_WRITTEN])
        await api('PUT', indicator(value), { status: { name: 'Active' } })
    })
  })
}

describe(
  "REST delivery: capacity, dry run, 'both', and the loop back to ThreatQ",
  { concurrency: 1 },
  () => {
    let world: World
    let api: Api
    const ids = new Map<string, number>()

    before(async () => {
      world = await startWorld()
      api = await threatqApi(world.threatq)
      await seed(api, ids)
      await world.configure({ data_collection: COLLECTION, delivery: 'rest' })
    })
    after(async () => {
      await world.stop()
    })

    it('--dry-run --output lists the calls it would make and writes nothing', async () => {
      const dir = await tempDir('tq-aed-lists-dry-')
      const output = join(dir, 'dry.json')
      const result = await world.run(['-e', '--dry-run', '--output', output])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const { lists } = JSON.parse(await readFile(output, 'utf8')) as {
        lists: { calls: { method: string; path: string; body: Record<string, unknown> }[] }
      }
      const posts = lists.calls.filter((c) => c.method === 'POST')
      const hosts = posts.find((c) => c.path === '/api/aed/v3/otf/denied-hosts/')
      assert.ok(hosts, JSON.stringify(lists.calls))
      assert.ok((hosts.body.hostAddress as string[]).includes(HOST))
      assert.match(
        String(hosts.body.annotation),
        new RegExp(`tq:netscout-aed:${String(ids.get(HOST))}`),
      )
      assert.equal((await aedList(world, 'v3/otf/denied-hosts')).length, 0)
    })

    it('a full list is exit 3 with a clear problem; every other entry is delivered, and the rest follow once there is room', async () => {
      await world.aed.admin('POST', '/_sim/lists', { capacities: { 'inbound-denied-domains': 0 } })
      const result = await world.run(['-e'])
      assert.equal(result.code, 3, result.stdout)
      assert.match(result.stdout, /PROBLEM: AED's inbound-denied-domains list is full/)
      assert.match(
        result.stderr,
        /"exit":3,"rejected":1,"problems":\["AED's inbound-denied-domains/,
      )
      assert.match(line(result.stdout, 'rejected'), /^the inbound-denied-domains list is full 1$/)
      assert.ok((await listed(world, 'v3/otf/denied-hosts')).has(HOST))
      assert.ok((await listed(world, 'v3/protection-groups/denied-urls')).has(URL_STORED))
      await world.aed.admin('POST', '/_sim/lists', {
        capacities: { 'inbound-denied-domains': null },
      })
      const again = await world.run(['-e'])
      assert.equal(again.code, 0, again.stdout)
      assert.match(line(again.stdout, 'sent'), /^inbound-denied-domains 1$/)
      assert.ok((await listed(world, 'v3/protection-groups/denied-domains')).has(DOMAIN))
    })

    it('traffic to a REST-delivered block raises an alert that the import turns into an event', async () => {
      assert.equal((await outboundAlerts(world, HOST)).length, 1)
      const result = await world.run(['-i'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const events = await api<{ data: { id: number; title: string }[] }>(
        'GET',
        '/api/events?limit=100',
      )
      assert.equal(events.data.length, 1)
      assert.match(events.data[0]?.title ?? '', /alert \d+: blocked-host$/)
      const related = await api<{ data: { value: string }[] }>(
        'GET',
        `/api/events/${String(events.data[0]?.id)}/indicators`,
      )
      assert.ok(
        related.data.some((i) => i.value === HOST),
        JSON.stringify(related.data),
      )
    })

    it("'both' keeps the TAXII collection and the deny lists in step", async () => {
      await world.enable({ data_collection: COLLECTION, delivery: 'both' })
      await api('PUT', `/api/indicators/${String(ids.get(HOST))}`, { status: { name: 'Indirect' } })
      const result = await world.run(['-e', '--allow-mass-revoke'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const latest = new Map<
        string,
        { name?: unknown; revoked?: unknown; modified?: unknown; type: string }
      >()
      for (const o of await aedObjects(world, '2.0')) {
        const held = latest.get(o.id)
        if (held === undefined || String(o.modified) > String(held.modified)) latest.set(o.id, o)
      }
      const taxii = [...latest.values()]
        .filter((o) => o.type === 'indicator' && o.revoked !== true)
        .map((o) => String(o.name))
      const rest = [
        ...(await listed(world, 'v3/otf/denied-hosts')).keys(),
        ...(await listed(world, 'v3/protection-groups/denied-domains')).keys(),
      ]
      for (const value of [WHITELISTED, LEAVES, EXPIRES, FOREIGN, CIDR, DOMAIN]) {
        assert.ok(taxii.includes(value), `TAXII holds ${value}`)
        assert.ok(rest.includes(value), `the lists hold ${value}`)
      }
      assert.ok(!taxii.includes(HOST) && !rest.includes(HOST))
      // One dry-run document holds both deliveries.
      const output = join(await tempDir('tq-aed-lists-both-'), 'dry.json')
      const dry = await world.run(['-e', '--dry-run', '--full', '--output', output])
      assert.equal(dry.code, 0, dry.stdout + dry.stderr)
      const doc = JSON.parse(await readFile(output, 'utf8')) as Record<string, unknown>
      assert.deepEqual(Object.keys(doc).sort(), ['export', 'lists'])
    })

    it('a lost lists ledger is exit 3 and rebuilt from the annotations; removals work again after', async () => {
      await rm(join(world.configDir, 'netscout-aed.lists.json'))
      const result = await world.run(['-e'])
      assert.equal(result.code, 3, result.stdout + result.stderr)
      assert.match(result.stdout, /PROBLEM: the AED lists ledger is lost/)
      assert.match(result.stdout, /lists ledger rebuilt from AED: \d+ entries found/)
      assert.match(line(result.stdout, 'sent'), /^none$/)
      await api('PUT', `/api/indicators/${String(ids.get(LEAVES))}`, {
        status: { name: 'Indirect' },
      })
      const again = await world.run(['-e'])
      assert.equal(again.code, 0, again.stdout + again.stderr)
      assert.equal((await listed(world, 'v3/otf/denied-hosts')).has(LEAVES), false)
    })

    it('rest_protection_groups scopes the inbound entries by name; an unknown name is exit 2 naming the option', async () => {
      const group = await aedRest<{ pgid: number }>(world, 'POST', 'v3/protection-groups/', {
        name: 'Web Servers',
        prefixes: '192.0.2.0/24',
        serverType: 0,
      })
      await world.enable({
        data_collection: COLLECTION,
        delivery: 'rest',
        rest_inbound: 'true',
        rest_protection_groups: 'Web Servers',
      })
      const result = await world.run(['-e'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const inbound = await aedList(world, 'v3/protection-groups/denied-hosts')
      const entry = inbound.find((i) => i.hostAddress === WHITELISTED)
      assert.deepEqual(entry?.pgid, [group.pgid])
      // The domain moves from the global scope to the group's.
      const domain = (await aedList(world, 'v3/protection-groups/denied-domains')).find(
        (i) => i.domain === DOMAIN,
      )
      assert.deepEqual(domain?.pgid, [group.pgid])

      await world.enable({
        data_collection: COLLECTION,
        delivery: 'rest',
        rest_inbound: 'true',
        rest_protection_groups: 'No Such Group',
      })
      const bad = await world.run(['-e'])
      assert.equal(bad.code, 2, bad.stdout + bad.stderr)
      assert.match(bad.stderr, /"option":"rest_protection_groups"/)
      assert.match(bad.stderr, /no protection group named \\"No Such Group\\"/)
    })
  },
)

describe(
  'REST delivery under faults: retried, and nothing lost on failure',
  { concurrency: 1 },
  () => {
    let world: World
    const ids = new Map<string, number>()

    before(async () => {
      world = await startWorld()
      await seed(await threatqApi(world.threatq), ids)
      await world.configure({ data_collection: COLLECTION, delivery: 'rest' })
    })
    after(async () => {
      await world.stop()
    })

    it('a list write that keeps failing is exit 1 with one clear line; the rerun sends only what AED lacks', async () => {
      await inject(
        world.aed,
        faults('POST', '/protection-groups/denied-urls/$').always(FAULT.reset),
      )
      // 503 with Retry-After on the host list: retried, not a failure.
      await inject(world.aed, faults('POST', '/otf/denied-hosts/$').twice(FAULT.status503))
      const failed = await world.run(['-e'])
      assertClearFailure(failed)
      assert.ok((await listed(world, 'v3/otf/denied-hosts')).has(HOST))
      assert.ok((await listed(world, 'v3/protection-groups/denied-domains')).has(DOMAIN))
      assert.equal((await listed(world, 'v3/protection-groups/denied-urls')).size, 0)
      await world.aed.admin('DELETE', '/_sim/faults')
      const again = await world.run(['-e'])
      assert.equal(again.code, 0, again.stdout + again.stderr)
      assert.match(line(again.stdout, 'sent'), /^inbound-denied-urls 1$/)
      assert.deepEqual((await listed(world, 'v3/protection-groups/denied-urls')).get(URL_STORED), [
        `tq:netscout-aed:${String(ids.get(URL))}`,
      ])
    })

    it('switching delivery back to taxii leaves the list entries and says so', async () => {
      await world.enable({ data_collection: COLLECTION, delivery: 'taxii' })
      const result = await world.run(['-e'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.match(
        result.stdout,
        /AED's lists still hold the 9 entries an earlier run with delivery rest made/,
      )
      assert.ok((await listed(world, 'v3/otf/denied-hosts')).has(HOST))
    })
  },
)

describe("REST delivery against AED's harsher answers", { concurrency: 1 }, () => {
  let world: World
  let api: Api
  const ids = new Map<string, number>()
  const ours = (value: string): string => `tq:netscout-aed:${String(ids.get(value))}`
  const posts = async (): Promise<number> =>
    (await simState(world.aed)).requests['POST /api/aed/v3/otf/denied-hosts/'] ?? 0

  before(async () => {
    world = await startWorld()
    api = await threatqApi(world.threatq)
    await seed(api, ids)
    await world.configure({ data_collection: COLLECTION, delivery: 'rest' })
  })
  after(async () => {
    await world.stop()
  })

  it('a lookup that misses values makes AED refuse their re-add (a bare 400): each is found alone and adopted', async () => {
    const first = await world.run(['-e'])
    assert.equal(first.code, 0, first.stdout + first.stderr)
    const before = await posts()
    // One lookup answer leaves out every value; the strict aed-sim then refuses the re-adds.
    await world.aed.admin('POST', '/_sim/faults', {
      match: { method: 'GET', path: 'otf/denied-hosts/$' },
      fault: { body: '{"denied-hosts": []}' },
      times: 1,
    })
    const result = await world.run(['-e', '--full', '-v2'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.ok((await posts()) > before, 'the re-adds were sent and refused')
    assert.match(line(result.stdout, 'sent'), /^none$/)
    const outDeny = await listed(world, 'v3/otf/denied-hosts')
    for (const value of [HOST, WHITELISTED, LEAVES, EXPIRES, FOREIGN, CIDR])
      assert.deepEqual(outDeny.get(value), [ours(value)], value)
    // A rerun finds everything in the ledger: nothing to do.
    const again = await world.run(['-e'])
    assert.equal(again.code, 0, again.stdout + again.stderr)
    assert.match(line(again.stdout, 'sent'), /^none$/)
  })
})
