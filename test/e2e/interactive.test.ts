import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { BIN, tempDir } from '../helpers/processes.js'
import { CREDS, startWorld, type World } from '../helpers/world.js'

// `script` (util-linux) gives the connector a real terminal, as a person at a shell has.
const noScript =
  spawnSync('script', ['--version']).status === 0 ? false : '`script` (util-linux) is not installed'

describe('first run in a terminal', { skip: noScript }, () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.stop()
  })

  it('prompts for each answer, masks the password, defaults the status, and exits 4', async () => {
    const dir = await tempDir('tq-aed-tty-')
    const child = spawn(
      'script',
      ['-qefc', `${process.execPath} ${BIN.connector} -c ${dir}`, '/dev/null'],
      {
        env: { PATH: process.env.PATH ?? '', TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const prompts = ['ThreatQ Host', 'Client ID', 'Username', 'Password', 'Status']
    const answers = [world.threatq.url, CREDS.clientId, CREDS.user, CREDS.password, '']
    for (const [i, answer] of answers.entries()) {
      for (let waited = 0; !screen.includes(prompts[i] ?? '') && waited < 10_000; waited += 50)
        await sleep(50)
      child.stdin.write(`${answer}\r`)
    }
    assert.equal(await exited, 4, screen)
    assert.match(screen, /Connector configured\. Set information in UI/)
    assert.match(screen, /\*{12}/, 'the password is shown as stars')
    assert.ok(!screen.includes(CREDS.password), 'the password is never echoed')
    const config = await readFile(join(dir, 'netscout-aed.yaml'), 'utf8')
    assert.match(config, /status: Review/)
    assert.match(config, new RegExp(`username: ${CREDS.user.replace('.', '\\.')}`))
  })

  it('exits 130 quietly on Ctrl-C at a prompt, writing no config', async () => {
    const dir = await tempDir('tq-aed-tty-')
    const child = spawn(
      'script',
      ['-qefc', `${process.execPath} ${BIN.connector} -c ${dir}`, '/dev/null'],
      {
        env: { PATH: process.env.PATH ?? '', TERM: 'xterm' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    for (let waited = 0; !screen.includes('ThreatQ Host') && waited < 10_000; waited += 50)
      await sleep(50)
    child.stdin.write('\x03')
    assert.equal(await exited, 130, screen)
    assert.doesNotMatch(screen, /cancelled|run failed|tq-conn-netscout-aed:/, 'quietly')
    await assert.rejects(readFile(join(dir, 'netscout-aed.yaml'), 'utf8'), { code: 'ENOENT' })
  })

  it('shows a progress bar and a readable log in a terminal', async () => {
    const seeded = await startWorld({ seed: 300 })
    try {
      await seeded.configure()
      const child = spawn(
        'script',
        [
          '-qefc',
          `${process.execPath} ${BIN.connector} -c ${seeded.configDir} -e -v2`,
          '/dev/null',
        ],
        {
          env: { PATH: process.env.PATH ?? '', TERM: 'xterm' },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      )
      let screen = ''
      child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
      assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, screen)
      assert.match(screen, /export \[[█░]+\] \d+\/300/)
      assert.match(screen, /INFO.*export finished/, 'pretty log lines, not JSON')
    } finally {
      await seeded.stop()
    }
  })
})
