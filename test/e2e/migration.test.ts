/**
 * README "Migrating from 1.0.2", played as written: the Python connector's config directory and
 * crontab line, the link where its script was, and the crontab's command run as cron runs it
 * (no terminal, no THREATQ_* variables), with the guide's paths moved under a temp dir.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CONNECTOR, runCli, runShell as shell, tempDir } from '../../sim/world/processes.js'
import { CREDS, startWorld, type World } from '../../sim/world/world.js'

const README = readFileSync('README.md', 'utf8')
const SECTION = /## Migrating from 1\.0\.2\n([\s\S]*?)\n## /.exec(README)?.[1] ?? ''
const fenced = (lang: string): string[] =>
  [...SECTION.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '')

/** The old tool's config file, as its first run left it (src/config/legacy-config.ts). */
const oldConfig = (host: string): string =>
  [
    `host: ${host}`,
    `client_id: ${CREDS.clientId}`,
    `email: ${CREDS.user}`,
    `password: ${CREDS.password}`,
    'default_status: Active',
    'access_token: old-access-token-1234567890',
    'refresh_token: old-refresh-token-0987654321',
    '',
  ].join('\n')

/** As cron runs a line: no terminal, PATH only. */
const runShell = (line: string, cwd: string) =>
  shell(line, { env: { PATH: CONNECTOR.path, TZ: process.env.TZ ?? 'UTC' }, cwd })

