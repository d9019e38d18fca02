import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pino } from 'pino'
import type { ThreatqClient } from '../../threatq/client.js'
import { OwnIntel } from './own-intel.js'
import type { CheckpointSlot } from './source-names.js'
import { importNotifications, type SourceBatch } from './syslog-run.js'

/** One batch of `bad` unreadable items, as each source hands them over. */
async function* unreadable(slot: CheckpointSlot, bad: number): AsyncGenerator<SourceBatch> {
  await Promise.resolve()
  yield {
    items: Array.from({ length: bad }, (_, i) =>
      slot === 'edmCheckpoint'
        ? {
            kind: 'bad',
            reason: 'no _id',
            where: { edmId: `r${String(i)}` },
            what: 'invalid EDM record',
          }
        : {
            kind: 'bad',
            reason: 'neither a syslog line nor a CEF or LEEF record',
            where: { line: i + 1 },
          },
    ),
    checkpoint: { at: bad },
  }
}

/** The import's log messages and summary notes for `bad` unreadable items of one source. */
async function run(
  slot: CheckpointSlot,
  bad: number,
): Promise<{ messages: string[]; notes: string[] }> {
  const messages: string[] = []
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
  )
  const outcome = await importNotifications(
    {
      // Nothing to write: unreadable items never reach ThreatQ.
      threatq: {} as unknown as ThreatqClient,
      logger,
      now: () => new Date(0),
      own: new OwnIntel({
        collection: undefined,
        ledger: undefined,
        lookup: () => Promise.resolve([]),
      }),
      commit: () => Promise.resolve(),
    },
    {
      context: {
        aedHost: 'aed.example',
        sourceName: 'AED',
        indicatorStatus: 'Review',
        eventType: 'Alert',
      },
      severity: 'Low',
      keywords: [],
      loopAttributes: { count: 'AED Block Count', last: 'AED Last Blocked' },
      saved: undefined,
      batchSize: 500,
    },
    unreadable(slot, bad),
    slot,
  )
  return { messages, notes: outcome.summary.notes }
}

describe('the aggregating import names the source it read', () => {
  it('an EDM run says EDM, in its log lines and its summary', async () => {
    const { messages, notes } = await run('edmCheckpoint', 101)
    assert.ok(messages.includes('EDM import finished'), messages.join('\n'))
    assert.ok(messages.includes('skipped an EDM threat record this connector cannot read'))
    assert.equal(messages.filter((m) => /syslog|line/i.test(m)).length, 0, messages.join('\n'))
    assert.deepEqual(notes, [
      '101 EDM threat records could not be read (the first 100 are in the log)',
    ])
  })

  it('a syslog run says syslog', async () => {
    const { messages, notes } = await run('checkpoint', 101)
    assert.ok(messages.includes('syslog import finished'), messages.join('\n'))
    assert.ok(messages.includes('skipped a line that is not a notification this connector reads'))
    assert.equal(messages.filter((m) => /EDM/.test(m)).length, 0)
    assert.deepEqual(notes, [
      '101 syslog lines were not notifications this connector reads (the first 100 are in the log)',
    ])
  })
})
