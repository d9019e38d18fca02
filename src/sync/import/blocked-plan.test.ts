import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EventFields, Notification } from './blocked-events.js'
import * as blockedPlan from './blocked-plan.js'
import type { SyslogAggregates } from './syslog-state.js'

const { addBlock, applyPart, firstBlock, planPart, skipReason } = blockedPlan
type Pending = blockedPlan.Pending

const T = Date.UTC(2026, 11, 7, 10, 15)
const context = {
  aedHost: 'aed.example',
  sourceName: 'AED',
  indicatorStatus: 'Review',
  eventType: 'Alert',
}
const loop = { count: 'AED Block Count', last: 'AED Last Blocked' }

const notification = (extra: Partial<Notification> = {}): Notification =>
  ({
    matchType: 'ip',
    iocPattern: '203.0.113.5',
    iocType: 'IP Address',
    src: '10.1.1.1',
    dst: '203.0.113.5',
    time: T,
    severity: 'high',
    flags: [],
    ...extra,
  }) as Notification

/** Only the fields a test gives; the rest absent (a notification without them). */
const fields = (given: Partial<EventFields>): EventFields => given as EventFields

const pending = (ioc: string, times: number[], own: number[] = []): [string, Pending] => {
  const [first = T, ...rest] = times
  const p = firstBlock(
    fields({ matchType: 'ip', iocPattern: ioc, iocType: 'IP Address' }),
    first,
    own,
  )
  for (const t of rest) addBlock(p, t, own)
  return [`ip ${ioc} 2026-12-07T10:00Z`, p]
}

const empty = (): SyslogAggregates => ({ events: {}, indicators: {} })

const attribute = (attrs: { name: string; value: string }[], name: string) =>
  attrs.find((a) => a.name === name)?.value

describe('skipReason: which Blocked Host notifications are imported', () => {
  const filter = { severity: 'Medium' as const, keywords: [] }
  it('needs a time, the severity asked for, and every keyword in one of the text fields', () => {
    assert.equal(skipReason(notification(), filter), undefined)
    assert.equal(
      skipReason(notification({ time: undefined }), filter),
      'Blocked Host without a usable rt',
    )
    assert.equal(skipReason(notification({ severity: 'low' }), filter), 'below alert_severity')
    // Without a severity, only `Low` takes it.
    assert.equal(skipReason(notification({ severity: undefined }), filter), 'below alert_severity')
    assert.equal(
      skipReason(notification({ severity: undefined }), { ...filter, severity: 'Low' }),
      undefined,
    )
    assert.equal(
      skipReason(notification(), { ...filter, keywords: ['203.0.113', '10.1.1.1'] }),
      undefined,
    )
    assert.equal(
      skipReason(notification(), { ...filter, keywords: ['203.0.113', 'nowhere'] }),
      'no query_keywords match',
    )
  })
})

describe("firstBlock and addBlock: a key's blocks gathered", () => {
  it('counts blocks, keeps the first and last time, and each exported indicator once', () => {
    const p = firstBlock(fields({ matchType: 'ip' }), T + 5, [])
    addBlock(p, T + 1, [7])
    addBlock(p, T + 9, [7, 8])
    assert.deepEqual([p.count, p.firstMs, p.lastMs, p.own], [3, T + 1, T + 9, [7, 8]])
    // The shared empty list is never written to.
    assert.deepEqual(firstBlock(fields({}), T, []).own, [])
  })
})

