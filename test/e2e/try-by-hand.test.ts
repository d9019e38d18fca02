/**
 * README "Try it by hand", run as written: the section's fenced commands in order, from the clone,
 * with only what the README says may change (its ports 8101 and 8102 and its config directory
 * /tmp/try-aed) replaced by free ports and a temp dir. The first run answers the README's table
 * at real prompts (`script` gives it a terminal, as in interactive.test.ts).
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import {
  noTerminal,
  runShell,
  startInTerminal,
  tempDir,
  type CliResult,
} from '../../sim/world/processes.js'

const noCurl = spawnSync('curl', ['--version']).status === 0 ? false : '`curl` is not installed'

const SECTION =
  /## Try it by hand\n([\s\S]*?)\n## /.exec(readFileSync('README.md', 'utf8'))?.[1] ?? ''
/** The fenced shell blocks, one list of command lines each. */
const BLOCKS = [...SECTION.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
  (m[1] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
)
/** The first-run prompts and what to type, from the section's table ("(Enter …)": nothing). */
const ANSWERS = [...SECTION.matchAll(/^\s*\| ([^|`]+?) +\| (`[^`]*`|\(Enter[^)]*\)) +\|$/gm)].map(
  (m) => ({
    prompt: m[1] ?? '',
    typed: (m[2] ?? '').startsWith('`') ? (m[2] ?? '').slice(1, -1) : '',
  }),
)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

const ENV = {
  // `node` as the README's commands call it: the one running the tests.
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  TZ: process.env.TZ ?? 'UTC',
  TERM: 'xterm',
}

const sh = (line: string) => runShell(line, { env: ENV })

describe('README "Try it by hand", as written', { skip: noTerminal || noCurl }, () => {
  const sims: ChildProcess[] = []
  after(() => {
    for (const sim of sims) sim.kill()
  })

  it('runs the simulators, the first run at its prompts, the UI step, export, traffic and import', async () => {
    assert.equal(BLOCKS.length, 6, 'simulators, first run, UI, export, traffic, import')
    assert.deepEqual(
      ANSWERS.map((a) => a.prompt),
      [
        'ThreatQ Host',
        'ThreatQ Client ID',
        'ThreatQ Username (e-mail)',
        'ThreatQ Password',
        'Status of created objects',
      ],
    )
    const [threatqPort, aedPort, dir] = [
      await freePort(),
      await freePort(),
      await tempDir('tq-try-'),
    ]
    const as = (line: string): string =>
      line
        .replaceAll('8101', String(threatqPort))
        .replaceAll('8102', String(aedPort))
        .replaceAll('/tmp/try-aed', `${dir}/try-aed`)
    const [simLines = [], firstRun = [], ui = [], exported = [], traffic = [], imported = []] =
      BLOCKS.map((b) => b.map(as))

    // 1. The simulators, each until it says it is ready.
    for (const line of simLines) {
      const child = spawn('/bin/sh', ['-c', `exec ${line}`], {
        env: ENV,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      sims.push(child)
      const ready = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => {
          resolve(d.toString())
        })
        child.once('exit', (code) => {
          reject(new Error(`${line} exited ${String(code)}`))
        })
      })
      assert.match(ready, /^\{"ready":true,"url":"http:\/\/127\.0\.0\.1:\d+"\}/)
    }

    // 2. The first run in a terminal, answering the README's table.
    assert.equal(firstRun.length, 1)
    const terminal = startInTerminal(firstRun[0] ?? '', ENV)
    let seen = 0
    for (const { prompt, typed } of ANSWERS) {
      const label = prompt.replace('ThreatQ Username (e-mail)', 'Username').replace('ThreatQ ', '')
      const shown = () => terminal.screen().indexOf(label, seen)
      for (let waited = 0; shown() === -1 && waited < 20_000; waited += 50) await sleep(50)
      seen = shown() + label.length
      terminal.child.stdin?.write(`${as(typed)}\r`)
    }
    assert.equal(await terminal.exited, 4, terminal.screen())
    assert.match(terminal.screen(), /Set information in UI/)

    // 3. The UI step, 4. export, 5. traffic, 6. import and ThreatQ's state.
    const ran: CliResult[] = []
    for (const line of [...ui, ...exported, ...traffic, ...imported]) {
      const result = await sh(line)
      assert.equal(result.code, 0, `${line}\n${result.stdout}${result.stderr}`)
      ran.push(result)
    }
    const [set, exportRun, alerts, importRun, state] = ran.map((r) => r.stdout)
    assert.equal((JSON.parse(set ?? '') as { data: { is_active: boolean } }).data.is_active, true)
    assert.match(exportRun ?? '', /^ {2}sent: .*\bindicator 48\b/m)
    assert.equal((JSON.parse(alerts ?? '') as { alerts: unknown[] }).alerts.length, 2)
    assert.match(importRun ?? '', /^ {2}sent: +event 2, /m)
    assert.match(state ?? '', /"events":2,/)
  })
})
