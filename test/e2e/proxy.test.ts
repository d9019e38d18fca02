/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY end to end: the real command, both directions, through a
 * recording proxy on loopback.
 *
 * undici subtleties this relies on (src/http/dispatcher.ts):
 * - EnvHttpProxyAgent picks the proxy by the target's scheme: https:// targets go through
 *   HTTPS_PROXY, http:// targets through HTTP_PROXY. Both are CONNECT tunnels: undici 7's
 *   ProxyAgent tunnels plain http too instead of sending absolute-form requests, so a proxy that
 *   only forwards (no CONNECT) would not do. Over https, TLS stays end to end: the proxy sees
 *   host:port only, and the connector still verifies the simulator's certificate.
 * - undici does not exempt loopback from proxying by itself, which is what lets a loopback proxy
 *   see loopback simulators at all; NO_PROXY=127.0.0.1 matches the host on every port.
 * - The connector hands undici the variables explicitly (it never reads process.env itself), so
 *   only what the command's environment says counts; the proxy listens on 127.0.0.1 only.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import { tempDir } from '../../sim/world/processes.js'
import { startProxy, type RecordingProxy } from '../helpers/proxy.js'
import { startWorld, type World } from '../../sim/world/world.js'

const hostPort = (url: string): string => new URL(url).host
const SEQUENTIAL = { concurrency: 1 }

describe('proxies from the environment', { concurrency: true }, () => {
  let proxy: RecordingProxy
  before(async () => {
    proxy = await startProxy()
  })
  after(async () => {
    await proxy.close()
  })

  describe('https simulators: HTTPS_PROXY tunnels both, NO_PROXY bypasses it', SEQUENTIAL, () => {
    let world: World
    let env: Record<string, string>
    before(async () => {
      world = await startWorld({ seed: 40, tls: true })
      const caFile = join(await tempDir('tq-aed-ca-'), 'sim-ca.pem')
      await writeFile(caFile, SIM_TLS_CERT)
      env = { ...world.env, THREATQ_CA_FILE: caFile }
      const first = await world.run(['--non-interactive'], env)
      assert.equal(first.code, 4, first.stderr)
      await world.enable({ aed_ca_file: caFile })
    })
    after(async () => {
      await world.stop()
    })

    it('HTTPS_PROXY: the run succeeds and every request went through the tunnel', async () => {
      const from = proxy.seen.length
      const run = await world.run([], { ...env, HTTPS_PROXY: proxy.url })
      assert.equal(run.code, 0, run.stderr)
      const tunnels = new Set(proxy.seen.slice(from))
      assert.ok(tunnels.has(`CONNECT ${hostPort(world.threatq.url)}`), [...tunnels].join(', '))
      assert.ok(tunnels.has(`CONNECT ${hostPort(world.aed.url)}`), [...tunnels].join(', '))
    })

    it('NO_PROXY covering the hosts: the run succeeds, the proxy sees nothing', async () => {
      const from = proxy.seen.length
      const run = await world.run(['--full'], {
        ...env,
        HTTPS_PROXY: proxy.url,
        NO_PROXY: '127.0.0.1',
      })
      assert.equal(run.code, 0, run.stderr)
      assert.deepEqual(
        proxy.seen.slice(from).filter((s) => s.includes(hostPort(world.threatq.url))),
        [],
      )
      assert.deepEqual(
        proxy.seen.slice(from).filter((s) => s.includes(hostPort(world.aed.url))),
        [],
      )
    })
  })

  describe('http simulators: HTTP_PROXY tunnels both', () => {
    let world: World
    before(async () => {
      world = await startWorld({ seed: 40 })
      await world.configure()
    })
    after(async () => {
      await world.stop()
    })

    it('HTTP_PROXY: the run succeeds and went through the proxy', async () => {
      const from = proxy.seen.length
      const run = await world.run([], { HTTP_PROXY: proxy.url })
      assert.equal(run.code, 0, run.stderr)
      const tunnels = new Set(proxy.seen.slice(from))
      assert.ok(tunnels.has(`CONNECT ${hostPort(world.threatq.url)}`), [...tunnels].join(', '))
      assert.ok(tunnels.has(`CONNECT ${hostPort(world.aed.url)}`), [...tunnels].join(', '))
    })
  })
})
