import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { serveApp, type RunningServer } from '../../../sim/common/serve.js'
import { edmAdmin, EDM_TOKEN, newEdm, NOW_MS } from '../../../sim/edm/test-support.js'
import { EdmClient, edmTimeText } from '../../edm/client.js'
import { createHttpClient } from '../../http/client.js'
import { edmSource, type EdmSourceQuery } from './edm-source.js'
import type { SourceBatch } from './syslog-run.js'

const HOUR = 3_600_000
const at = (secondsBeforeNow: number) => edmTimeText(NOW_MS - secondsBeforeNow * 1000)
const record = (i: number, time: string) => ({
  _id: `r${String(i)}`,
  time,
  hostname: 'aed-1',
  pkt: { src: `198.18.0.${String(i)}`, dst: '10.0.0.1', proto: 'tcp' },
})

describe('edmSource: EDM threat records as batches of the aggregating import', () => {
  let server: RunningServer
  let edm: EdmClient
  const query: EdmSourceQuery = { start: NOW_MS - 2 * HOUR, end: NOW_MS, size: 2 }
  const warnings: string[] = []
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) },
  )
  const read = async (
    saved: unknown,
    client: Pick<EdmClient, 'threats'> = edm,
  ): Promise<SourceBatch[]> => {
    const batches: SourceBatch[] = []
    for await (const b of edmSource(client, query, saved, logger)) batches.push(b)
    return batches
  }

  before(async () => {
    const sim = newEdm()
    // Three records in the window (two share a second), one before it.
    await edmAdmin(sim, '/_sim/threats', {
      threats: [record(1, at(600)), record(2, at(60)), record(3, at(60)), record(4, at(3 * 3600))],
    })
    server = await serveApp(sim.app.fetch, { host: '127.0.0.1', port: 0, tls: false })
    edm = new EdmClient(
      createHttpClient({ system: 'edm', baseUrl: server.url, retry: { maxAttempts: 1 } }),
      logger,
      { token: EDM_TOKEN },
    )
  })
  after(async () => {
    await edm.close()
    await server.close()
  })

  it('first run: every record of the lookback window as a Blocked Host, with the checkpoint after it', async () => {
    const batches = await read(undefined)
    const items = batches.flatMap((b) => b.items)
    assert.deepEqual(
      items.map((i) => (i.kind === 'blocked-host' ? i.notification.src : i.kind)),
      ['198.18.0.1', '198.18.0.2', '198.18.0.3'],
    )
    const last = batches.at(-1)?.checkpoint as { time: number; ids: string[] }
    assert.equal(last.time, NOW_MS - 60_000)
    assert.deepEqual([...last.ids].sort(), ['r2', 'r3'])
  })

  it('from a saved checkpoint: only what it does not cover', async () => {
    const saved = { version: 1, time: NOW_MS - 60_000, ids: ['r2'] }
    const items = (await read(saved)).flatMap((b) => b.items)
    assert.deepEqual(
      items.map((i) => (i.kind === 'blocked-host' ? i.notification.src : i.kind)),
      ['198.18.0.3'],
    )
  })

  it('an unreadable saved checkpoint: warned, read from the lookback window', async () => {
    warnings.length = 0
    const items = (await read({ offset: 12 })).flatMap((b) => b.items)
    assert.equal(items.length, 3)
    assert.ok(warnings.some((w) => /EDM checkpoint is unreadable/.test(w)))
  })

  it('records EDM answered but the client could not read are bad items, named as EDM records', async () => {
    const page = {
      records: [],
      invalid: [{ id: 7, reason: 'time: not a time with a zone' }],
      repeated: 0,
      checkpoint: undefined,
    }
    const fake = {
      // eslint-disable-next-line @typescript-eslint/require-await
      async *threats() {
        yield page
      },
    }
    const items = (await read(undefined, fake)).flatMap((b) => b.items)
    assert.deepEqual(items, [
      {
        kind: 'bad',
        reason: 'time: not a time with a zone',
        where: { edmId: 7 },
        what: 'invalid EDM record',
      },
    ])
  })
})
