import assert from 'node:assert/strict'
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { edmNotification } from '../../edm/notification.js'
import { edmRecordSchema } from '../../edm/record.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { OwnIntel } from './own-intel.js'
import {
  importNotifications,
  runSyslogImport,
  type SavedSyslog,
  type SourceBatch,
  type SyslogImportSettings,
} from './syslog-run.js'

const RT = Date.UTC(2026, 11, 7, 10, 15)

const cef = (ioc: string, sev: number, rt: number, extra = ''): string =>
  `Dec  7 10:15:00 aed-sim CEF: 0|NETSCOUT|Arbor Edge Defense|7.1.1.0|Blocked Host|Blocked Host|${String(sev)}|rt=${String(rt)} src=10.1.1.1 dst=${ioc} dpt=443 proto=tcp cs1=${ioc} cs1Label=IOC Pattern cs3=ip cs3Label=Match Type${extra}\n`

/** A ThreatQ that upserts events by title and keeps attribute values as the simulator does. */
function fakeThreatq() {
  const events = new Map<string, { id: number; attributes: Map<string, string[]> }>()
  const byId = new Map<number, Map<string, string[]>>()
  let seq = 0
  const addValue = (attrs: Map<string, string[]>, name: string, value: string): void => {
    const values = attrs.get(name) ?? []
    if (!values.includes(value)) values.push(value)
    attrs.set(name, values)
  }
  const client = {
    consume(collection: string, json: string): Promise<unknown[]> {
      const items = JSON.parse(json) as {
        title?: string
        value?: string
        attributes?: { name: string; value: string }[]
      }[]
      return Promise.resolve(
        items.map((item) => {
          if (collection !== 'events') return { id: ++seq, value: item.value }
          const title = item.title ?? ''
          let event = events.get(title)
          if (event === undefined) {
            event = { id: ++seq, attributes: new Map() }
            events.set(title, event)
            byId.set(event.id, event.attributes)
          }
          for (const a of item.attributes ?? []) addValue(event.attributes, a.name, a.value)
          return { id: event.id, title }
        }),
      )
    },
    setAttributes(_c: string, id: number, values: Record<string, string>): Promise<void> {
      const attrs = byId.get(id) ?? new Map<string, string[]>()
      byId.set(id, attrs)
      for (const [name, value] of Object.entries(values)) attrs.set(name, [value])
      return Promise.resolve()
    },
    indicatorIdsByValue: () => Promise.resolve([]),
  }
  const blockCounts = (): number[][] =>
    [...events.values()].map((e) => (e.attributes.get('Block Count') ?? []).map(Number))
  return { client: client as unknown as ThreatqClient, events, blockCounts }
}

