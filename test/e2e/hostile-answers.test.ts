/**
 * Issue 20, hostile servers (real CLI, simulators over sockets): a TAXII discovery document that
 * names an API root on another origin. The connector must not follow it: the TAXII Basic
 * credentials and the export would go there.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { startWorld, type World } from '../helpers/world.js'

describe('a foreign TAXII discovery document (aed-sim --foreign-api-root)', () => {
  let world: World
  let other: RunningServer
  const seen: string[] = []

  before(async () => {
    // The other origin: a second loopback server that records every request it gets.
    other = await serveApp(
      (request) => {
        seen.push(`${request.method} ${request.url} ${request.headers.get('authorization') ?? ''}`)
        return new Response('{}', { headers: { 'content-type': 'application/taxii+json' } })
      },
      { host: '127.0.0.1', port: 0, tls: false },
    )
    world = await startWorld({
      seed: 20,
      aedArgs: ['--foreign-api-root', `${other.url}/taxii/root/`],
    })
    await world.configure()
  })
  after(async () => {
    await world.stop()
    await other.close()
  })

  it('exits 2 naming hostname, and the other origin receives no request', async () => {
    const result = await world.run(['-e'])
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /hostname/)
    assert.ok(result.stderr.includes(new URL(other.url).host), result.stderr)
    assert.deepEqual(seen, [])
  })
})