describe('planPart: what one part of a syslog/EDM run writes', () => {
  it('a new key: its event carries its totals; counted as created', () => {
    const plan = planPart(
      new Map([pending('203.0.113.5', [T, T + 1])]),
      empty(),
      context,
      loop,
      new Set(),
    )
    assert.deepEqual([plan.created, plan.updated], [1, 0])
    const event = plan.write.events[0]
    assert.equal(attribute(event?.attributes ?? [], 'Block Count'), '2')
    assert.equal(plan.write.eventValues?.size, 0)
    assert.deepEqual(
      plan.write.indicators.map((i) => i.value),
      ['203.0.113.5'],
    )
    assert.deepEqual(plan.eventTotals.get('ip 203.0.113.5 2026-12-07T10:00Z'), {
      count: 2,
      first: T,
      last: T + 1,
    })
  })

  it('a key with a saved total: its totals are set in place, not consumed; counted as updated', () => {
    const [key, p] = pending('203.0.113.5', [T + 2])
    const saved = { events: { [key]: { count: 4, first: T - 10, last: T } }, indicators: {} }
    const plan = planPart(new Map([[key, p]]), saved, context, loop, new Set())
    assert.deepEqual([plan.created, plan.updated], [0, 1])
    const event = plan.write.events[0]
    assert.equal(attribute(event?.attributes ?? [], 'Block Count'), undefined)
    assert.deepEqual(plan.write.eventValues?.get(event?.title ?? ''), {
      'Block Count': '5',
      'First Seen': new Date(T - 10).toISOString(),
      'Last Seen': new Date(T + 2).toISOString(),
    })
  })

  it('a key written earlier this run is counted neither created nor updated again', () => {
    const [key, p] = pending('203.0.113.5', [T + 2])
    const saved = { events: { [key]: { count: 1, first: T, last: T } }, indicators: {} }
    const plan = planPart(new Map([[key, p]]), saved, context, loop, new Set([key]))
    assert.deepEqual([plan.created, plan.updated], [0, 0])
    // Its totals are still written.
    assert.equal(plan.eventTotals.get(key)?.count, 2)
  })

  it('an exported indicator it fired on: linked by id, its own totals set, no new indicator for the IOC', () => {
    const saved = { events: {}, indicators: { '42': { count: 10, first: T - 99, last: T - 1 } } }
    const plan = planPart(
      new Map([pending('203.0.113.5', [T, T + 3], [42]), pending('203.0.113.6', [T + 1], [42])]),
      saved,
      context,
      loop,
      new Set(),
    )
    assert.deepEqual(plan.write.links, [[42], [42]])
    assert.deepEqual(plan.write.indicators, [])
    assert.deepEqual(plan.indicatorTotals.get(42), { count: 13, first: T - 99, last: T + 3 })
    assert.deepEqual(plan.write.indicatorValues?.get(42), {
      'AED Block Count': '13',
      'AED Last Blocked': new Date(T + 3).toISOString(),
    })
  })

  it('an IOC that is no valid value is reported as skipped, never sent', () => {
    const p = firstBlock(
      fields({ matchType: 'ip', iocPattern: 'not an ip', iocType: 'IP Address' }),
      T,
      [],
    )
    const plan = planPart(
      new Map([['ip not an ip 2026-12-07T10:00Z', p]]),
      empty(),
      context,
      loop,
      new Set(),
    )
    assert.equal(plan.skipped.length, 1)
    assert.deepEqual(plan.write.indicators, [])
  })
})

describe('applyPart: after the part is in ThreatQ', () => {
  it('its totals replace the saved ones and its keys are marked written', () => {
    const saved = empty()
    const written = new Set<string>()
    const plan = planPart(
      new Map([pending('203.0.113.5', [T], [9])]),
      saved,
      context,
      loop,
      written,
    )
    applyPart(plan, saved, written)
    assert.deepEqual(Object.keys(saved.events), ['ip 203.0.113.5 2026-12-07T10:00Z'])
    assert.equal(saved.indicators['9']?.count, 1)
    assert.ok(written.has('ip 203.0.113.5 2026-12-07T10:00Z'))
    // The next part of the same key reads the new total and is not counted again.
    const again = planPart(
      new Map([pending('203.0.113.5', [T + 1], [9])]),
      saved,
      context,
      loop,
      written,
    )
    assert.deepEqual(
      [
        again.created,
        again.updated,
        again.eventTotals.get('ip 203.0.113.5 2026-12-07T10:00Z')?.count,
      ],
      [0, 0, 2],
    )
    assert.equal(again.indicatorTotals.get(9)?.count, 2)
  })
})