describe('syslog import (alert_source syslog)', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syslog-run-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const settings = (file: string, saved: SavedSyslog | undefined): SyslogImportSettings => ({
    file,
    context: {
      aedHost: 'aed.example',
      sourceName: 'AED',
      indicatorStatus: 'Review',
      eventType: 'Alert',
    },
    severity: 'Medium',
    keywords: [],
    loopAttributes: { count: 'AED Block Count', last: 'AED Last Blocked' },
    saved,
    batchSize: 500,
    dryRun: false,
    read: { batchLines: 2 },
  })
  const deps = (
    threatq: ThreatqClient,
    commit: (saved: SavedSyslog) => Promise<void>,
  ): Parameters<typeof runSyslogImport>[0] => ({
    threatq,
    logger: pino({ level: 'silent' }),
    now: () => new Date(RT + 60_000),
    own: new OwnIntel({
      collection: undefined,
      ledger: undefined,
      lookup: () => Promise.resolve([]),
    }),
    commit,
  })

  it('aggregates per IOC and hour, counts bad lines and other kinds, filters by severity', async () => {
    const file = join(dir, 'a.log')
    await writeFile(
      file,
      cef('203.0.113.5', 5, RT) +
        'garbage \u0001 line\n' +
        cef('203.0.113.5', 5, RT + 1000) +
        'Dec  7 10:15:01 aed-sim CEF: 0|NETSCOUT|Arbor Edge Defense|7.1.1.0|System Event|Login|5|msg=Username: admin, Subsystem: ui, Message: User admin logged in\n' +
        cef('203.0.113.6', 2, RT) +
        cef('203.0.113.5', 8, RT + 3_600_000),
    )
    const tq = fakeThreatq()
    let saved: SavedSyslog | undefined
    const outcome = await runSyslogImport(
      deps(tq.client, (s) => {
        saved = structuredClone(s)
        return Promise.resolve()
      }),
      settings(file, undefined),
    )
    assert.deepEqual(outcome.summary.skipped.toJSON(), {
      'bad syslog line': 1,
      'not imported: login notification': 1,
      'below alert_severity': 1,
    })
    // Two hours of 203.0.113.5: two events, 2 and 1 blocks.
    assert.deepEqual(tq.blockCounts().sort(), [[1], [2]])
    assert.ok(saved?.checkpoint !== undefined)
  })

  it('a crash after ThreatQ took a batch and before its checkpoint was saved never doubles a count', async () => {
    const file = join(dir, 'b.log')
    await writeFile(file, cef('198.51.100.1', 5, RT) + cef('198.51.100.1', 5, RT + 1))
    const tq = fakeThreatq()
    let saved: SavedSyslog | undefined
    const keep = (s: SavedSyslog): Promise<void> => {
      saved = structuredClone(s)
      return Promise.resolve()
    }
    await runSyslogImport(deps(tq.client, keep), settings(file, undefined))
    assert.deepEqual(tq.blockCounts(), [[2]])
    await appendFile(file, cef('198.51.100.1', 5, RT + 2) + cef('198.51.100.1', 5, RT + 3))
    // The batch is written, then the state cannot be saved: the run fails.
    await assert.rejects(
      runSyslogImport(
        deps(tq.client, () => Promise.reject(new Error('disk full'))),
        settings(file, saved),
      ),
      /disk full/,
    )
    assert.deepEqual(tq.blockCounts(), [[4]])
    // The next run reads the same lines again from the last saved state: the same totals.
    await runSyslogImport(deps(tq.client, keep), settings(file, saved))
    assert.deepEqual(tq.blockCounts(), [[4]])
    await appendFile(file, cef('198.51.100.1', 5, RT + 4))
    await runSyslogImport(deps(tq.client, keep), settings(file, saved))
    assert.deepEqual(tq.blockCounts(), [[5]])
    assert.equal(tq.events.size, 1)
  })

  it('a rerun that adds blocks to an event ThreatQ holds counts it as updated, not new (issue 21)', async () => {
    const file = join(dir, 'u.log')
    await writeFile(file, cef('198.51.100.9', 5, RT))
    const tq = fakeThreatq()
    let saved: SavedSyslog | undefined
    const keep = (s: SavedSyslog): Promise<void> => {
      saved = structuredClone(s)
      return Promise.resolve()
    }
    const first = await runSyslogImport(deps(tq.client, keep), settings(file, undefined))
    assert.equal(first.summary.sent.get('event'), 1)
    assert.equal(first.summary.updated.get('event'), 0)
    await appendFile(file, cef('198.51.100.9', 5, RT + 1) + cef('198.51.100.10', 5, RT))
    const again = await runSyslogImport(deps(tq.client, keep), settings(file, saved))
    assert.equal(again.summary.sent.get('event'), 1, 'the new IOC')
    assert.equal(again.summary.updated.get('event'), 1, 'the same IOC and hour')
    assert.equal(tq.events.size, 2)
  })

  it('EDM notifications aggregate the same way; their checkpoint has its own slot', async () => {
    const edmRecord = (id: string, ms: number) =>
      edmNotification(
        edmRecordSchema.parse({
          _id: id,
          time: new Date(ms).toISOString(),
          pkt: { src: '10.1.1.1', dst: '203.0.113.9', proto: 'tcp' },
          threatIntel: { indicator: '203.0.113.9', indicatorType: 'ip.addr', severity: 5 },
        }),
      )
    async function* source(): AsyncGenerator<SourceBatch> {
      await Promise.resolve()
      yield {
        items: [RT, RT + 1000, RT + 2000].map((ms, i) => ({
          kind: 'blocked-host' as const,
          notification: edmRecord(`e${String(i)}`, ms),
          where: {},
        })),
        checkpoint: { version: 1, time: RT + 2000, ids: ['e2'] },
      }
      yield {
        items: [{ kind: 'bad', reason: 'time: no zone', where: {}, what: 'invalid EDM record' }],
        checkpoint: undefined,
      }
    }
    const tq = fakeThreatq()
    const syslogCheckpoint = { offset: 42 }
    let saved: SavedSyslog | undefined
    const {
      file: _file,
      read: _read,
      ...rest
    } = settings('', {
      checkpoint: syslogCheckpoint,
      events: {},
      indicators: {},
    })
    const outcome = await importNotifications(
      deps(tq.client, (s) => {
        saved = structuredClone(s)
        return Promise.resolve()
      }),
      rest,
      source(),
      'edmCheckpoint',
    )
    assert.deepEqual(tq.blockCounts(), [[3]])
    assert.deepEqual(outcome.summary.skipped.toJSON(), { 'invalid EDM record': 1 })
    assert.deepEqual(saved?.checkpoint, syslogCheckpoint)
    assert.deepEqual(saved.edmCheckpoint, { version: 1, time: RT + 2000, ids: ['e2'] })
  })
})
