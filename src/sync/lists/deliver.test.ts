import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  type AedList,
  type ListCalls,
  type ListEntry,
  type ListPage,
  LISTS,
  type Scope,
  type WriteRefusal,
} from '../../aed/lists.js'
import { silentLogger } from '../../log/logger.js'
import { newSummary } from '../summary.js'
import type { AuditEvent } from '../../audit/trail.js'
import {
  annotationOf,
  chunk,
  deliver,
  ownerOf,
  REFUSAL_BUDGET,
  refusalKind,
  VALUES_PER_REQUEST,
  WINDOW,
  windows,
} from './deliver.js'
import { ListLedger, type ListLedgerEntry } from './ledger.js'
import type { ListPlan, Want } from './plan.js'
import { liveListWriter, RecordingListWriter } from './writer.js'

/** AED's lists in memory, with the quirks a test turns on. */
class FakeLists implements ListCalls {
  readonly held = new Map<string, ListEntry>()
  readonly calls: string[] = []
  capacity = Infinity
  refuse = new Set<string>()
  /** The field a refusal names (`hostAddress`: a value is at fault; undefined: none, as a bare 400). */
  refuseField: string | undefined = 'hostAddress'
  /** An AED that gives every value of a request the first annotation. */
  firstAnnotationOnly = false
  /**
   * An AED whose value filter matches by substring, sorted by value and paged (`perPage` cuts
   * real matches off), as aed-sim's strict default does.
   */
  loose = false
  /** An AED that refuses to add a value it holds already (a bare 400). */
  refuseReadds = false
  /** Called before each add is processed: another writer acting between lookup and add. */
  beforeAdd: (() => void) | undefined
  /** A server that answers at most this many records, whatever `perPage` asks. */
  pageCap = Infinity
  /** A server that ignores `page` and answers page 1 every time. */
  ignorePage = false

  private key = (l: AedList, v: string) => `${l.id} ${v}`
  path(l: AedList): Promise<string> {
    return Promise.resolve(`/${l.id}/`)
  }
  lookup(
    l: AedList,
    values: readonly string[],
    page = 1,
    perPage = values.length,
  ): Promise<ListPage> {
    this.calls.push(`GET ${l.id} ${String(values.length)}${page === 1 ? '' : ` p${String(page)}`}`)
    const matches = this.loose
      ? [...this.held]
          .filter(([k, e]) => k.startsWith(`${l.id} `) && values.some((v) => e.value.includes(v)))
          .map(([, e]) => e)
          .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      : values.flatMap((v) => {
          const e = this.held.get(this.key(l, v))
          return e === undefined ? [] : [e]
        })
    const size = Math.min(perPage, this.pageCap)
    const from = this.ignorePage ? 0 : (page - 1) * size
    const entries = matches.slice(from, from + size)
    return Promise.resolve({ entries, records: entries.length })
  }
  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async
  async *readAll(l: AedList): AsyncGenerator<ListEntry[]> {
    yield [...this.held].filter(([k]) => k.startsWith(`${l.id} `)).map(([, e]) => e)
  }
  add(
    l: AedList,
    values: readonly string[],
    annotations: readonly string[],
    scope: Scope | undefined,
  ): Promise<{ ok: true; entries: ListEntry[] } | { ok: false; refusal: WriteRefusal }> {
    this.calls.push(`POST ${l.id} ${String(values.length)}`)
    this.beforeAdd?.()
    const refusal = (full: boolean): WriteRefusal => ({
      status: full ? 422 : 400,
      code: full ? 'listCapacityExceeded' : 'invalidField',
      field: this.refuseField,
      message: full ? 'list full' : 'bad value',
      full,
    })
    if (values.some((v) => this.refuse.has(v)))
      return Promise.resolve({ ok: false, refusal: refusal(false) })
    if (this.refuseReadds && values.some((v) => this.held.has(this.key(l, v))))
      return Promise.resolve({
        ok: false,
        refusal: {
          status: 400,
          code: undefined,
          field: undefined,
          message: 'Bad Request',
          full: false,
        },
      })
    const size = [...this.held.keys()].filter((k) => k.startsWith(`${l.id} `)).length
    if (size + values.length > this.capacity)
      return Promise.resolve({ ok: false, refusal: refusal(true) })
    const entries = values.map((value, i) => {
      const entry: ListEntry = {
        value,
        annotations: [(this.firstAnnotationOnly ? annotations[0] : annotations[i]) ?? ''],
        pgids: [
          ...new Set([
            ...(this.held.get(this.key(l, value))?.pgids ?? []),
            ...(scope === undefined ? [] : scope.split(',').map(Number)),
          ]),
        ],
        cids: [],
      }
      this.held.set(this.key(l, value), entry)
      return entry
    })
    return Promise.resolve({ ok: true, entries })
  }
  remove(l: AedList, values: readonly string[], scope: Scope | undefined): Promise<void> {
    this.calls.push(
      `DELETE ${l.id} ${String(values.length)}${scope === undefined ? '' : ` pgid=${scope}`}`,
    )
    for (const v of values) {
      const entry = this.held.get(this.key(l, v))
      if (entry === undefined) continue
      const gone = scope === undefined ? entry.pgids : scope.split(',').map(Number)
      entry.pgids = entry.pgids.filter((p) => !gone.includes(p))
      if (scope === undefined || entry.pgids.length === 0) this.held.delete(this.key(l, v))
    }
    return Promise.resolve()
  }
  protectionGroups(): Promise<{ pgid: number; name: string }[]> {
    return Promise.resolve([])
  }
}

