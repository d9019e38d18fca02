/** edm-sim and aed-sim as real processes: traffic on the AED → a syslog line and an EDM record. */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { fetch } from 'undici'
import { DEFAULTS } from '../aed/app.js'
import { udpListener } from '../aed/syslog/listeners.js'
import { EDM_DEFAULTS } from './app.js'

const AED_BIN = fileURLToPath(new URL('../aed/bin.js', import.meta.url))
const EDM_BIN = fileURLToPath(new URL('./bin.js', import.meta.url))

interface Running {
  child: ChildProcess
  url: string
}

async function start(bin: string, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve)
    child.once('exit', (code) => {
      reject(new Error(`${bin} exited with ${String(code)} before it was ready`))
    })
  })
  return { child, url: (JSON.parse(line) as { url: string }).url }
}

async function stop({ child }: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  return exited
}

async function post(url: string, body: unknown, method = 'POST'): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'X-Arbux-APIToken': DEFAULTS.token },
    body: JSON.stringify(body),
  })
  assert.ok(res.status < 300, `${url}: ${String(res.status)}`)
  return res.json()
}

describe('edm-sim command with an aed-sim (real sockets)', () => {
  it('reports the AED traffic it blocked and notified over syslog, with the pre-2020 header only', async () => {
    const udp = await udpListener()
    const aed = await start(AED_BIN, [
      '--hostname',
      'edge-9',
      '--syslog-other-every',
      '0',
      '--syslog-config-changes',
      'off',
    ])
    const edm = await start(EDM_BIN, ['--aed', aed.url, '--auth', 'old'])
    try {
      await post(
        `${aed.url}/api/aed/v3/remote-syslog/`,
        { host: '127.0.0.1', port: udp.port },
        'PATCH',
      )
      await post(`${aed.url}/api/aed/v3/otf/denied-hosts/`, { hostAddress: '198.51.100.7' })
      const answer = (await post(`${aed.url}/_sim/traffic`, {
        flows: [{ src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 2 }],
      })) as { notifications: number }
      assert.equal(answer.notifications, 2)
      const lines = await udp.waitFor(2)
      assert.match(lines[0] ?? '', /^<132>\w{3} [ \d]\d \d\d:\d\d:\d\d edge-9 CEF:0\|NETSCOUT\|/)

      const url = `${edm.url}/api/v1/alerts/threats?q=${encodeURIComponent('pkt.dst:198.51.100.7')}`
      const refused = await fetch(url, { headers: { 'X-Arbux-APIToken': EDM_DEFAULTS.token } })
      assert.equal(refused.status, 401)
      await refused.text()
      const res = await fetch(url, {
        headers: { Authorization: `NSAPITOKENID ${EDM_DEFAULTS.token}` },
      })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { data: { hits: Record<string, unknown>[] } }
      assert.equal(body.data.hits.length, 2)
      assert.equal(body.data.hits[0]?.hostname, 'edge-9')
      assert.equal(body.data.hits[0].hostIp, '127.0.0.1')
    } finally {
      assert.equal(await stop(edm), 0)
      assert.equal(await stop(aed), 0)
      await udp.close()
    }
  })

  it('refuses an unknown flag and a bad --max-window', async () => {
    const bad = spawn(process.execPath, [EDM_BIN, '--nope'], { stdio: 'ignore' })
    assert.equal(await new Promise((resolve) => bad.once('exit', resolve)), 2)
    const window = spawn(process.execPath, [EDM_BIN, '--max-window', '0'], { stdio: 'ignore' })
    assert.equal(await new Promise((resolve) => window.once('exit', resolve)), 1)
  })
})
