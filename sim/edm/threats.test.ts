import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Persistence } from './persist.js'
import { admin, call, createPg, newSim } from '../aed/test-support.js'
import type { EdmAuth } from './app.js'
import { edmAdmin, EDM_TOKEN, feedFromAed, newEdm, NOW_MS, threats } from './test-support.js'

const V3 = '/api/aed/v3'

const ids = (hits: Record<string, unknown>[] | undefined): unknown[] =>
  (hits ?? []).map((h) => h._id)

describe('edm-sim: blocked traffic on managed AEDs becomes threat records', () => {
  it('reports each blocked connection of each AED, with pkt, reason and (ATLAS only) threatIntel', async () => {
    const aed1 = newSim({ hostname: 'edge-1', syslog: { otherEvery: 0 } })
    const aed2 = newSim({ hostname: 'edge-2', syslog: { otherEvery: 0 } })
    const edm = newEdm({
      aeds: [feedFromAed(aed1, 'aed1', '10.1.2.3'), feedFromAed(aed2, 'aed2', '10.1.2.4')],
    })
    const pgid = await createPg(aed1, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(aed1, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '203.0.113.5' },
    })
    await admin(aed1, 'POST', '/_sim/traffic', {
      flows: [
        {
          src: '203.0.113.5',
          dst: '192.0.2.10',
          srcPort: 999,
          dstPort: 80,
          proto: 'tcp',
          connections: 3,
        },
      ],
    })
    const rules = (await admin(aed2, 'POST', '/_sim/aif', {
      rules: [
        {
          matchType: 'ip',
          value: '198.51.100.66',
          threatName: 'FormBook',
          threatCategory: 'Spyware',
          severity: 8,
        },
      ],
    })) as { rules: { elementId: number }[] }
    await admin(aed2, 'POST', '/_sim/traffic', {
      flows: [{ src: '198.51.100.66', dst: '192.0.2.1', srcPort: 1, dstPort: 443, proto: 'tcp' }],
    })

    const { status, body } = await threats(edm)
    assert.equal(status, 200)
    assert.equal(body.message, '')
    assert.equal(body.data?.totalSize, 4)
    assert.equal(body.data.currSize, 4)
    const hits = body.data.hits
    assert.equal(new Set(ids(hits)).size, 4, 'one _id per connection')
    const denied = hits.filter((h) => h.hostname === 'edge-1')
    assert.equal(denied.length, 3)
    assert.deepEqual(denied[0]?.pkt, {
      src: '203.0.113.5',
      dst: '192.0.2.10',
      srcPort: 999,
      dstPort: 80,
      proto: 'tcp',
      appStr: 'http',
      direction: 'inbound',
    })
    assert.equal(denied[0].hostIp, '10.1.2.3')
    assert.equal(denied[0].pgid, pgid)
    assert.equal(denied[0].pgName, 'web')
    assert.equal(denied[0].time, '2026-01-15T12:00:00Z')
    assert.equal(denied[0].reason, 'Blocked Hosts')
    assert.equal('threatIntel' in denied[0], false)
    assert.match(String(denied[0]._id), /^[A-Za-z0-9_-]{20}$/)
    const atlas = hits.find((h) => h.hostname === 'edge-2')
    assert.equal(atlas?.reason, 'ATLAS Threat Categories')
    const intel = atlas.threatIntel as Record<string, unknown>
    assert.equal(intel.indicatorUid, rules.rules[0]?.elementId)
    assert.deepEqual(intel.threatTypes, ['FormBook'])
    assert.deepEqual(intel.threatCategories, ['Spyware'])
    assert.equal(intel.severity, 8)
    assert.equal(intel.indicator, '198.51.100.66')
    assert.deepEqual(body.data.threatDescriptions, { FormBook: 'FormBook: Spyware' })

    // Read again: the same records, not doubled.
    await admin(aed1, 'POST', '/_sim/traffic', {
      flows: [{ src: '203.0.113.5', dst: '192.0.2.10' }],
    })
    const again = await threats(edm)
    assert.equal(again.body.data?.totalSize, 5)
    assert.deepEqual(ids(again.body.data.hits).slice(1).sort(), ids(hits).sort())
  })
})