const list = LISTS.outboundDenyHosts
/** AED holds `value` in a list (by default the outbound deny-hosts one) with these annotations. */
const hold = (
  fake: FakeLists,
  value: string,
  annotations: string | string[],
  at: { list?: AedList; pgids?: number[]; cids?: number[] } = {},
): void => {
  const entry: ListEntry = {
    value,
    annotations: typeof annotations === 'string' ? [annotations] : annotations,
    pgids: at.pgids ?? [],
    cids: at.cids ?? [],
  }
  fake.held.set(`${(at.list ?? list).id} ${value}`, entry)
}
const hosts = LISTS.inboundDenyHosts
/** AED holds the value in the inbound deny-hosts list (pgids 7 and 8); the ledger has it as ours. */
const heldAsOurs = (
  fake: FakeLists,
  ledger: ListLedger,
  mine: { value: string; owner: number; scope: string },
  annotations: string[],
): ListLedgerEntry => {
  hold(fake, mine.value, annotations, { list: hosts, pgids: [7, 8] })
  const entry = { list: hosts.id, ...mine }
  ledger.set(entry)
  return entry
}
const want = (n: number): Want => ({
  list,
  value: `203.0.113.${String(n)}`,
  owner: n,
  scope: undefined,
})

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'tq-lists-'))
  const { ledger } = await ListLedger.open(join(dir, 'x.lists.json'), 'aed', undefined)
  const fake = new FakeLists()
  const summary = newSummary('lists')
  const audited: AuditEvent[] = []
  const audit = { record: (e: AuditEvent) => audited.push(e) }
  const run = (plan: Partial<ListPlan>, writer = liveListWriter(fake)) =>
    deliver(
      {
        writer,
        lists: fake,
        logger: silentLogger,
        summary,
        audit,
        ledger,
        instance: 'inst',
      },
      { members: 0, deliverable: 0, adds: [], removals: [], ...plan },
    )
  return { ledger, fake, summary, run, audited }
}

