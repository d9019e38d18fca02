import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { AedClient, AlertPage } from '../../aed/client.js'
import { alertSchema } from '../../aed/client.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { runImport } from './run.js'

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
        dryRun: true,
      },
    )
    assert.equal(outcome.eventsWritten, 2)
    assert.deepEqual(outcome.summary.skipped.toJSON(), { 'duplicate AED alert': 2 })
  })
})
