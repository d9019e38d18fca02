import assert from 'node:assert/strict'
import { readFile, stat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CONNECTOR, runCli, tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { CREDS, recordName, startWorld, type World } from '../../sim/world/world.js'

describe('first run and configuration (real CLI, simulators over sockets)', () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.stop()
  })

  it('without a terminal, names every missing THREATQ_* variable and writes nothing (exit 2); the status defaults to Review', async () => {
    const dir = await tempDir('tq-aed-first-')
    const result = await runCli(['-c', dir, '--non-interactive'], {
      THREATQ_HOST: world.threatq.url,
      THREATQ_USERNAME: 'x@y.z',
    })
    assert.equal(result.code, 2)
    assert.match(result.stderr, /needs THREATQ_CLIENT_ID, THREATQ_PASSWORD \(/)
    assert.doesNotMatch(result.stderr, /THREATQ_HOST|THREATQ_USERNAME|at .*\.js:\d+/)
    assert.deepEqual(await readdir(dir), [])
  })

  it('registers the connector, writes 0600 files and asks for the UI (exit 4)', async () => {
    const result = await world.run(['--non-interactive'], world.env)
    assert.equal(result.code, 4, result.stderr)
    assert.match(result.stdout, /Connector configured\. Set information in UI/)
    for (const file of ['netscout-aed.yaml', 'netscout-aed.state.json'])
      assert.equal((await stat(join(world.configDir, file))).mode & 0o777, 0o600, file)
    const config = await readFile(join(world.configDir, 'netscout-aed.yaml'), 'utf8')
    assert.match(config, /format_version: 1/)
    assert.match(config, /client_id: client-id-123/)
    const api = await threatqApi(world.threatq)
    const list = await api<{
      data: { name: string; is_active: boolean; custom_fields: Record<string, string> }[]
    }>('GET', '/api/connectors')
    const record = list.data.find((c) => c.name === recordName())
    assert.ok(record)
    assert.equal(record.is_active, false)
    assert.ok('data_collection' in record.custom_fields, 'the UI options are registered')
  })

  it('says the connector is off in ThreatQ (exit 4), then names the options still missing (exit 4)', async () => {
    const off = await world.run()
    assert.equal(off.code, 4)
    assert.match(off.stdout, /not enabled in ThreatQ/)
    await world.threatq.admin('POST', '/_sim/connector', {
      name: recordName(),
      active: true,
      options: { hostname: world.aed.url },
    })
    const unconfigured = await world.run()
    assert.equal(unconfigured.code, 4)
    assert.match(unconfigured.stdout, /API Token \(api_token\)/)
    assert.match(unconfigured.stdout, /ThreatQ Data Collection \(data_collection\)/)
  })

  it('refuses a bad option with its label and the exit code 2', async () => {
    await world.threatq.admin('POST', '/_sim/connector', {
      name: recordName(),
      active: true,
      options: { relationship_depth: '4' },
    })
    const result = await world.run()
    assert.equal(result.code, 2)
    assert.match(result.stderr, /Relationship Depth/)
  })

  it('writes the commented-out cron line for ThreatQ v6, and refuses a schedule crontab would misread', async () => {
    const cronDir = await tempDir('tq-aed-cron-')
    const ok = await world.run(['--cron', '0 */2 * * *'], { TQ_CRON_DIR: cronDir })
    assert.equal(ok.code, 0, ok.stderr)
    const line = (await readFile(join(cronDir, 'netscout-aed'), 'utf8'))
      .split('\n')
      .find((l) => l.startsWith('#0 '))
    assert.ok(line)
    // The line runs the command that wrote it: the same node and bundle, or the same executable.
    assert.equal(
      line,
      `#0 */2 * * * root /bin/bash -c "source /etc/env-vars.sh; ${CONNECTOR.cronProgram} --config=${world.configDir} > /proc/1/fd/1 2>/proc/1/fd/2"`,
    )
    const bad = await world.run(['--cron', '0 */2 * *'], { TQ_CRON_DIR: cronDir })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /exactly 5/)
  })

  it('refuses hostile instance names before touching any file (exit 2)', async () => {
    for (const name of ['../x', 'a b', 'new\nline', "q'uote"]) {
      const result = await world.run(['-n', name, '--non-interactive'], world.env)
      assert.equal(result.code, 2, name)
      assert.match(result.stderr, /invalid instance name/)
    }
    assert.deepEqual((await readdir(world.configDir)).sort(), [
      'netscout-aed.runs.json',
      'netscout-aed.state.json',
      'netscout-aed.yaml',
    ])
  })

  it('never prints a secret', async () => {
    const result = await world.run(['-v', '3'])
    for (const secret of [CREDS.password, CREDS.aedToken, CREDS.taxiiPassword])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret))
  })
})