describe('list delivery', () => {
  it('annotations name the instance and indicator; other annotations are not ours', () => {
    assert.equal(annotationOf('inst', 42), 'tq:inst:42')
    assert.equal(ownerOf('inst', 'tq:inst:42'), 42)
    assert.equal(ownerOf('inst', 'tq:inst2:42'), undefined)
    assert.equal(ownerOf('inst', 'tq:inst:4x'), undefined)
    assert.equal(ownerOf('inst', 'SOC manual block'), undefined)
  })

  it('splits requests by count and by URL length', () => {
    const values = Array.from({ length: 250 }, (_, i) => String(i))
    assert.deepEqual(
      chunk(values, (v) => v).map((c) => c.length),
      [VALUES_PER_REQUEST, VALUES_PER_REQUEST, 50],
    )
    const long = Array.from({ length: 10 }, () => 'x'.repeat(1500))
    assert.ok(chunk(long, (v) => v).every((c) => c.length <= 2))
  })

  it('adds many values in one request, each with its own annotation', async () => {
    const { fake, ledger, summary, run, audited } = await setup()
    await run({ adds: [1, 2, 3].map(want) })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 3', 'POST outbound-denied-hosts 3'])
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.2`)?.annotations, ['tq:inst:2'])
    assert.equal(ledger.own, 3)
    assert.equal(summary.sent.get(list.id), 3)
    // Each entry AED confirmed is a block on record, with its indicator and list.
    assert.deepEqual(
      audited.map((e) => [e.action, e.value, e.threatq_id, e.list]),
      [1, 2, 3].map((n) => ['block', `203.0.113.${String(n)}`, n, list.id]),
    )
  })

  it('never writes a value someone else holds, and remembers it as foreign', async () => {
    const { fake, ledger, summary, run, audited } = await setup()
    hold(fake, '203.0.113.1', 'SOC manual block')
    await run({ adds: [want(1)] })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 1'])
    assert.deepEqual(
      audited.map((e) => [e.action, e.value, e.reason.split(':')[0]]),
      [['refuse', '203.0.113.1', 'foreign entry']],
    )
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.1`)?.annotations, ['SOC manual block'])
    assert.equal(ledger.get(list.id, '203.0.113.1')?.foreign, true)
    assert.equal(ledger.own, 0)
    assert.equal(summary.foreign.get(list.id), 1)
  })

  it('adopts an entry it made before without writing it again', async () => {
    const { fake, ledger, summary, run } = await setup()
    hold(fake, '203.0.113.1', 'tq:inst:1')
    await run({ adds: [want(1)] })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 1'])
    assert.equal(ledger.own, 1)
    assert.equal(summary.unchanged.total, 1)
  })

  it('halves a refused request until the bad value is found; the others are stored', async () => {
    const { fake, ledger, summary, run, audited } = await setup()
    fake.refuse.add('203.0.113.3')
    await run({ adds: [1, 2, 3, 4, 5].map(want) })
    assert.equal(ledger.own, 4)
    // What AED refused is no block.
    assert.deepEqual(audited.map((e) => e.threatq_id).sort(), [1, 2, 4, 5])
    assert.equal(summary.rejected.total, 1)
    assert.deepEqual(summary.problems, [])
    assert.ok(fake.calls.filter((c) => c.startsWith('POST')).length <= 6, fake.calls.join('; '))
  })

  it('fills a list up to its capacity, then reports it full once', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.capacity = 2
    await run({ adds: [1, 2, 3, 4, 5].map(want) })
    assert.equal(ledger.own, 2)
    assert.equal(summary.rejected.total, 3)
    assert.equal(summary.problems.length, 1)
    assert.match(summary.problems[0] ?? '', /outbound-denied-hosts list is full/)
  })

  it('sends values again one at a time when AED did not map the annotations one to one', async () => {
    const { fake, ledger, run } = await setup()
    fake.firstAnnotationOnly = true
    await run({ adds: [1, 2, 3].map(want) })
    for (const n of [1, 2, 3])
      assert.deepEqual(fake.held.get(`${list.id} 203.0.113.${String(n)}`)?.annotations, [
        `tq:inst:${String(n)}`,
      ])
    assert.equal(ledger.own, 3)
  })

  it('removes only entries still annotated as its own', async () => {
    const { fake, ledger, summary, run, audited } = await setup()
    for (const [n, note] of [
      [1, 'tq:inst:1'],
      [2, 'taken over by a person'],
    ] as const) {
      const value = `203.0.113.${String(n)}`
      hold(fake, value, note)
      ledger.set({ list: list.id, value, owner: n, scope: undefined })
    }
    ledger.set({ list: list.id, value: '203.0.113.3', owner: 3, scope: undefined })
    await run({
      removals: [1, 2, 3].map((n) => ({
        entry: { list: list.id, value: `203.0.113.${String(n)}`, owner: n, scope: undefined },
        list,
        scope: undefined,
        reason: 'expired',
        replaced: false,
      })),
    })
    assert.equal(fake.held.has(`${list.id} 203.0.113.1`), false)
    assert.equal(fake.held.has(`${list.id} 203.0.113.2`), true)
    assert.equal(ledger.size, 0)
    assert.equal(summary.revoked.get('expired'), 1)
    assert.equal(summary.foreign.get(list.id), 1)
    // Only the removal AED made is an unblock; one already gone or taken over is not.
    assert.deepEqual(
      audited.map((e) => [e.action, e.value, e.reason]),
      [['unblock', '203.0.113.1', 'expired']],
    )
    assert.deepEqual(
      fake.calls.filter((c) => c.startsWith('DELETE')),
      ['DELETE outbound-denied-hosts 1'],
    )
  })

  it("an unannotated value (AED shows []) is someone else's: never written", async () => {
    const { fake, ledger, summary, run } = await setup()
    const domains = LISTS.inboundDenyDomains
    hold(fake, 'bad.example', [], { list: domains, pgids: [-1], cids: [-1] })
    await run({ adds: [{ list: domains, value: 'bad.example', owner: 4, scope: '-1' }] })
    assert.deepEqual(fake.calls, ['GET inbound-denied-domains 1'])
    assert.equal(summary.foreign.get(domains.id), 1)
    assert.equal(ledger.own, 0)
  })

  it('narrowing the protection groups removes only the scopes given up', async () => {
    const { fake, ledger, summary, run } = await setup()
    const value = '203.0.113.9'
    const entry = heldAsOurs(fake, ledger, { value, owner: 9, scope: '7,8' }, [
      'tq:inst:9',
      'tq:inst:9',
    ])
    await run({
      removals: [
        { entry, list: hosts, scope: '8', reason: 'protection groups changed', replaced: true },
      ],
      adds: [{ list: hosts, value, owner: 9, scope: '7' }],
    })
    assert.deepEqual(fake.held.get(`${hosts.id} ${value}`)?.pgids, [7])
    assert.ok(fake.calls.includes('DELETE inbound-denied-hosts 1 pgid=8'), fake.calls.join('; '))
    assert.deepEqual(ledger.get(hosts.id, value), { list: hosts.id, value, owner: 9, scope: '7' })
    assert.equal(summary.revoked.total, 0)
  })

  it('a refusal of the request itself (not a value) is one problem, not a bisection', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuse.add('203.0.113.1')
    fake.refuseField = 'pgid'
    await run({ adds: Array.from({ length: 50 }, (_, i) => want(i + 1)) })
    assert.equal(fake.calls.filter((c) => c.startsWith('POST')).length, 1)
    assert.equal(summary.rejected.total, 50)
    assert.equal(ledger.own, 0)
    assert.match(
      summary.problems[0] ?? '',
      /refused adds to its outbound-denied-hosts list .*field pgid/,
    )
  })

  it("never removes from a record that mixes its annotation with someone else's", async () => {
    const { fake, ledger, summary, run } = await setup()
    const value = '203.0.113.8'
    const entry = heldAsOurs(fake, ledger, { value, owner: 8, scope: '7' }, [
      'tq:inst:8',
      'SOC: web servers',
    ])
    await run({
      removals: [{ entry, list: hosts, scope: '7', reason: 'expired', replaced: false }],
    })
    assert.equal(fake.calls.filter((c) => c.startsWith('DELETE')).length, 0)
    assert.deepEqual(fake.held.get(`${hosts.id} ${value}`)?.pgids, [7, 8])
    assert.equal(ledger.size, 0)
    assert.equal(summary.foreign.get(hosts.id), 1)
  })
})

