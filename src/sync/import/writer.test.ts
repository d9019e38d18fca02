import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import { RemoteError } from '../../http/errors.js'
import { Secrets } from '../../log/secrets.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { DryRunOutput } from '../output.js'
import type { EventItem, IndicatorItem } from './convert.js'
import { FALLBACK_EVENT_TYPE, recordingImportWriter, threatqWriter } from './writer.js'

const silent = pino({ level: 'silent' })

const indicator = (value: string): IndicatorItem => ({
  value,
  type: { name: 'IP Address' },
  status: { name: 'Review' },
  sources: [{ name: 'AED' }],
})
const event = (title: string, refs: string[], count?: string): EventItem => ({
  title,
  type: { name: 'Alert' },
  happened_at: '2026-12-07 10:15:00',
  description: '',
  sources: [{ name: 'AED' }],
  attributes: count === undefined ? [] : [{ name: 'Block Count', value: count }],
  indicators: refs.map((value) => ({ value, type: 'IP Address' })),
})

/** A ThreatQ that answers consumes in request order and records every call. */
function fakeThreatq(answerIndicators = true) {
  const calls: { what: string; body: unknown }[] = []
  const client = {
    consume(collection: string, json: string): Promise<unknown[]> {
      const items = JSON.parse(json) as { value?: string; title?: string }[]
      calls.push({ what: `consume ${collection}`, body: items })
      if (collection === 'indicators')
        return Promise.resolve(
          answerIndicators ? items.map((item, i) => ({ id: 100 + i, value: item.value })) : [],
        )
      return Promise.resolve(items.map((item, i) => ({ id: 500 + i, title: item.title })))
    },
    setAttributes(collection: string, id: number, values: Record<string, string>) {
      calls.push({ what: `set ${collection} ${String(id)}`, body: values })
      return Promise.resolve()
    },
    ensureEventType: () => Promise.resolve({ id: 1, created: false }),
  }
  return { client: client as unknown as ThreatqClient, calls }
}

describe('threatqWriter: a write to ThreatQ', () => {
  it('consumes indicators, then events linked by id (extra links first, each once), then sets values in place', async () => {
    const tq = fakeThreatq()
    const writer = threatqWriter(tq.client, silent)
    const out = await writer.prepare({
      indicators: [indicator('203.0.113.5')],
      events: [event('a', ['203.0.113.5']), event('b', ['203.0.113.5'])],
      links: [[7, 100], []],
      eventValues: new Map([['b', { 'Block Count': '9' }]]),
      indicatorValues: new Map([[7, { 'AED Block Count': '3' }]]),
    })()
    assert.deepEqual(
      tq.calls.map((c) => c.what),
      ['consume indicators', 'consume events', 'set events 501', 'set indicators 7'],
    )
    const sent = tq.calls[1]?.body as { indicators: unknown }[]
    assert.deepEqual(
      sent.map((e) => e.indicators),
      [[{ id: 7 }, { id: 100 }], [{ id: 100 }]],
    )
    assert.deepEqual(out.unlinked, [])
    assert.deepEqual(out.unanswered, [])
    assert.equal(out.indicatorsSet, 1)
  })

  it('reports refs without an id (once each) and titles the answer did not name', async () => {
    const tq = fakeThreatq(false)
    const out = await threatqWriter(tq.client, silent).prepare({
      indicators: [indicator('203.0.113.5')],
      events: [event('a', ['203.0.113.5']), event('b', ['203.0.113.5'])],
      eventValues: new Map([['c', { 'Block Count': '1' }]]),
    })()
    assert.deepEqual(out.unlinked, [{ value: '203.0.113.5', type: 'IP Address' }])
    assert.deepEqual(out.unanswered, ['c'])
  })

  it("creates a missing event type; falls back when ThreatQ refuses it; a server error is the run's", async () => {
    const refusing = (status: number) =>
      ({
        ensureEventType: () =>
          Promise.reject(
            new RemoteError({
              system: 'threatq',
              kind: 'http',
              method: 'POST',
              url: 'https://tq.example/api/event/types',
              status,
              retryable: false,
            }),
          ),
      }) as unknown as ThreatqClient
    assert.equal(await threatqWriter(fakeThreatq().client, silent).eventType('Alert'), 'Alert')
    assert.equal(await threatqWriter(refusing(403), silent).eventType('Alert'), FALLBACK_EVENT_TYPE)
    await assert.rejects(threatqWriter(refusing(503), silent).eventType('Alert'), RemoteError)
  })
})

describe('recordingImportWriter: a dry run', () => {
  it('asks ThreatQ nothing, records each event as a write would leave it, and keeps committed totals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writer-'))
    try {
      const path = join(dir, 'dry.json')
      const output = await DryRunOutput.open(path, new Secrets())
      const writer = recordingImportWriter(output)
      assert.equal(writer.dryRun, true)
      assert.equal(await writer.eventType('Alert'), 'Alert')
      const out = await writer.prepare({
        indicators: [indicator('203.0.113.5')],
        events: [event('a', ['203.0.113.5'], '2'), event('b', [])],
        eventValues: new Map([['b', { 'Block Count': '9' }]]),
      })()
      assert.deepEqual(out, { answer: [], unlinked: [], unanswered: [], indicatorsSet: 0 })
      let saves = 0
      await writer.commit({ events: { k: { count: 9, first: 1, last: 2 } } }, () => {
        saves++
        return Promise.resolve()
      })
      assert.equal(saves, 0)
      assert.deepEqual(writer.unsaved('k'), { count: 9, first: 1, last: 2 })
      assert.equal(writer.unsaved('other'), undefined)
      await writer.finish()
      await output.commit()
      const doc = JSON.parse(await readFile(path, 'utf8')) as {
        import: { indicators: IndicatorItem[]; events: EventItem[] }
      }
      assert.deepEqual(
        doc.import.indicators.map((i) => i.value),
        ['203.0.113.5'],
      )
      assert.deepEqual(
        doc.import.events.map((e) => e.attributes),
        [[{ name: 'Block Count', value: '2' }], [{ name: 'Block Count', value: '9' }]],
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
