import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { BIN, tempDir } from '../../sim/world/processes.js'
import { aedObjects, CREDS, startWorld, type World } from '../../sim/world/world.js'

// `script` (util-linux) gives the connector a real terminal, as a person at a shell has.
const noScript =
  spawnSync('script', ['--version']).status === 0 ? false : '`script` (util-linux) is not installed'

/** The connector's first run in a terminal of its own: what it shows, typing into it, its exit. */
function firstRunInTerminal(dir: string) {
  const child = spawn(
    'script',
    ['-qefc', `${process.execPath} ${BIN.connector} -c ${dir}`, '/dev/null'],
    {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  const terminal = {
    screen: '',
    exited: new Promise<number | null>((resolve) => child.on('exit', resolve)),
    /** Waits (up to 10 s) until `text` is on the screen, then types `keys`. */
    async answer(text: string, keys: string): Promise<void> {
      for (let waited = 0; !terminal.screen.includes(text) && waited < 10_000; waited += 50)
        await sleep(50)
      child.stdin.write(keys)
    },
  }
  child.stdout.on('data', (d: Buffer) => (terminal.screen += d.toString()))
  return terminal
}

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
    const terminal = firstRunInTerminal(dir)
    const prompts = ['ThreatQ Host', 'Client ID', 'Username', 'Password', 'Status']
    const answers = [world.threatq.url, CREDS.clientId, CREDS.user, CREDS.password, '']
    for (const [i, answer] of answers.entries())
      await terminal.answer(prompts[i] ?? '', `${answer}\r`)
    assert.equal(await terminal.exited, 4, terminal.screen)
    const screen = terminal.screen
    assert.match(screen, /Connector configured\. Set information in UI/)
    assert.match(screen, /\*{12}/, 'the password is shown as stars')
    assert.ok(!screen.includes(CREDS.password), 'the password is never echoed')
    const config = await readFile(join(dir, 'netscout-aed.yaml'), 'utf8')
    assert.match(config, /status: Review/)
    assert.match(config, new RegExp(`username: ${CREDS.user.replace('.', '\\.')}`))
  })

  it('exits 130 quietly on Ctrl-C at a prompt, writing no config', async () => {
    const dir = await tempDir('tq-aed-tty-')
    const terminal = firstRunInTerminal(dir)
    await terminal.answer('ThreatQ Host', '\x03')
    assert.equal(await terminal.exited, 130, terminal.screen)
    assert.doesNotMatch(terminal.screen, /cancelled|run failed|tq-conn-netscout-aed:/, 'quietly')
    await assert.rejects(readFile(join(dir, 'netscout-aed.yaml'), 'utf8'), { code: 'ENOENT' })
  })

  it('shows the scan, then delivery to AED up to what AED stored, and a readable log', async () => {
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
      assert.match(screen, /export: scan \[[█░]+\] \d+\/300/)
      // The delivery bar ends at what AED acknowledged: every object it now holds, all sent.
      const stored = (await aedObjects(seeded, '2.0')).length
      const delivered = [...screen.matchAll(/export: AED \[[█░]+\] (\d+)\/(\d+)/g)].at(-1)
      assert.deepEqual(delivered?.slice(1), [String(stored), String(stored)], screen)
      assert.doesNotMatch(screen, /ETA|N\/A|∞/)
      assert.match(screen, /INFO.*export finished/, 'pretty log lines, not JSON')
    } finally {
      await seeded.stop()
    }
  })
})
