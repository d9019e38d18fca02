/**
 * Traps that would quietly stop blocking: each one says what happened, with its exit code
 * (README.md, "Scheduling" and "First run").
 */
import assert from 'node:assert/strict'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import {
  BIN,
  CONNECTOR,
  noTerminal,
  runCli,
  startInTerminal,
  tempDir,
} from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

describe('traps that quietly stop blocking (real CLI, simulators over sockets)', () => {
  let world: World
  before(async () => {
    world = await startWorld()
    await world.configure({ data_collection: 'AED Export' })
  })
  after(async () => {
    await world.stop()
  })

  it('re-running --cron keeps an entry a person enabled, and says so', async () => {
    const cronDir = await tempDir('tq-aed-cron-')
    const file = join(cronDir, 'netscout-aed')
    const first = await world.run(['--cron', '0 */2 * * *'], { TQ_CRON_DIR: cronDir })
    assert.equal(first.code, 0, first.stderr)
    assert.equal(
      first.stdout,
      `Cron entry written to ${file}, commented out: remove the leading "#" to enable it.\n`,
    )
    // The person enables it, as the message says.
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^#0 /m, '0 '))
    const again = await world.run(['--cron', '30 */4 * * *'], { TQ_CRON_DIR: cronDir })
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, `Cron entry rewritten in ${file}, still enabled (as it was).\n`)
    const lines = (await readFile(file, 'utf8')).split('\n')
    assert.ok(
      lines.includes(
        `30 */4 * * * root /bin/bash -c "source /etc/env-vars.sh; ${CONNECTOR.cronProgram} --config=${world.configDir} > /proc/1/fd/1 2>/proc/1/fd/2"`,
      ),
      lines.join('\n'),
    )
    assert.ok(!lines.some((l) => l.startsWith('#30 ') || l.startsWith('#0 ')))
  })

  it('a -c path with a typo, without a terminal: exit 2 naming the path looked at and -c, nothing created', async () => {
    const root = await tempDir('tq-aed-typo-')
    const typo = join(root, 'etc', 'tq_lab')
    const result = await runCli(['-c', `${typo}/`, '-ll', 'stdout'], {})
    assert.equal(result.code, 2, result.stderr)
    assert.equal(
      result.stderr.trim().split('\n').at(-1),
      `tq-conn-netscout-aed: no configuration found: looked for ${typo}/netscout-aed.yaml (-c ${typo}/, a directory that does not exist). Check the -c path; a first run without a terminal needs THREATQ_HOST, THREATQ_CLIENT_ID, THREATQ_USERNAME, THREATQ_PASSWORD (or run once in a terminal to be asked)`,
    )
    assert.deepEqual(await readdir(root), [], 'the mistyped directory is not created')
  })

  it(
    'a -c path with a typo, in a terminal: says where it looked and that it creates it, then asks',
    {
      skip: noTerminal,
    },
    async () => {
      const root = await tempDir('tq-aed-typo-tty-')
      const typo = join(root, 'tq_lab')
      const terminal = startInTerminal(`${process.execPath} ${BIN.connector} -c ${typo}`, {
        PATH: process.env.PATH ?? '',
      })
      const asked = () => terminal.screen().includes('ThreatQ Host')
      for (let waited = 0; !asked() && waited < 10_000; waited += 50) await sleep(50)
      terminal.child.kill()
      await terminal.exited
      const screen = terminal.screen()
      assert.ok(
        screen.includes(
          `no configuration found: looked for ${typo}/netscout-aed.yaml (-c ${typo}, a directory that does not exist). First run: creating ${typo}, then the questions.`,
        ),
        screen,
      )
      assert.match(screen, /ThreatQ Host/)
    },
  )

  it('an empty data collection on a first export: a warning naming it (exit 0)', async () => {
    await world.threatq.admin('POST', '/_sim/searches', {
      name: 'Nothing Yet',
      json: { api_query: { filters: { id: [] } } },
    })
    await world.enable({ data_collection: 'Nothing Yet' })
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stderr)
    const warning = `the data collection "Nothing Yet" is empty: nothing to export to AED (check the saved search in ThreatQ, or data_collection)`
    const logged = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; level: number; data_collection?: string })
      .find((l) => l.msg === warning)
    assert.ok(logged, result.stderr)
    assert.equal(logged.data_collection, 'Nothing Yet')
    assert.ok(result.stdout.includes(warning), result.stdout)
  })
})