describe('edm-sim GET /api/v1/alerts/threats: paging, sort, window, filters', () => {
  async function generated(count: number): Promise<ReturnType<typeof newEdm>> {
    const edm = newEdm({ maxWindow: 300 })
    await edmAdmin(edm, '/_sim/threats', { generate: count })
    return edm
  }

  it('pages with size and skip, bounded and in the same order every time (default -time)', async () => {
    const edm = await generated(250)
    const first = await threats(edm)
    assert.equal(first.body.data?.currSize, 100, 'size defaults to 100')
    assert.equal(first.body.data.totalSize, 250)
    const pages = []
    for (const skip of [0, 100, 200]) {
      const page = await threats(edm, `size=100&skip=${String(skip)}`)
      pages.push(...(page.body.data?.hits ?? []))
    }
    assert.equal(pages.length, 250)
    assert.equal(new Set(ids(pages)).size, 250)
    const times = pages.map((h) => String(h.time))
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first')
    assert.deepEqual(
      ids((await threats(edm, 'size=100&skip=100')).body.data?.hits),
      ids(pages.slice(100, 200)),
      'the same page twice',
    )
    const past = await threats(edm, 'size=50&skip=250')
    assert.equal(past.body.data?.currSize, 0)
    for (const [query, field] of [
      ['size=100&skip=201', 'skip'],
      ['size=301', 'size'],
      ['size=-1', 'size'],
      ['skip=x', 'skip'],
      ['size=1&size=2', 'size'],
    ] as const) {
      const res = await threats(edm, query)
      assert.equal(res.status, 400, query)
      assert.equal(typeof res.body.errors?.[field], 'string', query)
    }
  })

  it('sorts on a comma list of fields, - for descending, ties by _id', async () => {
    const edm = await generated(30)
    const res = await threats(edm, 'size=30&sort=pkt.dstPort,-time')
    const hits = res.body.data?.hits ?? []
    const keys = hits.map((h) => [(h.pkt as { dstPort: number }).dstPort, String(h.time)])
    const expected = [...keys].sort((a, b) =>
      a[0] !== b[0] ? Number(a[0]) - Number(b[0]) : String(b[1]).localeCompare(String(a[1])),
    )
    assert.deepEqual(keys, expected)
    assert.equal((await threats(edm, 'sort=pkt..src')).status, 400)
  })

  it('defaults to the last 24 hours; start and end take ISO-8601 or epoch seconds', async () => {
    const edm = await generated(24)
    await edmAdmin(edm, '/_sim/threats', {
      threats: [{ time: new Date(NOW_MS - 25 * 3600 * 1000).toISOString() }],
    })
    assert.equal((await threats(edm)).body.data?.totalSize, 24, 'a 25-hour-old record is out')
    const fromS = String((NOW_MS - 26 * 3600 * 1000) / 1000)
    assert.equal((await threats(edm, `start=${fromS}`)).body.data?.totalSize, 25)
    const iso = (await threats(edm, 'start=2026-01-14T11:00:00Z&end=2026-01-14T12:00:00%2B00:00'))
      .body.data
    assert.ok(iso !== undefined && iso.totalSize >= 1 && iso.totalSize <= 2)
    for (const query of [
      'start=yesterday',
      'end=2026-01-15T12:00:00',
      'start=2026-02-01T00:00:00Z',
    ]) {
      assert.equal((await threats(edm, query)).status, 400, query)
    }
  })

  it('filters with q (field:value, and, -field:value, wildcards) or with field parameters', async () => {
    const edm = await generated(90)
    const all = (await threats(edm, 'size=90')).body.data?.hits ?? []
    const count = (f: (h: Record<string, unknown>) => boolean): number => all.filter(f).length
    const pkt = (h: Record<string, unknown>): Record<string, unknown> =>
      h.pkt as Record<string, unknown>

    const q = await threats(
      edm,
      `size=90&q=${encodeURIComponent('pkt.proto:tcp and -pkt.appStr:http')}`,
    )
    assert.equal(
      q.body.data?.totalSize,
      count((h) => pkt(h).proto === 'tcp' && pkt(h).appStr !== 'http'),
    )
    assert.ok(q.body.data.totalSize > 0)
    const wild = await threats(
      edm,
      `size=90&q=${encodeURIComponent('hostname:AED-* AND pkt.dst:"192.0.2.1"')}`,
    )
    assert.equal(
      wild.body.data?.totalSize,
      count((h) => pkt(h).dst === '192.0.2.1'),
    )
    const field = await threats(edm, 'size=90&pkt.dstPort=53&hostname=aed-1')
    assert.equal(
      field.body.data?.totalSize,
      count((h) => pkt(h).dstPort === 53 && h.hostname === 'aed-1'),
    )
    const threatField = await threats(edm, 'size=90&threatIntel.threatTypes=formbook')
    assert.equal(
      threatField.body.data?.totalSize,
      count((h) => h.threatIntel !== undefined),
    )
    const ignored = await threats(edm, 'size=90&q=pkt.proto:udp&pkt.proto=tcp')
    assert.equal(
      ignored.body.data?.totalSize,
      count((h) => pkt(h).proto === 'udp'),
      'q wins',
    )
    for (const bad of ['a:b or c:d', '(a:b)', 'justaword', 'a:b and', 'pkt.srcPort:[1 TO 5]']) {
      const res = await threats(edm, `q=${encodeURIComponent(bad)}`)
      assert.equal(res.status, 400, bad)
      assert.equal(typeof res.body.errors?.q, 'string', bad)
    }
    const agg = await threats(edm, 'aggregate=pkt.src&agg_type=groupby')
    assert.equal(agg.status, 400)
  })
})

