import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Agent, fetch } from 'undici'
import { SIM_TLS_CERT } from '../common/tls.js'
import { DEFAULT_USER } from './app.js'

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'bin.js')

interface Running {
  child: ChildProcess
  url: string
}

async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const [line] = (await once(lines, 'line')) as [string]
  const ready = JSON.parse(line) as { ready: boolean; url: string }
  assert.equal(ready.ready, true)
  return { child, url: ready.url }
}

async function stop(r: Running): Promise<number | null> {
  r.child.kill('SIGTERM')
  const [code] = (await once(r.child, 'exit')) as [number | null]
  return code
}

async function token(url: string, dispatcher?: Agent): Promise<string> {
  const res = await fetch(
    `${url}/api/token?grant_type=password&client_id=${DEFAULT_USER.clientId}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEFAULT_USER.email, password: DEFAULT_USER.password }),
      ...(dispatcher === undefined ? {} : { dispatcher }),
    },
  )
  assert.equal(res.status, 200)
  return ((await res.json()) as { access_token: string }).access_token
}

describe('threatq-sim command', () => {
  it('serves plain HTTP on a free port, seeded, with --faults @file, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-sim-faults-'))
    const faults = join(dir, 'faults.json')
    writeFileSync(
      faults,
      JSON.stringify([{ match: { path: '^/api/tags$' }, fault: { status: 418 } }]),
    )
    const r = await start([
      '--seed-indicators',
      '25',
      '--collection',
      'Smoke DC',
      '--faults',
      `@${faults}`,
    ])
    try {
      assert.equal((await fetch(`${r.url}/api/tags`)).status, 418)
      assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const auth = { authorization: `Bearer ${await token(r.url)}` }
      const list = (await (await fetch(`${r.url}/api/search/query`, { headers: auth })).json()) as {
        data: { name: string; hash: string }[]
      }
      const dc = list.data[0]
      assert.ok(dc !== undefined)
      assert.equal(dc.name, 'Smoke DC')
      const page = (await (
        await fetch(`${r.url}/api/indicators/query/hash/${dc.hash}?cursorMark=*&limit=10`, {
          headers: auth,
        })
      ).json()) as { total: number }
      assert.equal(page.total, 25)
    } finally {
      assert.equal(await stop(r), 0)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('serves HTTPS with --tls (the simulator certificate)', async () => {
    const r = await start([
      '--tls',
      '--user',
      'me@example.com',
      '--password',
      'pw',
      '--client-id',
      'cid',
    ])
    const dispatcher = new Agent({ connect: { ca: SIM_TLS_CERT } })
    try {
      assert.match(r.url, /^https:\/\//)
      const res = await fetch(`${r.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'password',
          email: 'me@example.com',
          password: 'pw',
          client_id: 'cid',
        }),
        dispatcher,
      })
      assert.equal(res.status, 200)
    } finally {
      await dispatcher.close()
      assert.equal(await stop(r), 0)
    }
  })

  it('keeps its state in --data-dir across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-sim-bin-'))
    try {
      const first = await start(['--data-dir', dir])
      const auth = {
        authorization: `Bearer ${await token(first.url)}`,
        'content-type': 'application/json',
      }
      const created = await fetch(`${first.url}/api/adversaries`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'Survivor' }),
      })
      assert.equal(created.status, 201)
      assert.equal(await stop(first), 0)
      const second = await start(['--data-dir', dir])
      try {
        const res = await fetch(`${second.url}/api/adversaries?name=Survivor`, {
          headers: { authorization: `Bearer ${await token(second.url)}` },
        })
        assert.equal(((await res.json()) as { total: number }).total, 1)
      } finally {
        await stop(second)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('prints help', () => {
    const res = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' })
    assert.equal(res.status, 0)
    for (const flag of [
      '--seed-indicators',
      '--collection',
      '--faults',
      '--data-dir',
      '--tls',
      '--client-id',
    ]) {
      assert.ok(res.stdout.includes(flag), flag)
    }
  })
})
