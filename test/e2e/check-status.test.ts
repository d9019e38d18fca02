/**
 * `--check` and `--status` (README.md, "Is it working? Is it running? What does AED hold?"), the
 * real CLI against both simulator processes: --check passes on a working set-up, names the fix of a
 * wrong AED token, a wrong TAXII password, an AED collection that does not exist and an unreachable
 * ThreatQ (exit 2 each), and changes nothing anywhere; --status reports, from local files alone,
 * the last run and success, what AED holds and who holds the lock.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { copyFile, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { addAifRule } from '../helpers/blocked.js'
import { BIN, startSim, tempDir } from '../../sim/world/processes.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { recordName, simState, startWorld, type World } from '../../sim/world/world.js'

const FEED = 'Check Feed'
const COLLECTION = 'Check Test'
const OPTIONS = { data_collection: COLLECTION, delivery: 'both' }
/** The options of these tests back to OPTIONS (the simulator keeps options not given). */
const RESET = {
  ...OPTIONS,
  metrics_dir: '',
  alert_source: 'aed',
  syslog_file: '',
  edm_host: '',
  edm_api_token: '',
  edm_aed_name: '',
}
const EDM_TOKEN = 'edmchecktokenedmchecktokenedmchecktoken1'

type Api = Awaited<ReturnType<typeof threatqApi>>

interface Row {
  result: string
  detail: string
  fix: string | undefined
}

/** The --check table's rows by check name (columns are two-space separated). */
function rows(stdout: string): Map<string, Row> {
  const lines = stdout.split('\n')
  const out = new Map<string, Row>()
  const header = lines.findIndex((l) => l.startsWith('CHECK '))
  const resultAt = lines[header]?.indexOf('RESULT') ?? -1
  const detailAt = lines[header]?.indexOf('DETAIL') ?? -1
  let last: Row | undefined
  for (const line of lines.slice(header + 1)) {
    const fix = /^ {4}fix: (.*)$/.exec(line)
    if (fix !== null && last !== undefined) last.fix = fix[1]
    else if (line.length > detailAt && line[resultAt - 1] === ' ' && !line.startsWith(' ')) {
      last = {
        result: line.slice(resultAt, detailAt).trim(),
        detail: line.slice(detailAt),
        fix: undefined,
      }
      out.set(line.slice(0, resultAt).trim(), last)
    }
  }
  return out
}

/** One row of the --check table; a missing row fails the test. */
function row(stdout: string, check: string): Row {
  const found = rows(stdout).get(check)
  assert.ok(found, `no row "${check}" in:\n${stdout}`)
  return found
}

/** One instance of a --status report; a missing one fails the test. */
function instance(status: Status, name: string): Status['instances'][number] {
  const found = status.instances.find((i) => i.instance === name)
  assert.ok(found, `no instance ${name} in ${JSON.stringify(status)}`)
  return found
}

/** Every file of the config directory with its size and modification time. */
async function files(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).sort()
  return Promise.all(
    names.map(async (n) => {
      const s = await stat(join(dir, n))
      return `${n} ${String(s.size)} ${String(s.mtimeMs)}`
    }),
  )
}

interface Status {
  instances: {
    instance: string
    configured: boolean
    last_run: { exit_code: number; outcome: string; started_at: string; ended_at: string } | null
    last_success: { exit_code: number; ended_at: string; age_seconds: number } | null
    aed: {
      taxii: { objects: Record<string, number>; relationships: number } | null
      lists: Record<string, { own: number; foreign: number }> | null
    }
    pending_journal_entries: number
    lock: { pid: number | null; alive: boolean } | null
    problems: string[]
  }[]
}