describe('edm-sim authentication variants', () => {
  const NEW = { 'X-Arbux-APIToken': EDM_TOKEN }
  const OLD = { Authorization: `NSAPITOKENID ${EDM_TOKEN}` }
  const cases: [EdmAuth, Record<string, string>, number][] = [
    ['either', NEW, 200],
    ['either', OLD, 200],
    ['either', {}, 401],
    ['either', { 'X-Arbux-APIToken': 'wrong' }, 401],
    ['new', NEW, 200],
    ['new', OLD, 401],
    ['old', OLD, 200],
    ['old', NEW, 401],
    ['old', { Authorization: `Bearer ${EDM_TOKEN}` }, 401],
  ]
  for (const [auth, headers, status] of cases) {
    it(`--auth ${auth} with ${JSON.stringify(Object.keys(headers))} answers ${String(status)}`, async () => {
      const res = await threats(newEdm({ auth }), '', headers)
      assert.equal(res.status, status)
      if (status === 401) assert.equal(typeof res.body.errors?.auth, 'string')
    })
  }
})

describe('edm-sim --data-dir', () => {
  it('keeps records and what it has read of each AED across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edm-sim-'))
    try {
      const aed = newSim({ syslog: { otherEvery: 0 } })
      await call(aed, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
      await admin(aed, 'POST', '/_sim/traffic', {
        flows: [{ src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 2 }],
      })
      const feed = feedFromAed(aed, 'aed', '10.0.0.9')
      const first = newEdm({ aeds: [feed] })
      const before = await threats(first)
      const saver = new Persistence(dir, first.state)
      saver.schedule()
      saver.flush()
      const second = newEdm({ aeds: [feed] })
      assert.equal(new Persistence(dir, second.state).load(), 'loaded')
      assert.deepEqual((await threats(second)).body, before.body, 'nothing read twice')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
