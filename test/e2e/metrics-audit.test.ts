/**
 * Metrics and the audit trail (README.md, "Metrics" and "Audit trail"), the real CLI against both
 * simulator processes: every run writes `<metrics_dir>/<name>.prom` (0644) that `promtool check
 * metrics` accepts, with the run's figures, a failing run too; every block, unblock and refusal AED
 * acknowledged is a line of `<name>.audit.jsonl` (0600), over TAXII and over REST; a dry run writes
 * neither; and the README's one-line questions of the audit trail answer correctly.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../sim/world/processes.js'
import { metricsOf, promtool, promtoolSkip } from '../helpers/promtool.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { simState, startWorld, type World } from '../../sim/world/world.js'

const FEED = 'Audit Feed'
const COLLECTION = 'Audit Test'
const KEPT = '198.51.100.10'
const LEAVING = '198.51.100.11'
const PROTECTED = '198.51.100.12'
const DOMAIN = 'audit.example'

interface AuditRecord {
  time: string
  run: string
  action: string
  value?: string
  type?: string
  threatq_id?: number
  stix_id?: string
  list?: string
  reason: string
  count?: number
}

type Api = Awaited<ReturnType<typeof threatqApi>>

/** The README's shell command that answers `question` (a line of a ```sh block after it). */
async function readmeCommand(question: string): Promise<string> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
  const at = readme.indexOf(question)
  assert.ok(at >= 0, `README has no "${question}"`)
  const block = /```sh\n([^\n]+)\n```/.exec(readme.slice(at))
  assert.ok(block?.[1], `no command after "${question}"`)
  return block[1].replace(/^\$ /, '')
}

/** Runs a README command against this config directory and value, as a person would in bash. */
function shell(command: string, configDir: string, value: string, example: string): string {
  const line = command.replaceAll('/etc/tq_labs', configDir).replaceAll(example, value)
  const result = spawnSync('bash', ['-c', line], { encoding: 'utf8' })
  assert.equal(result.status, 0, `${line}\n${result.stderr}`)
  return result.stdout
}