describe("list delivery never trusts AED's value filter", () => {
  it('a loose, paged answer cannot make it write over a value someone else holds', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.loose = true
    // 203.0.113.1 matches .10, .11, .12, which sort before .5 and fill the first page.
    for (const n of [10, 11, 12]) hold(fake, `203.0.113.${String(n)}`, 'SOC')
    hold(fake, '203.0.113.5', 'SOC manual block')
    await run({ adds: [want(1), want(5)] })
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.5`)?.annotations, ['SOC manual block'])
    assert.equal(summary.foreign.get(list.id), 1)
    assert.equal(ledger.own, 1)
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.1`)?.annotations, ['tq:inst:1'])
    for (const n of [10, 11, 12])
      assert.deepEqual(fake.held.get(`${list.id} 203.0.113.${String(n)}`)?.annotations, ['SOC'])
    // One answer read with room for the loose matches (perPage 1,000), then one add.
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 2', 'POST outbound-denied-hosts 1'])
  })

  it('a value about to be forgotten is asked alone first: a cut-off answer cannot drop it', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.pageCap = 2
    const removal = (n: number) => ({
      entry: { list: list.id, value: `203.0.113.${String(n)}`, owner: n, scope: undefined },
      list,
      scope: undefined,
      reason: 'expired',
      replaced: false,
    })
    for (const n of [1, 2, 3]) {
      hold(fake, `203.0.113.${String(n)}`, `tq:inst:${String(n)}`)
      ledger.set({ list: list.id, value: `203.0.113.${String(n)}`, owner: n, scope: undefined })
    }
    await run({ removals: [1, 2, 3].map(removal) })
    assert.equal(fake.held.size, 0, 'all three removed from AED')
    assert.equal(summary.revoked.get('expired'), 3)
    assert.equal(summary.revoked.get('expired (already gone from AED)'), 0)
    assert.equal(ledger.size, 0)
    assert.deepEqual(
      fake.calls.filter((c) => c.startsWith('GET')),
      ['GET outbound-denied-hosts 3', 'GET outbound-denied-hosts 1'],
    )
  })

  it('a first delivery and a no-op run cost one lookup per request, as before', async () => {
    const { fake, run } = await setup()
    fake.loose = true
    await run({ adds: Array.from({ length: 100 }, (_, i) => want(i + 1)) })
    assert.equal(fake.calls.filter((c) => c.startsWith('GET')).length, 1)
    fake.calls.length = 0
    const again = await setup()
    for (const [k, e] of fake.held) again.fake.held.set(k, e)
    again.fake.loose = true
    await again.run({ adds: Array.from({ length: 100 }, (_, i) => want(i + 1)) })
    assert.deepEqual(again.fake.calls, ['GET outbound-denied-hosts 100'])
    assert.equal(again.summary.unchanged.total, 100)
  })
})