describe('--check and --status', { concurrency: 1 }, () => {
  let world: World
  let api: Api
  const connectors = () =>
    api<{ data: unknown[] }>(
      'GET',
      `/api/connectors?name=${encodeURIComponent(recordName('ghost'))}`,
    ).then((r) => r.data)
  const record = () =>
    api<{ data: unknown[] }>(
      'GET',
      `/api/connectors?name=${encodeURIComponent(recordName())}`,
    ).then((r) => JSON.stringify(r.data))

  before(async () => {
    world = await startWorld()
    api = await threatqApi(world.threatq)
    await api('POST', '/api/indicators/consume', [
      {
        value: '198.51.100.77',
        type: { name: 'IP Address' },
        status: { name: 'Active' },
        sources: [{ name: FEED }],
      },
      {
        value: 'check.example',
        type: { name: 'FQDN' },
        status: { name: 'Active' },
        sources: [{ name: FEED }],
      },
    ])
    await saveFeedCollection(api, COLLECTION, FEED, ['Active'])
    await world.configure(OPTIONS)
  })
  after(async () => {
    await world.stop()
  })

  it('--check: every row ok, exit 0, and nothing written to AED, ThreatQ or the config directory', async () => {
    const filesBefore = await files(world.configDir)
    const aedBefore = (await simState(world.aed)).objects
    const recordBefore = await record()
    const result = await world.run(['--check'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const table = rows(result.stdout)
    for (const check of [
      'config file',
      'ThreatQ login',
      'ThreatQ connector record',
      'connector options',
      'ThreatQ data collection',
      'AED REST token and API version',
      'AED lists',
      'TAXII discovery',
      'AED collection',
      'AED collection can_write',
    ])
      assert.equal(table.get(check)?.result, 'ok', `${check}:\n${result.stdout}`)
    assert.equal([...table.values()].filter((r) => r.result !== 'ok').length, 0)
    assert.match(table.get('ThreatQ data collection')?.detail ?? '', /"Check Test": 2 indicators/)
    assert.match(table.get('AED REST token and API version')?.detail ?? '', /API v3/)
    assert.deepEqual(await files(world.configDir), filesBefore, 'no file created or changed')
    assert.deepEqual((await simState(world.aed)).objects, aedBefore, 'AED unchanged')
    assert.equal(await record(), recordBefore, 'connector record unchanged')
  })

  it('--check: a wrong AED token is exit 2 naming api_token', async () => {
    await world.enable({ ...OPTIONS, api_token: 'wrong-token' })
    const result = await world.run(['--check'])
    assert.equal(result.code, 2, result.stdout)
    const failed = row(result.stdout, 'AED REST token and API version')
    assert.equal(failed.result, 'FAIL', result.stdout)
    assert.match(failed.detail, /HTTP 401/)
    assert.match(failed.fix ?? '', /credentials: check "API Token" \(api_token\) in the ThreatQ UI/)
    assert.equal(row(result.stdout, 'AED lists').result, 'skipped')
    assert.doesNotMatch(result.stdout + result.stderr, /wrong-token/, 'the token is not echoed')
  })

  it('--check: a wrong TAXII password is exit 2 naming the STIX client settings', async () => {
    await world.enable({ ...OPTIONS, stix_client_password: 'not-the-password' })
    const result = await world.run(['--check', '-e'])
    assert.equal(result.code, 2, result.stdout)
    assert.equal(row(result.stdout, 'TAXII discovery').result, 'FAIL', result.stdout)
    assert.match(
      row(result.stdout, 'TAXII discovery').fix ?? '',
      /stix_client_username.*stix_client_password/,
    )
    assert.equal(row(result.stdout, 'AED collection').result, 'skipped')
  })

  it('--check: an AED collection title that does not exist is exit 2 naming aed_collection and what AED offers', async () => {
    await world.enable({ ...OPTIONS, aed_collection: 'No Such Collection' })
    const result = await world.run(['--check', '-e'])
    assert.equal(result.code, 2, result.stdout)
    const failed = row(result.stdout, 'AED collection')
    assert.equal(failed.result, 'FAIL', result.stdout)
    assert.match(failed.detail, /"No Such Collection" not found.*"ThreatQ"/)
    assert.match(failed.fix ?? '', /set "AED STIX Collection Name" \(aed_collection\)/)
    assert.equal(row(result.stdout, 'TAXII discovery').result, 'ok')
  })

  it('--check: an unreachable ThreatQ is one failing row naming THREATQ_HOST, exit 2', async () => {
    await world.enable(OPTIONS)
    const result = await world.run(['--check'], { THREATQ_HOST: 'http://127.0.0.1:1' })
    assert.equal(result.code, 2, result.stdout)
    assert.equal(row(result.stdout, 'ThreatQ login').result, 'FAIL', result.stdout)
    assert.match(row(result.stdout, 'ThreatQ login').fix ?? '', /environment variable THREATQ_HOST/)
    assert.equal(row(result.stdout, 'ThreatQ connector record').result, 'skipped')
    assert.equal(result.stderr.split('\n').filter((l) => /ECONNREFUSED/.test(l)).length, 0)
  })

  it('--check: a connector record that does not exist fails its row and is not created', async () => {
    await copyFile(join(world.configDir, 'netscout-aed.yaml'), join(world.configDir, 'ghost.yaml'))
    const result = await world.run(['--check', '-n', 'ghost'])
    assert.equal(result.code, 2, result.stdout)
    const failed = row(result.stdout, 'ThreatQ connector record')
    assert.equal(failed.result, 'FAIL', result.stdout)
    assert.match(failed.fix ?? '', /run the connector once without --check/)
    assert.deepEqual(await connectors(), [], 'no connector record created')
  })

  it('--status after a successful export: last run, last success, what AED holds (JSON on a pipe)', async () => {
    const run = await world.run(['-e'])
    assert.equal(run.code, 0, run.stderr)
    const result = await world.run(['--status'])
    assert.equal(result.code, 0, result.stderr)
    const status = JSON.parse(result.stdout) as Status
    assert.deepEqual(
      status.instances.map((i) => i.instance),
      ['ghost', 'netscout-aed'],
    )
    const s = instance(status, 'netscout-aed')
    assert.equal(s.configured, true)
    assert.deepEqual(
      { code: s.last_run?.exit_code, outcome: s.last_run?.outcome },
      { code: 0, outcome: 'ok' },
    )
    assert.equal(s.last_success?.ended_at, s.last_run?.ended_at)
    assert.ok((s.last_success?.age_seconds ?? -1) >= 0)
    assert.equal(s.aed.taxii?.objects.indicator, 2, JSON.stringify(s.aed))
    const listed = Object.values(s.aed.lists ?? {}).reduce((n, c) => n + c.own, 0)
    assert.equal(listed, 2, JSON.stringify(s.aed))
    assert.equal(s.pending_journal_entries, 0)
    assert.equal(s.lock, null)
    assert.deepEqual(s.problems, [])
    assert.equal(instance(status, 'ghost').last_run, null, 'ghost never ran')
  })

  it('--status after a failed run: its exit code and outcome; the last success stays', async () => {
    const earlier = JSON.parse((await world.run(['--status'])).stdout) as Status
    await world.enable({ ...OPTIONS, aed_collection: 'No Such Collection' })
    const run = await world.run(['-e'])
    assert.notEqual(run.code, 0)
    const output = join(await tempDir('tq-aed-status-'), 'status.json')
    const result = await world.run(['--status', '--output', output])
    assert.equal(result.code, 0, result.stderr)
    const s = instance(JSON.parse(await readFile(output, 'utf8')) as Status, 'netscout-aed')
    assert.match(
      `${String(s.last_run?.exit_code)} ${s.last_run?.outcome ?? ''}`,
      new RegExp(`^${String(run.code)} .*No Such Collection`),
    )
    assert.equal(s.last_success?.ended_at, instance(earlier, 'netscout-aed').last_success?.ended_at)
    await world.enable(OPTIONS)
  })

  it('--status names the lock holder: a live pid, then a stale one', async () => {
    const lock = join(world.configDir, 'netscout-aed.lock')
    await writeFile(lock, `${String(process.pid)}\n`, { mode: 0o600 })
    const status = async () =>
      instance(JSON.parse((await world.run(['--status'])).stdout) as Status, 'netscout-aed')
    assert.deepEqual((await status()).lock, { pid: process.pid, alive: true })
    const gone = spawn(process.execPath, ['-e', ''])
    await new Promise((resolve) => gone.once('exit', resolve))
    await writeFile(lock, `${String(gone.pid)}\n`, { mode: 0o600 })
    assert.deepEqual((await status()).lock, { pid: gone.pid, alive: false })
  })

  it('--check: metrics_dir writable (nothing left there), then one that does not exist: exit 2 naming metrics_dir', async () => {
    const metrics = await tempDir('tq-aed-check-metrics-')
    try {
      await world.enable({ ...OPTIONS, metrics_dir: metrics })
      const ok = await world.run(['--check'])
      assert.equal(ok.code, 0, ok.stdout + ok.stderr)
      assert.deepEqual(row(ok.stdout, 'metrics_dir'), {
        result: 'ok',
        detail: `${metrics}: writable`,
        fix: undefined,
      })
      assert.deepEqual(await readdir(metrics), [], 'the probe file is removed')
      const missing = join(metrics, 'no-such-dir')
      await world.enable({ ...OPTIONS, metrics_dir: missing })
      const failed = await world.run(['--check'])
      assert.equal(failed.code, 2, failed.stdout)
      const metricsRow = row(failed.stdout, 'metrics_dir')
      assert.equal(metricsRow.result, 'FAIL')
      assert.equal(metricsRow.detail, `metrics_dir ${missing}: ENOENT`)
      assert.match(metricsRow.fix ?? '', /^set metrics_dir in the ThreatQ UI connector options/)
    } finally {
      await world.enable(RESET)
    }
  })

  it('--check -i with alert_source syslog: syslog_file readable; a symbolic link is exit 2 naming syslog_file', async () => {
    const dir = await tempDir('tq-aed-check-syslog-')
    const file = join(dir, 'aed.log')
    await writeFile(file, 'a line\n')
    try {
      await world.enable({ ...OPTIONS, alert_source: 'syslog', syslog_file: file })
      const ok = await world.run(['--check', '-i'])
      assert.equal(ok.code, 0, ok.stdout + ok.stderr)
      assert.equal(row(ok.stdout, 'syslog_file').detail, `${file}: readable, 7 bytes`)
      assert.equal(rows(ok.stdout).has('AED REST token and API version'), false, 'no REST probe')
      const link = join(dir, 'link.log')
      await symlink(file, link)
      await world.enable({ ...OPTIONS, alert_source: 'syslog', syslog_file: link })
      const failed = await world.run(['--check', '-i'])
      assert.equal(failed.code, 2, failed.stdout)
      const syslogRow = row(failed.stdout, 'syslog_file')
      assert.equal(syslogRow.result, 'FAIL')
      assert.equal(
        syslogRow.detail,
        `syslog_file ${link} is a symbolic link (give the file itself)`,
      )
      assert.match(syslogRow.fix ?? '', /^set syslog_file in the ThreatQ UI connector options/)
    } finally {
      await world.enable(RESET)
    }
  })

  it('--check -i with alert_source edm: host, token and edm_aed_name against edm-sim; each wrong one is exit 2 naming it', async () => {
    const edm = await startSim(BIN.edm, ['--aed', world.aed.url, '--token', EDM_TOKEN])
    const edmOptions = {
      ...OPTIONS,
      alert_source: 'edm',
      edm_host: edm.url,
      edm_api_token: EDM_TOKEN,
      edm_aed_name: 'aed-sim',
    }
    try {
      // One blocked connection: EDM then has an alert from the AED named aed-sim.
      await addAifRule(world)
      await world.aed.admin('POST', '/_sim/traffic', {
        flows: [{ src: '203.0.113.9', dst: '10.0.0.1', dstPort: 22, proto: 'tcp' }],
      })
      await world.enable(edmOptions)
      const ok = await world.run(['--check', '-i'])
      assert.equal(ok.code, 0, ok.stdout + ok.stderr)
      assert.match(row(ok.stdout, 'EDM host and token').detail, /token accepted; 1 alerts/)
      assert.equal(row(ok.stdout, 'edm_aed_name').result, 'ok')

      await world.enable({ ...edmOptions, edm_aed_name: 'edge-9' })
      const unknown = await world.run(['--check', '-i'])
      assert.equal(unknown.code, 2, unknown.stdout)
      const named = row(unknown.stdout, 'edm_aed_name')
      assert.equal(named.result, 'FAIL')
      assert.match(named.detail, /no alert from an AED named "edge-9".*come from: "aed-sim"$/)
      assert.match(named.fix ?? '', /^set edm_aed_name in the ThreatQ UI connector options/)

      await world.enable({ ...edmOptions, edm_api_token: 'not-the-edm-token' })
      const refused = await world.run(['--check', '-i'])
      assert.equal(refused.code, 2, refused.stdout)
      const login = row(refused.stdout, 'EDM host and token')
      assert.equal(login.result, 'FAIL')
      assert.match(login.fix ?? '', /credentials: check edm_api_token in the ThreatQ UI/)
      assert.equal(row(refused.stdout, 'edm_aed_name').result, 'skipped')
      assert.doesNotMatch(refused.stdout + refused.stderr, /not-the-edm-token/)

      await world.enable({ ...edmOptions, edm_host: 'http://127.0.0.1:1' })
      const down = await world.run(['--check', '-i'])
      assert.equal(down.code, 2, down.stdout)
      assert.match(
        row(down.stdout, 'EDM host and token').fix ?? '',
        /check edm_host in the ThreatQ UI/,
      )
    } finally {
      await edm.stop()
      await world.enable(RESET)
    }
  })
})
