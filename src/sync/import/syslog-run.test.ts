import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { recordingImportWriter } from './writer.js'
import { edmNotification } from '../../edm/notification.js'
import { Secrets } from '../../log/secrets.js'
import { DryRunOutput } from '../output.js'
import { edmRecordSchema } from '../../edm/record.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { OwnIntel } from './own-intel.js'
import { readSyslogState, SyslogStateFile, type SavedSyslog } from './syslog-state.js'
import {
  importNotifications,
  runSyslogImport,
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

  it('a dry run says so in its summary, and writes nothing', async () => {
    const file = join(dir, 'dry.log')
    await writeFile(file, cef('203.0.113.8', 5, RT))
    const tq = fakeThreatq()
    const outcome = await runSyslogImport(
      deps(tq.client, () => Promise.reject(new Error('a dry run saves nothing'))),
      { ...settings(file, undefined), writer: recordingImportWriter(undefined) },
    )
    assert.equal(outcome.summary.dryRun, true)
    assert.equal(tq.events.size, 0)
  })

  it('-v 3 logs each per-notification finding once, with its count, not once per line', async () => {
    const file = join(dir, 'flags.log')
    const noRt = (i: number): string =>
      cef('203.0.113.7', 5, RT)
        .replace(`rt=${String(RT)} `, '')
        .replace('dpt=443', `dpt=${String(i)}`)
    await writeFile(file, Array.from({ length: 50 }, (_, i) => noRt(i)).join(''))
    const lines: { msg: string; count?: number }[] = []
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => lines.push(JSON.parse(line) as { msg: string; count?: number }) },
    )
    const outcome = await runSyslogImport(
      { ...deps(fakeThreatq().client, () => Promise.resolve()), logger },
      settings(file, undefined),
    )
    assert.equal(outcome.summary.skipped.get('Blocked Host without a usable rt'), 50)
    const about = lines.filter((l) => l.msg.includes('missing'))
    assert.deepEqual(
      about.map((l) => [l.msg, l.count]),
      [['notification field: rt missing', 50]],
    )
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

  it('a rerun that adds blocks to an event ThreatQ holds counts it as updated, not new', async () => {
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
  /** A syslog file of 7 lines, the IOCs in turn (each key comes back), and its state's path. */
  const rotatingFile = async (name: string, iocs: readonly string[]) => {
    const file = join(dir, `${name}.log`)
    await writeFile(
      file,
      Array.from({ length: 7 }, (_, i) => cef(iocs[i % iocs.length] ?? '', 5, RT + i)).join(''),
    )
    return { file, path: join(dir, `${name}.syslog.json`) }
  }
  /** Reads of less than a line: each batch the reader yields holds one line (a write every few). */
  const LINE_BY_LINE = { batchLines: 1, chunkBytes: 128 }
  /** A run as the connector makes it: the state file read in parts, new totals merged in. */
  async function fromStateFile(
    client: ThreatqClient,
    file: string,
    path: string,
    extra: Partial<SyslogImportSettings> = {},
  ) {
    const state = await SyslogStateFile.open(path)
    return runSyslogImport(
      deps(client, (s) => state.save(s)),
      { ...settings(file, state.saved), aggregates: state, ...extra },
    )
  }
  const counting = (client: ThreatqClient) => {
    const calls = { n: 0 }
    const wrap = new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown
        if (typeof v !== 'function') return v
        return (...args: unknown[]) => {
          calls.n++
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
    return { client: wrap, calls }
  }

  it('through the state file: totals right across writes and runs, and after a crash before the save', async () => {
    const iocs = ['203.0.113.1', '203.0.113.2', '203.0.113.3']
    const { file, path } = await rotatingFile('d', iocs)
    const tq = fakeThreatq()
    // A write every 2 lines: each key comes back in later writes.
    await fromStateFile(tq.client, file, path, { flushItems: 2, read: LINE_BY_LINE })
    assert.deepEqual(tq.blockCounts().sort(), [[2], [2], [3]])
    await appendFile(file, cef(iocs[0] ?? '', 5, RT + 10) + cef(iocs[1] ?? '', 5, RT + 11))
    const before = await readFile(path)
    await assert.rejects(
      runSyslogImport(
        deps(tq.client, () => Promise.reject(new Error('disk full'))),
        {
          ...settings(file, (await SyslogStateFile.open(path)).saved),
          aggregates: await SyslogStateFile.open(path),
        },
      ),
      /disk full/,
    )
    assert.deepEqual(await readFile(path), before)
    await fromStateFile(tq.client, file, path, { flushItems: 2, read: LINE_BY_LINE })
    assert.deepEqual(tq.blockCounts().sort(), [[2], [3], [4]])
    assert.equal(tq.events.size, 3)
    const saved = await readSyslogState(path)
    assert.deepEqual(
      Object.values(saved?.events ?? {})
        .map((a) => a.count)
        .sort(),
      [2, 3, 4],
    )
  })

  it('an event written in several parts of one run is counted once: as created, or as updated when ThreatQ held it', async () => {
    const iocs = ['203.0.113.21', '203.0.113.22', '203.0.113.23']
    const { file, path } = await rotatingFile('parts', iocs)
    const tq = fakeThreatq()
    // A write every 2 lines: each key comes back in later parts.
    const first = await fromStateFile(tq.client, file, path, { flushItems: 2, read: LINE_BY_LINE })
    assert.equal(first.summary.sent.get('event'), 3)
    assert.equal(first.summary.updated.get('event'), 0)
    await appendFile(file, [0, 1, 0, 1].map((i) => cef(iocs[i] ?? '', 5, RT + 10 + i)).join(''))
    const again = await fromStateFile(tq.client, file, path, { flushItems: 1, read: LINE_BY_LINE })
    assert.equal(again.summary.sent.get('event'), 0)
    assert.equal(again.summary.updated.get('event'), 2)
    assert.deepEqual(tq.blockCounts().sort(), [[2], [4], [5]])
  })

  it('a dry run in several parts would write what a run writes: its later parts see the totals of the earlier ones', async () => {
    const { file, path } = await rotatingFile('dry-parts', [
      '203.0.113.31',
      '203.0.113.32',
      '203.0.113.33',
    ])
    const out = join(dir, 'dry-parts.json')
    const output = await DryRunOutput.open(out, new Secrets())
    const state = await SyslogStateFile.open(path)
    const dry = await runSyslogImport(
      deps(fakeThreatq().client, () => Promise.reject(new Error('a dry run saves nothing'))),
      {
        ...settings(file, state.saved),
        aggregates: state,
        flushItems: 2,
        read: LINE_BY_LINE,
        writer: recordingImportWriter(output),
      },
    )
    await output.commit()
    const doc = JSON.parse(await readFile(out, 'utf8')) as {
      import: { events: { title: string; attributes: { name: string; value: string }[] }[] }
    }
    // What each event holds after the last write the dry run records for it.
    const last = new Map<string, number>()
    for (const e of doc.import.events)
      last.set(e.title, Number(e.attributes.find((a) => a.name === 'Block Count')?.value))
    const tq = fakeThreatq()
    const real = await fromStateFile(tq.client, file, join(dir, 'real-parts.syslog.json'), {
      flushItems: 2,
      read: LINE_BY_LINE,
    })
    assert.deepEqual([...last.values()].sort(), [2, 2, 3])
    assert.deepEqual(
      [...last.values()].sort(),
      tq
        .blockCounts()
        .map((counts) => counts.at(-1))
        .sort(),
    )
    assert.deepEqual(dry.summary.sent.toJSON(), real.summary.sent.toJSON())
    assert.deepEqual(dry.summary.updated.toJSON(), real.summary.updated.toJSON())
    assert.equal(dry.eventsWritten, real.eventsWritten)
  })

  it('the state file keeps the keys of the last three hours only, however many hours pass', async () => {
    const file = join(dir, 'e.log')
    const path = join(dir, 'e.syslog.json')
    const tq = fakeThreatq()
    const sizes: number[] = []
    for (let hour = 0; hour < 8; hour++) {
      const at = RT + hour * 3_600_000
      await appendFile(
        file,
        [1, 2, 3, 4].map((k) => cef(`198.51.${String(hour)}.${String(k)}`, 5, at)).join(''),
      )
      await fromStateFile(tq.client, file, path)
      sizes.push(Object.keys((await readSyslogState(path))?.events ?? {}).length)
    }
    assert.equal(tq.events.size, 32)
    // 4 keys an hour; the hour of the newest block and the two before it are kept.
    assert.deepEqual(sizes, [4, 8, 12, 12, 12, 12, 12, 12])
  })

  it('a rerun with nothing new makes no ThreatQ request and reads nothing of the aggregates', async () => {
    const file = join(dir, 'f.log')
    const path = join(dir, 'f.syslog.json')
    await writeFile(file, cef('203.0.113.7', 5, RT) + cef('203.0.113.8', 5, RT + 1))
    const tq = fakeThreatq()
    await fromStateFile(tq.client, file, path)
    // The rows after the first line are made unreadable: reading them would fail the run.
    const text = await readFile(path, 'utf8')
    const firstLine = text.slice(0, text.indexOf('\n') + 1)
    await writeFile(path, `${firstLine}not a row\n`, { mode: 0o600 })
    const written = (await stat(path)).mtimeMs
    const { client, calls } = counting(tq.client)
    const outcome = await fromStateFile(client, file, path)
    assert.equal(calls.n, 0)
    assert.equal(outcome.eventsWritten, 0)
    assert.equal((await stat(path)).mtimeMs, written)
  })
})
