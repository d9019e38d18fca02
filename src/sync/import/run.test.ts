import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { recordingImportWriter } from './writer.js'
import type { AedClient, AlertPage } from '../../aed/client.js'
import { alertSchema } from '../../aed/client.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { AlertBatches, existedBefore, readAnswer, runImport } from './run.js'
import type { EventItem, IndicatorItem } from './convert.js'

const alert = (alertId: number) =>
  alertSchema.parse({ alertId, alertType: 'ddos', severity: 5, startTime: 1_767_225_600 })

/** An AED that lists alert 1 twice on its first page and again on its second. */
const aed = {
  async *alerts(): AsyncGenerator<AlertPage> {
    await Promise.resolve()
    yield { alerts: [alert(1), alert(1), alert(2)], invalid: [] }
    yield { alerts: [alert(1)], invalid: [] }
  },
} as unknown as AedClient

describe('import of alerts AED lists more than once', () => {
  it('makes one event per alert id and counts the repeats as skipped', async () => {
    const outcome = await runImport(
      {
        threatq: {} as unknown as ThreatqClient,
        aed,
        logger: pino({ level: 'silent' }),
        now: () => new Date('2026-01-02T00:00:00Z'),
      },
      {
        context: { aedHost: 'aed.example', sourceName: 'AED', indicatorStatus: 'Review' },
        eventType: 'Alert',
        severity: 'Low',
        keywords: [],
        from: 0,
        batchSize: 500,
        perPage: 1000,
        writer: recordingImportWriter(undefined),
      },
    )
    assert.equal(outcome.eventsWritten, 2)
    assert.deepEqual(outcome.summary.skipped.toJSON(), { 'duplicate AED alert': 2 })
  })
})

describe('import links events to their indicators by id', () => {
  const hostAlert = (alertId: number, src: string) =>
    alertSchema.parse({
      alertId,
      alertType: 'blocked-host',
      severity: 5,
      startTime: 1_767_225_600,
      direction: 'inbound',
      src,
      matchType: 'ip',
      iocPattern: src,
    })
  const twoAlerts = {
    async *alerts(): AsyncGenerator<AlertPage> {
      await Promise.resolve()
      yield { alerts: [hostAlert(1, '203.0.113.7'), hostAlert(2, '203.0.113.8')], invalid: [] }
    },
  } as unknown as AedClient

  /** A ThreatQ that answers consumes as a bulk path does and keeps what it was sent. */
  function threatq(answerIndicators: (sent: { value: string }[]) => unknown[]) {
    const sent: Record<string, unknown[]> = {}
    const client = {
      consume(collection: string, json: string): Promise<unknown[]> {
        const items = JSON.parse(json) as { value: string }[]
        sent[collection] = items
        return Promise.resolve(
          collection === 'indicators'
            ? answerIndicators(items)
            : items.map((_, i) => ({ id: i + 1 })),
        )
      },
      ensureEventType: () => Promise.resolve({ id: 1, created: false }),
    } as unknown as ThreatqClient
    return { client, sent }
  }
  const run = (client: ThreatqClient) =>
    runImport(
      { threatq: client, aed: twoAlerts, logger: pino({ level: 'silent' }), now: () => new Date() },
      {
        context: { aedHost: 'aed.example', sourceName: 'AED', indicatorStatus: 'Review' },
        eventType: 'Alert',
        severity: 'Low',
        keywords: [],
        from: 0,
        batchSize: 500,
        perPage: 1000,
      },
    )

  it('sends each event its indicators as {id} refs, the ids ThreatQ answered, never {value, type}', async () => {
    // Answered in another order than sent: matched back by value.
    const { client, sent } = threatq((items) =>
      items.map((item, i) => ({ id: 100 + i, value: item.value })).reverse(),
    )
    const outcome = await run(client)
    assert.deepEqual(
      sent.events?.map((e) => (e as { indicators: unknown }).indicators),
      [[{ id: 100 }], [{ id: 101 }]],
    )
    assert.deepEqual(outcome.summary.skipped.toJSON(), {})
  })

  it('reports an indicator ThreatQ answered without an id instead of linking it silently by value', async () => {
    const { client, sent } = threatq((items) => [{ id: 100, value: items[0]?.value }])
    const outcome = await run(client)
    assert.deepEqual(
      sent.events?.map((e) => (e as { indicators: unknown }).indicators),
      [[{ id: 100 }], []],
    )
    assert.deepEqual(outcome.summary.skipped.toJSON(), {
      'indicator not linked: no id in the ThreatQ answer': 1,
    })
  })
})

describe('existedBefore: an event ThreatQ held before this write', () => {
  it('reads the consume answer: created before its update is an update; equal, absent or unreadable is new', () => {
    const item = (created: unknown, updated: unknown) => ({
      id: 1,
      title: 't',
      created_at: created,
      updated_at: updated,
    })
    assert.equal(existedBefore(item('2026-12-08 01:00:00', '2026-12-08 01:05:00')), true)
    assert.equal(existedBefore(item('2026-12-08 01:00:00', '2026-12-08 01:00:00')), false)
    assert.equal(existedBefore(item(undefined, '2026-12-08 01:00:00')), false)
    assert.equal(existedBefore(item('yesterday', '2026-12-08 01:00:00')), false)
    assert.equal(existedBefore(null), false)
  })
})

describe('AlertBatches: converted alerts gathered for a consume', () => {
  const indicator = (value: string): IndicatorItem => ({
    value,
    type: { name: 'IP Address' },
    status: { name: 'Review' },
    sources: [{ name: 'AED' }],
  })
  const event = (title: string) => ({ title }) as unknown as EventItem
  it('hands out a batch of `size` events, each indicator once per batch; the rest at the end', () => {
    const batches = new AlertBatches(2)
    assert.equal(
      batches.add({ event: event('a'), indicators: [indicator('203.0.113.1')] }),
      undefined,
    )
    const full = batches.add({
      event: event('b'),
      indicators: [indicator('203.0.113.1'), indicator('203.0.113.2')],
    })
    assert.ok(full !== undefined)
    assert.deepEqual(
      full.events.map((e) => e.title),
      ['a', 'b'],
    )
    assert.deepEqual(
      full.indicators.map((i) => i.value),
      ['203.0.113.1', '203.0.113.2'],
    )
    assert.equal(batches.take(), undefined)
    batches.add({ event: event('c'), indicators: [indicator('203.0.113.1')] })
    assert.deepEqual(
      batches.take()?.indicators.map((i) => i.value),
      ['203.0.113.1'],
    )
  })
})

describe('readAnswer: what an events consume answered', () => {
  it('counts the events ThreatQ held before (never more than were sent) and names their ids', () => {
    const held = { id: 7, created_at: '2026-12-08 01:00:00', updated_at: '2026-12-08 01:05:00' }
    const fresh = { id: 8, created_at: '2026-12-08 01:05:00', updated_at: '2026-12-08 01:05:00' }
    assert.deepEqual(readAnswer([held, fresh, { title: 'no id' }], 3), { updated: 1, ids: [7, 8] })
    assert.deepEqual(readAnswer([held, held], 1), { updated: 1, ids: [7, 7] })
    assert.deepEqual(readAnswer([], 2), { updated: 0, ids: [] })
  })
})
