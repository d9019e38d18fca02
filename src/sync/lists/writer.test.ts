import assert from 'node:assert/strict'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { Secrets } from '../../log/secrets.js'
import { DryRunOutput } from '../output.js'
import { RecordingListWriter } from './writer.js'

const paths = { path: (l: { id: string }) => Promise.resolve(`/api/aed/v3/otf/${l.id}/`) }

describe('the dry run’s list writer', () => {
  it('records each write in order for the dry-run file, then the refusals, and answers as AED would', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'tq-lists-writer-')), 'dry.json')
    const output = await DryRunOutput.open(file, new Secrets())
    const writer = new RecordingListWriter(paths, output)
    writer.refused({ id: 9, value: '10.0.0.1', reason: 'private address' })
    const hosts = LISTS.inboundDenyHosts
    // Concurrent requests record whole, one after the other.
    const [, answer] = await Promise.all([
      writer.remove(LISTS.outboundDenyHosts, ['203.0.113.9'], undefined),
      writer.add(hosts, ['203.0.113.1', '203.0.113.2'], ['tq:i:1', 'tq:i:2'], '7,8'),
    ])
    await writer.finish()
    await output.commit()
    assert.deepEqual(answer, {
      ok: true,
      entries: [
        { value: '203.0.113.1', annotations: ['tq:i:1'], pgids: [7, 8], cids: [] },
        { value: '203.0.113.2', annotations: ['tq:i:2'], pgids: [7, 8], cids: [] },
      ],
    })
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      lists: {
        calls: [
          {
            method: 'DELETE',
            path: '/api/aed/v3/otf/outbound-denied-hosts/',
            query: { hostAddress: '203.0.113.9' },
          },
          {
            method: 'POST',
            path: '/api/aed/v3/otf/inbound-denied-hosts/',
            body: {
              hostAddress: ['203.0.113.1', '203.0.113.2'],
              annotation: 'tq:i:1,tq:i:2',
              pgid: '7,8',
            },
          },
        ],
        refusals: [{ id: 9, value: '10.0.0.1', reason: 'private address' }],
      },
    })
  })

  it('without --output it keeps nothing, and still answers success', async () => {
    const writer = new RecordingListWriter(paths, undefined)
    const answer = await writer.add(LISTS.outboundDenyHosts, ['203.0.113.1'], ['tq:i:1'], undefined)
    assert.equal(answer.ok, true)
    await writer.finish()
  })
})