describe('list delivery finds a refused value whatever the 400 says', () => {
  it('a bare 400 (no field named) is halved down to the bad value, within 2·log2(n) adds', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuseField = undefined
    fake.refuse.add('203.0.113.37')
    await run({ adds: Array.from({ length: 100 }, (_, i) => want(i + 1)) })
    assert.equal(ledger.own, 99)
    assert.equal(summary.rejected.total, 1)
    assert.deepEqual(summary.problems, [])
    const extra = fake.calls.length - 2
    assert.ok(
      extra <= 2 * Math.ceil(Math.log2(100)) + 1,
      `${String(extra)}: ${fake.calls.join('; ')}`,
    )
  })

  it('stops looking after REFUSAL_BUDGET extra requests and says so; the rest waits', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuseField = undefined
    for (let n = 1; n <= 100; n++) fake.refuse.add(`203.0.113.${String(n)}`)
    await run({ adds: Array.from({ length: 100 }, (_, i) => want(i + 1)) })
    assert.equal(ledger.own, 0)
    assert.equal(summary.rejected.total, 100)
    assert.ok(fake.calls.length - 2 <= REFUSAL_BUDGET + 2, String(fake.calls.length))
    assert.equal(summary.problems.length, 1)
    assert.match(
      summary.problems[0] ?? '',
      /outbound-denied-hosts .*more often than 64 extra requests/,
    )
  })

  it('a value AED refuses to add again is looked up: ours in this scope is adopted', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuseReadds = true
    // Another run of this instance stored 203.0.113.2 after our lookup.
    fake.beforeAdd = () => {
      if (!fake.held.has(`${list.id} 203.0.113.2`)) hold(fake, '203.0.113.2', 'tq:inst:2')
    }
    await run({ adds: [1, 2, 3].map(want) })
    assert.equal(ledger.own, 3)
    assert.equal(summary.rejected.total, 0)
    assert.equal(summary.unchanged.total, 1)
    assert.deepEqual(summary.problems, [])
    assert.ok(fake.held.has(`${list.id} 203.0.113.3`))
  })

  it('a refused re-add of a value someone else stored meanwhile is foreign, not ours', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuseReadds = true
    fake.beforeAdd = () => {
      if (!fake.held.has(`${list.id} 203.0.113.2`)) hold(fake, '203.0.113.2', 'SOC')
    }
    await run({ adds: [want(2)] })
    assert.equal(ledger.own, 0)
    assert.equal(ledger.get(list.id, '203.0.113.2')?.foreign, true)
    assert.equal(summary.foreign.get(list.id), 1)
    assert.equal(summary.rejected.total, 0)
  })

  it('refusalKind: another field named is the request; the value field or none, a value', () => {
    const refusal = (field: string | undefined, full = false): WriteRefusal => ({
      status: full ? 422 : 400,
      code: undefined,
      field,
      message: '',
      full,
    })
    assert.equal(refusalKind(refusal('pgid'), list), 'request')
    assert.equal(refusalKind(refusal('hostAddress'), list), 'value')
    assert.equal(refusalKind(refusal(undefined), list), 'value')
    assert.equal(refusalKind(refusal('domain'), LISTS.inboundDenyDomains), 'value')
    assert.equal(refusalKind(refusal('hostAddress', true), list), 'full')
  })
})

