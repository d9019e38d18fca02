import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { Agent, fetch } from 'undici'
import { SIM_TLS_CERT } from '../common/tls.js'
import { DEFAULTS } from './app.js'

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url))

interface Running {
  child: ChildProcess
  url: string
}

async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stdout = child.stdout
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout })
    lines.once('line', resolve)
    child.once('exit', (code) => {
      reject(new Error(`aed-sim exited with ${String(code)} before it was ready`))
    })
  })
  const ready = JSON.parse(line) as { ready: boolean; url: string }
  assert.equal(ready.ready, true)
  return { child, url: ready.url }
}

async function stop({ child }: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  return exited
}

const headers = { 'X-Arbux-APIToken': DEFAULTS.token }

describe('aed-sim command (real sockets)', () => {
  it('prints the ready line, serves plain HTTP and stops cleanly on SIGTERM', async () => {
    const sim = await start(['--seed', '1'])
    try {
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${sim.url}/api/aed/v3/summary/`, { headers })
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { protectionLevel: number }).protectionLevel, 1)
    } finally {
      assert.equal(await stop(sim), 0)
    }
  })

  it('serves HTTPS with the simulator certificate under --tls', async () => {
    const sim = await start(['--tls', '--token', 'secret-token'])
    const dispatcher = new Agent({ connect: { ca: SIM_TLS_CERT } })
    try {
      assert.match(sim.url, /^https:\/\//)
      const res = await fetch(`${sim.url}/api/aed/v3/countries/`, {
        headers: { 'X-Arbux-APIToken': 'secret-token' },
        dispatcher,
      })
      assert.equal(res.status, 200)
    } finally {
      await dispatcher.close()
      assert.equal(await stop(sim), 0)
    }
  })

  it('keeps its state across a restart with --data-dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aed-sim-bin-'))
    try {
      const first = await start(['--data-dir', dir])
      const added = await fetch(`${first.url}/api/aed/v3/otf/denied-hosts/`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ hostAddress: '192.0.2.77' }),
      })
      assert.equal(added.status, 201)
      assert.equal(await stop(first), 0)
      const second = await start(['--data-dir', dir])
      try {
        const res = await fetch(`${second.url}/api/aed/v3/otf/denied-hosts/192.0.2.77/`, {
          headers,
        })
        assert.equal(res.status, 200)
      } finally {
        assert.equal(await stop(second), 0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('prints help and refuses an unknown flag', async () => {
    const help = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let text = ''
    help.stdout.on('data', (d: Buffer) => (text += d.toString()))
    assert.equal(await new Promise((resolve) => help.once('exit', resolve)), 0)
    assert.match(text, /--data-dir DIR/)
    const bad = spawn(process.execPath, [BIN, '--nope'], { stdio: 'ignore' })
    assert.equal(await new Promise((resolve) => bad.once('exit', resolve)), 2)
  })
})
