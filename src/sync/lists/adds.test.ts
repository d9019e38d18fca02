import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { type AedList, type ListCalls, LISTS, type Scope } from '../../aed/lists.js'
import { NO_AUDIT } from '../../audit/trail.js'
import { silentLogger } from '../../log/logger.js'
import { ReasonLog } from '../reasons.js'
import { newSummary } from '../summary.js'
import { ListAdder, REFUSAL_BUDGET, refusalStep } from './adds.js'
import { ListLedger } from './ledger.js'
import type { Want } from './plan.js'
import { type AddAnswer, type ListWriter, storedAsSent } from './writer.js'

const list = LISTS.outboundDenyHosts
const want = (n: number): Want => ({
  list,
  value: `203.0.113.${String(n)}`,
  owner: n,
  scope: undefined,
})

/** A writer that refuses what `refuse` says, and stores everything else as sent. */
function writer(refuse: (values: readonly string[]) => AddAnswer | undefined) {
  const sent: number[] = []
  const w: ListWriter = {
    readOnly: false,
    remove: () => Promise.resolve(),
    add: (_l: AedList, values, annotations, scope: Scope | undefined) => {
      sent.push(values.length)
      return Promise.resolve(
        refuse(values) ?? { ok: true, entries: storedAsSent(values, annotations, scope) },
      )
    },
    refused: () => undefined,
    finish: () => Promise.resolve(),
  }
  return { w, sent }
}
const refusal = (over: { full?: boolean; field?: string } = {}): AddAnswer => ({
  ok: false,
  refusal: {
    status: over.full === true ? 422 : 400,
    code: undefined,
    field: over.field,
    message: over.full === true ? 'full' : 'bad value',
    full: over.full === true,
  },
})

async function adder(w: ListWriter) {
  const dir = await mkdtemp(join(tmpdir(), 'tq-adds-'))
  const { ledger } = await ListLedger.open(join(dir, 'x.lists.json'), 'aed', undefined)
  const summary = newSummary('lists')
  const noLookups = {
    lookup: () => Promise.resolve({ entries: [], records: 0 }),
  } as unknown as ListCalls
  const add = new ListAdder({
    writer: w,
    lists: noLookups,
    logger: silentLogger,
    summary,
    audit: NO_AUDIT,
    ledger,
    instance: 'inst',
    foreign: () => undefined,
    seen: new ReasonLog('list entries'),
  })
  return { add, ledger, summary }
}

describe('lists writer: adds through a writer, without sockets', () => {
  it('what a refusal leads to: halve, budget spent, look the value up alone, or reject', () => {
    assert.equal(refusalStep('value', 100, REFUSAL_BUDGET), 'halve')
    assert.equal(refusalStep('full', 2, 2), 'halve')
    assert.equal(refusalStep('value', 100, 1), 'budget')
    assert.equal(refusalStep('value', 1, 0), 'lookup')
    assert.equal(refusalStep('full', 1, 10), 'reject')
    assert.equal(refusalStep('request', 100, REFUSAL_BUDGET), 'reject')
  })

  it('stores a request whole, each value under its own annotation, in the ledger', async () => {
    const { w, sent } = writer(() => undefined)
    const { add, ledger, summary } = await adder(w)
    await add.add(list, undefined, [1, 2, 3].map(want))
    assert.deepEqual(sent, [3])
    assert.equal(ledger.own, 3)
    assert.equal(summary.sent.get(list.id), 3)
  })

  it('halves a refused request down to the bad value; the others are stored', async () => {
    const bad = '203.0.113.6'
    const { w, sent } = writer((values) => (values.includes(bad) ? refusal() : undefined))
    const { add, ledger, summary } = await adder(w)
    await add.add(
      list,
      undefined,
      Array.from({ length: 8 }, (_, i) => want(i + 1)),
    )
    assert.equal(ledger.own, 7)
    assert.equal(ledger.get(list.id, bad), undefined)
    assert.equal(summary.rejected.total, 1)
    // 8 refused → 1-4 stored, 5-8 refused → 5-6 refused → 5 stored, 6 refused alone → 7-8 stored.
    assert.deepEqual(sent, [8, 4, 4, 2, 1, 1, 2])
  })

  it('a full list takes what fits, then no more adds this run: one problem', async () => {
    let room = 3
    const { w } = writer((values) => {
      if (values.length > room) return refusal({ full: true })
      room -= values.length
      return undefined
    })
    const { add, ledger, summary } = await adder(w)
    await add.add(
      list,
      undefined,
      Array.from({ length: 8 }, (_, i) => want(i + 1)),
    )
    await add.add(list, undefined, [want(9)])
    assert.equal(ledger.own, 3)
    assert.equal(summary.rejected.total, 6)
    assert.equal(summary.problems.length, 1)
    assert.match(summary.problems[0] ?? '', /list is full/)
  })

  it('a refusal of the request itself is one problem, and the list is closed', async () => {
    const { w, sent } = writer(() => refusal({ field: 'pgid' }))
    const { add, summary } = await adder(w)
    await add.add(
      list,
      undefined,
      Array.from({ length: 8 }, (_, i) => want(i + 1)),
    )
    await add.add(list, undefined, [want(9)])
    assert.deepEqual(sent, [8])
    assert.equal(summary.rejected.total, 9)
    assert.equal(summary.problems.length, 1)
  })

  it('stops halving once REFUSAL_BUDGET is spent and says so once', async () => {
    const { w, sent } = writer(() => refusal())
    const { add, summary } = await adder(w)
    for (let k = 0; k < 3; k++)
      await add.add(
        list,
        undefined,
        Array.from({ length: 100 }, (_, i) => want(k * 100 + i + 1)),
      )
    assert.ok(sent.length <= REFUSAL_BUDGET + 3, String(sent.length))
    assert.equal(summary.rejected.total, 300)
    assert.equal(summary.problems.length, 1)
  })
})