describe('list delivery in windows, through the writer the caller chose', () => {
  it('a dry run sends through the recording writer: AED is read, never written', async () => {
    const { fake, ledger, summary, run, audited } = await setup()
    hold(fake, '203.0.113.1', 'SOC')
    ledger.set({ list: list.id, value: '203.0.113.7', owner: 7, scope: undefined })
    hold(fake, '203.0.113.7', 'tq:inst:7')
    const removal = {
      entry: { list: list.id, value: '203.0.113.7', owner: 7, scope: undefined },
      list,
      scope: undefined,
      reason: 'expired',
      replaced: false,
    }
    await run(
      { adds: [1, 2].map(want), removals: [removal] },
      new RecordingListWriter(fake, undefined),
    )
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 3'])
    // What the run would have done is counted as a real run counts it.
    assert.equal(summary.sent.get(list.id), 1)
    assert.equal(summary.revoked.get('expired'), 1)
    assert.equal(summary.foreign.get(list.id), 1)
    assert.deepEqual(
      audited.map((e) => e.action),
      ['refuse', 'unblock', 'block'],
    )
    assert.equal(fake.held.has(`${list.id} 203.0.113.7`), true)
  })

  it('windows: removals first, at most `size` entries each, a scope change with its add', () => {
    const entry = (n: number) => ({
      list: hosts.id,
      value: `203.0.113.${String(n)}`,
      owner: n,
      scope: '7,8',
    })
    const removal = (n: number, replaced: boolean) => ({
      entry: entry(n),
      list: hosts,
      scope: replaced ? '8' : '7,8',
      reason: replaced ? 'protection groups changed' : 'expired',
      replaced,
    })
    const add = (n: number) => ({
      list: hosts,
      value: `203.0.113.${String(n)}`,
      owner: n,
      scope: '7',
    })
    const plan = { removals: [removal(1, false), removal(2, true)], adds: [add(3), add(2), add(4)] }
    const shape = [...windows(plan, 2)].map((w) => ({
      ordinals: w.ordinals,
      removals: w.removals.map((r) => r.entry.owner),
      adds: w.adds.map((a) => a.owner),
    }))
    assert.deepEqual(shape, [
      { ordinals: [1], removals: [1, 2], adds: [2] },
      { ordinals: [0, 2], removals: [], adds: [3, 4] },
    ])
  })

  it('a plan larger than a window is looked up whole before the first write', async () => {
    const { fake, ledger, run } = await setup()
    const n = WINDOW + 50
    const adds = Array.from({ length: n }, (_, i) => ({
      list,
      value: `45.${String(i >> 16)}.${String((i >> 8) & 255)}.${String(i & 255)}`,
      owner: i + 1,
      scope: undefined,
    }))
    await run({ adds })
    assert.equal(ledger.own, n)
    const gets = fake.calls.filter((c) => c.startsWith('GET')).length
    // Each window asked about separately; every lookup before the first add, as AED's lists were.
    assert.equal(gets, Math.ceil(WINDOW / VALUES_PER_REQUEST) + 1)
    const lastGet = fake.calls.findLastIndex((c) => c.startsWith('GET'))
    const firstPost = fake.calls.findIndex((c) => c.startsWith('POST'))
    assert.ok(lastGet < firstPost, `${String(firstPost)} ${String(lastGet)}`)
  })
})
