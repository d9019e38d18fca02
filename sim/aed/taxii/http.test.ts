import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fetch } from 'undici'
import { MEDIA_TYPES } from '../../../src/taxii/types.js'
import { serveApp, type RunningServer } from '../../common/serve.js'
import { DEFAULTS, type AedSim } from '../app.js'
import { newSim } from '../test-support.js'
import { collectionIdFor } from './store.js'

const OBJECTS = `/taxii/aed/collections/${collectionIdFor(DEFAULTS.collection)}/objects/`
const AUTH = `Basic ${Buffer.from(`${DEFAULTS.taxiiUser}:${DEFAULTS.taxiiPassword}`).toString('base64')}`

/** A one-indicator bundle of exactly `bytes` UTF-8 bytes, padded with two-byte characters. */
function bundleOf(bytes: number): string {
  const text = (name: string): string =>
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      spec_version: '2.0',
      objects: [
        {
          type: 'indicator',
          id: 'indicator--0f7c5a4e-2b1d-4c3a-9e8f-7a6b5c4d3e2f',
          modified: '2026-01-01T00:00:00.000Z',
          name,
          pattern: "[ipv4-addr:value = '198.51.100.1']",
        },
      ],
    })
  const short = Buffer.byteLength(text('')) - bytes
  assert.ok(short <= 0)
  const body = text('é'.repeat(Math.floor(-short / 2)) + (-short % 2 === 1 ? 'e' : ''))
  assert.equal(Buffer.byteLength(body), bytes)
  return body
}

describe('aed-sim TAXII body limit over a real socket', () => {
  const LIMIT = 4000
  let sim: AedSim
  let server: RunningServer
  before(async () => {
    sim = newSim()
    sim.state.taxii.behaviour.maxContentLength = LIMIT
    server = await serveApp(sim.app.fetch, { host: '127.0.0.1', port: 0, tls: false })
  })
  after(() => server.close())

  const post = async (body: string, chunked: boolean): Promise<number> => {
    const res = await fetch(`${server.url}${OBJECTS}`, {
      method: 'POST',
      headers: {
        authorization: AUTH,
        accept: MEDIA_TYPES['2.0'].taxii,
        'content-type': MEDIA_TYPES['2.0'].stix,
      },
      // A stream has no length up front, so it travels chunked, without Content-Length.
      body: chunked ? new Blob([body]).stream() : body,
      ...(chunked ? { duplex: 'half' as const } : {}),
    })
    await res.arrayBuffer()
    return res.status
  }

  for (const chunked of [false, true]) {
    const how = chunked ? 'chunked' : 'with Content-Length'
    it(`counts UTF-8 bytes, not characters (${how}): the limit passes, one byte more is 413`, async () => {
      // 202 for a re-sent object too: the status resource lists it as a failure.
      assert.equal(await post(bundleOf(LIMIT), chunked), 202)
      assert.equal(await post(bundleOf(LIMIT + 1), chunked), 413)
    })
  }
})