describe('migrating from the Python connector 1.0.2 (README, real CLI, simulators)', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 40 })
    // The record the old tool registered and a person configured and switched on.
    await world.enable()
  })
  after(async () => {
    await world.stop()
  })

  it('runs the old crontab line unchanged: config migrated in place, the enabled record used at once', async () => {
    const [cronBlock] = fenced('cron')
    const [linkBlock] = fenced('sh')
    assert.ok(cronBlock && linkBlock, 'README has the crontab line and the link commands')
    const root = await tempDir('tq-aed-migrate-')
    const move = (text: string): string =>
      text
        .replaceAll('/opt/tqvenv/<environment_name>', join(root, 'opt/tqvenv/aed'))
        .replaceAll('/etc/tq_labs/', `${join(root, 'etc/tq_labs')}/`)
        .replaceAll('/var/log/tq_labs/', `${join(root, 'var/log/tq_labs')}/`)
        .replaceAll('/usr/local/bin/tq-conn-netscout-aed', CONNECTOR.args[0] ?? CONNECTOR.command)
    // The site as 1.0.2 left it: its script, its config among another connector's, its log dir.
    const bin = join(root, 'opt/tqvenv/aed/bin')
    const etc = join(root, 'etc/tq_labs')
    await Promise.all([
      mkdir(bin, { recursive: true }),
      mkdir(etc, { recursive: true, mode: 0o700 }),
      mkdir(join(root, 'var/log/tq_labs'), { recursive: true }),
    ])
    await writeFile(join(bin, 'tq-conn-netscout-aed'), '#!/bin/sh\necho python 1.0.2\n', {
      mode: 0o755,
    })
    const old = join(etc, 'netscout_aed_connector.yaml')
    await writeFile(old, oldConfig(world.threatq.url), { mode: 0o600 })
    const other = join(etc, 'adversary_reader.yaml')
    await writeFile(other, oldConfig('tq.example.com'), { mode: 0o600 })

    // README's commands, in a shell, as written but for the paths.
    const linked = await runShell(`set -e\n${move(linkBlock)}`, root)
    assert.equal(linked.code, 0, linked.stderr)
    const cronLine = cronBlock.trim()
    const command = move(cronLine.split(' ').slice(5).join(' '))
    assert.match(
      command,
      /tq-conn-netscout-aed -c \S+\/etc\/tq_labs\/ -ll \S+\/var\/log\/tq_labs\/ -v3$/,
    )

    const first = await runShell(command, root)
    assert.equal(first.code, 0, `${first.stdout}${first.stderr}`)
    assert.ok(
      first.stdout.startsWith(
        `Migrated ${old} to ${join(etc, 'netscout-aed.yaml')} (the old file is left as it was).\n`,
      ),
      first.stdout,
    )
    assert.doesNotMatch(first.stdout, /Set information in UI/)
    assert.match(first.stdout, /export/)
    assert.equal(
      await readFile(old, 'utf8'),
      oldConfig(world.threatq.url),
      'the old file as it was',
    )
    const config = await readFile(join(etc, 'netscout-aed.yaml'), 'utf8')
    assert.match(config, /format_version: 1/)
    assert.match(config, /status: Active/)
    assert.doesNotMatch(config, /old-access-token|old-refresh-token/)
    const log = await readFile(join(root, 'var/log/tq_labs/netscout-aed.log'), 'utf8')
    assert.match(
      log,
      /configuration upgraded: left behind access_token, refresh_token \(not used\)/,
    )
    assert.doesNotMatch(log, /old-access-token/)
    assert.equal(await readFile(other, 'utf8'), oldConfig('tq.example.com'), 'not ours: untouched')

    const again = await runShell(command, root)
    assert.equal(again.code, 0, again.stderr)
    assert.doesNotMatch(again.stdout, /Migrated/)
    // The old tool had one instance: a new -n instance does not take its file.
    const second = await runShell(`${command} -n second`, root)
    assert.equal(second.code, 2, second.stderr)
    assert.match(second.stderr, /no configuration found: looked for \S+\/second\.yaml /)
    assert.deepEqual((await readdir(bin)).sort(), [
      'tq-conn-netscout-aed',
      'tq-conn-netscout-aed-1.0.2',
    ])
  })

  it('a first run from THREATQ_* against the enabled record runs at once, status Review by default', async () => {
    const dir = await tempDir('tq-aed-migrate-env-')
    const env: Record<string, string> = { ...world.env }
    delete env.THREATQ_STATUS
    const result = await runCli(['-c', dir, '--non-interactive', '-e'], env)
    assert.equal(result.code, 0, result.stderr)
    assert.ok(
      result.stdout.startsWith(
        'Connector configured; "Netscout AED Connector" is already enabled in ThreatQ: running.\n',
      ),
      result.stdout,
    )
    assert.match(await readFile(join(dir, 'netscout-aed.yaml'), 'utf8'), /status: Review/)
  })

  it('names a file it took for the old configuration but cannot read (exit 2, nothing written)', async () => {
    const dir = await tempDir('tq-aed-migrate-bad-')
    await writeFile(join(dir, 'netscout.conf'), '[threatq]\nhost = tq\n', { mode: 0o600 })
    const result = await runCli(['-c', dir], {})
    assert.equal(result.code, 2)
    assert.equal(
      result.stderr.trim().split('\n').at(-1),
      `tq-conn-netscout-aed: no configuration found: looked for ${join(dir, 'netscout-aed.yaml')} (-c ${dir}); found ${join(dir, 'netscout.conf')} (named for this connector, not a configuration it reads). Check the -c path; a first run without a terminal needs THREATQ_HOST, THREATQ_CLIENT_ID, THREATQ_USERNAME, THREATQ_PASSWORD (or run once in a terminal to be asked)`,
    )
    assert.deepEqual(await readdir(dir), ['netscout.conf'])
  })

  it('a login file of another name: named, with how to adopt it; adopted as told', async () => {
    const dir = await tempDir('tq-aed-migrate-other-')
    const other = join(dir, 'threatq.yaml')
    await writeFile(other, oldConfig(world.threatq.url), { mode: 0o600 })
    const refused = await runCli(['-c', dir, '-e'], {})
    assert.equal(refused.code, 2)
    const adopt = join(dir, 'netscout-1.0.2.yaml')
    assert.equal(
      refused.stderr.trim().split('\n').at(-1),
      `tq-conn-netscout-aed: no configuration found: looked for ${join(dir, 'netscout-aed.yaml')} (-c ${dir}); found ${other} (a ThreatQ login; if it is this connector's, copy it to ${adopt} and run again). Check the -c path; a first run without a terminal needs THREATQ_HOST, THREATQ_CLIENT_ID, THREATQ_USERNAME, THREATQ_PASSWORD (or run once in a terminal to be asked)`,
    )
    await copyFile(other, adopt)
    const adopted = await runCli(['-c', dir, '-e'], {})
    assert.equal(adopted.code, 0, adopted.stderr)
    assert.ok(adopted.stdout.startsWith(`Migrated ${adopt} to ${join(dir, 'netscout-aed.yaml')}`))
  })
})
