import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  type AedList,
  type ListCalls,
  type ListEntry,
  LISTS,
  type Scope,
  type WriteRefusal,
} from '../../aed/lists.js'
import { silentLogger } from '../../http/logger.js'
import { newSummary } from '../summary.js'
import { annotationOf, chunk, deliver, ownerOf, VALUES_PER_REQUEST } from './deliver.js'
import { ListLedger } from './ledger.js'
import type { ListPlan, Want } from './plan.js'

/** AED's lists in memory, with the quirks a test turns on. */
class FakeLists implements ListCalls {
  readonly held = new Map<string, ListEntry>()
  readonly calls: string[] = []
  capacity = Infinity
  refuse = new Set<string>()
  /** The field a refusal names (`hostAddress`: a value is at fault). */
  refuseField = 'hostAddress'
  /** An AED that gives every value of a request the first annotation. */
  firstAnnotationOnly = false

  private key = (l: AedList, v: string) => `${l.id} ${v}`
  path(l: AedList): Promise<string> {
    return Promise.resolve(`/${l.id}/`)
  }
  lookup(l: AedList, values: readonly string[]): Promise<ListEntry[]> {
    this.calls.push(`GET ${l.id} ${String(values.length)}`)
    return Promise.resolve(
      values.flatMap((v) => {
        const e = this.held.get(this.key(l, v))
        return e === undefined ? [] : [e]
      }),
    )
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
    const refusal = (full: boolean): WriteRefusal => ({
      status: full ? 422 : 400,
      code: full ? 'listCapacityExceeded' : 'invalidField',
      field: this.refuseField,
      message: full ? 'list full' : 'bad value',
      full,
    })
    if (values.some((v) => this.refuse.has(v)))
      return Promise.resolve({ ok: false, refusal: refusal(false) })
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
  const run = (plan: Partial<ListPlan>) =>
    deliver(
      { lists: fake, logger: silentLogger, summary, ledger, instance: 'inst' },
      { members: 0, deliverable: 0, adds: [], removals: [], ...plan },
    )
  return { ledger, fake, summary, run }
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
    const { fake, ledger, summary, run } = await setup()
    await run({ adds: [1, 2, 3].map(want) })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 3', 'POST outbound-denied-hosts 3'])
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.2`)?.annotations, ['tq:inst:2'])
    assert.equal(ledger.own, 3)
    assert.equal(summary.sent.get(list.id), 3)
  })

  it('never writes a value someone else holds, and remembers it as foreign', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.held.set(`${list.id} 203.0.113.1`, {
      value: '203.0.113.1',
      annotations: ['SOC manual block'],
      pgids: [],
      cids: [],
    })
    await run({ adds: [want(1)] })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 1'])
    assert.deepEqual(fake.held.get(`${list.id} 203.0.113.1`)?.annotations, ['SOC manual block'])
    assert.equal(ledger.get(list.id, '203.0.113.1')?.foreign, true)
    assert.equal(ledger.own, 0)
    assert.equal(summary.foreign.get(list.id), 1)
  })

  it('adopts an entry it made before without writing it again', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.held.set(`${list.id} 203.0.113.1`, {
      value: '203.0.113.1',
      annotations: ['tq:inst:1'],
      pgids: [],
      cids: [],
    })
    await run({ adds: [want(1)] })
    assert.deepEqual(fake.calls, ['GET outbound-denied-hosts 1'])
    assert.equal(ledger.own, 1)
    assert.equal(summary.unchanged, 1)
  })

  it('halves a refused request until the bad value is found; the others are stored', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.refuse.add('203.0.113.3')
    await run({ adds: [1, 2, 3, 4, 5].map(want) })
    assert.equal(ledger.own, 4)
    assert.equal(summary.rejected, 1)
    assert.deepEqual(summary.problems, [])
    assert.ok(fake.calls.filter((c) => c.startsWith('POST')).length <= 6, fake.calls.join('; '))
  })

  it('fills a list up to its capacity, then reports it full once', async () => {
    const { fake, ledger, summary, run } = await setup()
    fake.capacity = 2
    await run({ adds: [1, 2, 3, 4, 5].map(want) })
    assert.equal(ledger.own, 2)
    assert.equal(summary.rejected, 3)
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
    const { fake, ledger, summary, run } = await setup()
    for (const [n, note] of [
      [1, 'tq:inst:1'],
      [2, 'taken over by a person'],
    ] as const) {
      const value = `203.0.113.${String(n)}`
      fake.held.set(`${list.id} ${value}`, { value, annotations: [note], pgids: [], cids: [] })
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
    assert.deepEqual(
      fake.calls.filter((c) => c.startsWith('DELETE')),
      ['DELETE outbound-denied-hosts 1'],
    )
  })

  it("an unannotated value (AED shows []) is someone else's: never written", async () => {
    const { fake, ledger, summary, run } = await setup()
    const domains = LISTS.inboundDenyDomains
    fake.held.set(`${domains.id} bad.example`, {
      value: 'bad.example',
      annotations: [],
      pgids: [-1],
      cids: [-1],
    })
    await run({ adds: [{ list: domains, value: 'bad.example', owner: 4, scope: '-1' }] })
    assert.deepEqual(fake.calls, ['GET inbound-denied-domains 1'])
    assert.equal(summary.foreign.get(domains.id), 1)
    assert.equal(ledger.own, 0)
  })

  it('narrowing the protection groups removes only the scopes given up', async () => {
    const { fake, ledger, summary, run } = await setup()
    const hosts = LISTS.inboundDenyHosts
    const value = '203.0.113.9'
    fake.held.set(`${hosts.id} ${value}`, {
      value,
      annotations: ['tq:inst:9', 'tq:inst:9'],
      pgids: [7, 8],
      cids: [],
    })
    const entry = { list: hosts.id, value, owner: 9, scope: '7,8' }
    ledger.set(entry)
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
    assert.equal(summary.rejected, 50)
    assert.equal(ledger.own, 0)
    assert.match(
      summary.problems[0] ?? '',
      /refused adds to its outbound-denied-hosts list .*field pgid/,
    )
  })

  it("never removes from a record that mixes its annotation with someone else's", async () => {
    const { fake, ledger, summary, run } = await setup()
    const hosts = LISTS.inboundDenyHosts
    const value = '203.0.113.8'
    fake.held.set(`${hosts.id} ${value}`, {
      value,
      annotations: ['tq:inst:8', 'SOC: web servers'],
      pgids: [7, 8],
      cids: [],
    })
    const entry = { list: hosts.id, value, owner: 8, scope: '7' }
    ledger.set(entry)
    await run({
      removals: [{ entry, list: hosts, scope: '7', reason: 'expired', replaced: false }],
    })
    assert.equal(fake.calls.filter((c) => c.startsWith('DELETE')).length, 0)
    assert.deepEqual(fake.held.get(`${hosts.id} ${value}`)?.pgids, [7, 8])
    assert.equal(ledger.size, 0)
    assert.equal(summary.foreign.get(hosts.id), 1)
  })
})