describe('metrics and the audit trail', { concurrency: 1 }, () => {
  let world: World
  let api: Api
  let metricsDir: string
  const audit = () => join(world.configDir, 'netscout-aed.audit.jsonl')
  const prom = () => join(metricsDir, 'netscout-aed.prom')
  const records = async (): Promise<AuditRecord[]> =>
    (await readFile(audit(), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditRecord)
  const ids = new Map<string, number>()
  let options: Record<string, string>

  before(async () => {
    world = await startWorld()
    api = await threatqApi(world.threatq)
    metricsDir = await tempDir('tq-aed-metrics-')
    const consumed = await api<{ data: { id: number; value: string }[] }>(
      'POST',
      '/api/indicators/consume',
      [
        [KEPT, 'IP Address'],
        [LEAVING, 'IP Address'],
        [PROTECTED, 'IP Address'],
        [DOMAIN, 'FQDN'],
      ].map(([value, type]) => ({
        value,
        type: { name: type },
        status: { name: 'Active' },
        sources: [{ name: FEED }],
      })),
    )
    for (const { id, value } of consumed.data) ids.set(value, id)
    await saveFeedCollection(api, COLLECTION, FEED, ['Active'])
    options = {
      data_collection: COLLECTION,
      delivery: 'both',
      never_block: PROTECTED,
      metrics_dir: metricsDir,
      relationship_depth: '0',
    }
    await world.configure(options)
  })
  after(async () => {
    await world.stop()
  })

  it('an export: each block AED acknowledged over TAXII and REST, and the never_block refusal, on record (0600)', async () => {
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal((await stat(audit())).mode & 0o777, 0o600)
    const all = await records()
    assert.equal(new Set(all.map((r) => r.run)).size, 1, 'one run id')
    assert.ok(all.every((r) => !Number.isNaN(Date.parse(r.time)) && r.time.endsWith('Z')))
    const taxii = all.filter((r) => r.action === 'block' && r.stix_id !== undefined)
    assert.deepEqual(taxii.map((r) => r.value).sort(), [KEPT, LEAVING, DOMAIN].sort())
    const kept = taxii.find((r) => r.value === KEPT)
    assert.ok(kept)
    assert.equal(kept.threatq_id, ids.get(KEPT))
    assert.equal(kept.type, 'IP Address')
    assert.equal(kept.reason, 'joined the data collection')
    assert.match(kept.stix_id ?? '', /^indicator--/)
    const rest = all.filter((r) => r.action === 'block' && r.list !== undefined)
    assert.deepEqual(
      rest.map((r) => `${r.value ?? ''} ${r.list ?? ''}`).sort(),
      [
        `${DOMAIN} inbound-denied-domains`,
        `${KEPT} outbound-denied-hosts`,
        `${LEAVING} outbound-denied-hosts`,
      ].sort(),
    )
    const refused = all.filter((r) => r.action === 'refuse')
    // Both deliveries judged it: one refusal each.
    assert.equal(refused.length, 2, JSON.stringify(refused))
    for (const r of refused) {
      assert.equal(r.value, PROTECTED)
      assert.equal(r.threatq_id, ids.get(PROTECTED))
      assert.equal(r.reason, `in never_block (${PROTECTED})`)
    }
  })

  it(
    'the metrics of that export: promtool accepts the file (0644) and it holds the run',
    { skip: promtoolSkip },
    async () => {
      const text = await readFile(prom(), 'utf8')
      const check = promtool(['check', 'metrics'], text)
      assert.equal(check.code, 0, check.output)
      assert.equal((await stat(prom())).mode & 0o777, 0o644)
      const at = metricsOf(text, 'netscout-aed')
      assert.equal(at('last_run_exit_code'), 0, text)
      assert.equal(at('last_run_success'), 1)
      assert.equal(at('last_success_timestamp_seconds'), at('last_run_timestamp_seconds'))
      assert.ok((at('last_run_duration_seconds') ?? -1) >= 0)
      assert.equal(at('last_run_objects_sent', 'type="indicator"'), 3)
      assert.equal(at('last_run_objects_refused', 'delivery="taxii"'), 1)
      assert.equal(at('last_run_objects_refused', 'delivery="rest"'), 1)
      assert.equal(at('last_run_list_entries_added', 'list="outbound-denied-hosts"'), 2)
      assert.equal(at('last_run_list_entries_added', 'list="inbound-denied-domains"'), 1)
      assert.equal(at('aed_objects', 'type="indicator"'), 3)
      assert.equal(at('aed_list_entries', 'list="outbound-denied-hosts",owner="own"'), 2)
      assert.equal(at('last_run_alerts_read'), 0)
    },
  )

  it('a run the mass guard stops is one refusal on record; once allowed, the unblocks over TAXII and REST say why', async () => {
    const before = (await records()).length
    await api('PUT', `/api/indicators/${String(ids.get(LEAVING))}`, { status_id: 4 })
    const stopped = await world.run(['-e'])
    assert.equal(stopped.code, 3, stopped.stdout + stopped.stderr)
    const stoppedRun = (await records()).slice(before)
    // The never_block refusal again (every run that meets it), then the guard's one line.
    assert.deepEqual(
      stoppedRun.map((r) => r.value ?? r.action),
      [PROTECTED, 'refuse'],
      JSON.stringify(stoppedRun),
    )
    const guard = stoppedRun.find((r) => r.value === undefined)
    assert.ok(guard)
    assert.equal(guard.action, 'refuse')
    assert.equal(guard.count, 1)
    assert.match(guard.reason, /^mass guard: would revoke 1 of 3 .*left the data collection/)
    const afterGuard = before + stoppedRun.length
    options = { ...options, max_revoke_percent: '50' }
    await world.enable(options)
    const result = await world.run(['-e'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const fresh = (await records()).slice(afterGuard)
    const unblocks = fresh.filter((r) => r.action === 'unblock')
    assert.deepEqual(
      unblocks.map((r) => [r.value, r.threatq_id, r.reason, r.list ?? 'taxii']).sort(),
      [
        [LEAVING, ids.get(LEAVING), 'left the data collection or deleted', 'outbound-denied-hosts'],
        [LEAVING, ids.get(LEAVING), 'left the data collection or deleted', 'taxii'],
      ],
    )
    assert.match(unblocks.find((r) => r.list === undefined)?.stix_id ?? '', /^indicator--/)
    assert.equal(fresh.filter((r) => r.action === 'block').length, 0, 'nothing new blocked')
  })

  it("the README's commands: why is a value blocked and since when; why was one unblocked", async () => {
    const all = await records()
    const blocked = shell(
      await readmeCommand('Why is a value blocked, and since when?'),
      world.configDir,
      KEPT,
      '203.0.113.7',
    )
    const since = JSON.parse(blocked) as AuditRecord
    assert.equal(since.action, 'block', blocked)
    assert.equal(since.reason, 'joined the data collection')
    assert.equal(since.time, all.find((r) => r.value === KEPT && r.action === 'block')?.time)
    // Not blocked now: nothing.
    const leaving = shell(
      await readmeCommand('Why is a value blocked, and since when?'),
      world.configDir,
      LEAVING,
      '203.0.113.7',
    )
    assert.equal(leaving, '')
    const unblocked = shell(
      await readmeCommand('Why was a value unblocked?'),
      world.configDir,
      LEAVING,
      '203.0.113.7',
    )
    const lines = unblocked
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord)
    assert.equal(lines.length, 2, unblocked)
    assert.ok(
      lines.every(
        (r) => r.action === 'unblock' && r.reason === 'left the data collection or deleted',
      ),
    )
  })

  it('a dry run writes no audit line and no metrics', async () => {
    await api('PUT', `/api/indicators/${String(ids.get(LEAVING))}`, { status_id: 1 })
    const auditBefore = await readFile(audit(), 'utf8')
    const promBefore = await readFile(prom(), 'utf8')
    const result = await world.run(['-e', '--dry-run'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.match(
      result.stdout,
      /would send: .*indicator/,
      'the dry run would block the returning value',
    )
    assert.equal(await readFile(audit(), 'utf8'), auditBefore)
    assert.equal(await readFile(prom(), 'utf8'), promBefore)
  })

  it(
    'a failing run writes its metrics: its exit code, the last success kept',
    { skip: promtoolSkip },
    async () => {
      const before = metricsOf(await readFile(prom(), 'utf8'), 'netscout-aed')
      await world.enable({ ...options, aed_collection: 'No Such Collection' })
      const result = await world.run(['-e'])
      assert.notEqual(result.code, 0)
      const text = await readFile(prom(), 'utf8')
      const check = promtool(['check', 'metrics'], text)
      assert.equal(check.code, 0, check.output)
      const at = metricsOf(text, 'netscout-aed')
      assert.equal(at('last_run_exit_code'), result.code)
      assert.equal(at('last_run_success'), 0)
      const success = 'last_success_timestamp_seconds'
      assert.ok(before(success) !== undefined)
      assert.equal(at(success), before(success))
      // What AED holds is still known from the ledgers.
      assert.equal(at('aed_objects', 'type="indicator"'), 2)
      await world.enable(options)
    },
  )

  it(
    'a run that cannot reach ThreatQ (no options read) writes its metrics to the metrics_dir the last run knew',
    { skip: promtoolSkip },
    async () => {
      const result = await world.run(['-e'], { THREATQ_HOST: 'http://127.0.0.1:1' })
      assert.notEqual(result.code, 0)
      const text = await readFile(prom(), 'utf8')
      assert.equal(promtool(['check', 'metrics'], text).code, 0)
      assert.equal(metricsOf(text, 'netscout-aed')('last_run_exit_code'), result.code)
    },
  )

  it('a link planted at the audit file name stops the run before anything is sent (exit 2)', async () => {
    await rename(audit(), `${audit()}.kept`)
    const elsewhere = join(await tempDir('tq-aed-elsewhere-'), 'target')
    await writeFile(elsewhere, '')
    await symlink(elsewhere, audit())
    await api('POST', '/api/indicators/consume', [
      {
        value: '198.51.100.13',
        type: { name: 'IP Address' },
        status: { name: 'Active' },
        sources: [{ name: FEED }],
      },
    ])
    // No refusal either: the first audit line would come only once AED acknowledged a block.
    await world.enable({ ...options, never_block: '' })
    const aedBefore = (await simState(world.aed)).objects
    const result = await world.run(['-e'])
    await world.enable(options)
    assert.equal(result.code, 2, result.stdout + result.stderr)
    assert.match(result.stderr, /netscout-aed\.audit\.jsonl is a symbolic link/)
    assert.deepEqual((await simState(world.aed)).objects, aedBefore, 'nothing sent to AED')
    assert.equal(await readFile(elsewhere, 'utf8'), '')
    await rm(audit())
    await rename(`${audit()}.kept`, audit())
  })

  it(
    'the alert rule of the README passes promtool check rules and its unit tests',
    { skip: promtoolSkip },
    () => {
      const dir = new URL('../../../deploy/prometheus/', import.meta.url).pathname
      const check = promtool(['check', 'rules', 'tq-conn-netscout-aed.rules.yml'], undefined, dir)
      assert.equal(check.code, 0, check.output)
      const unit = promtool(
        ['test', 'rules', 'tq-conn-netscout-aed.rules.test.yml'],
        undefined,
        dir,
      )
      assert.equal(unit.code, 0, unit.output)
    },
  )
})
