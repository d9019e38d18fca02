import assert from 'node:assert/strict'
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { cronLine, validateSchedule, writeCronFile } from './cron.js'

const base = {
  nodePath: '/usr/bin/node',
  binPath: '/opt/tq/dist/src/cli/bin.js',
  configDir: '/etc/tq_labs',
}

describe('cron schedules', () => {
  for (const good of [
    '0 */2 * * *',
    '*/15 * * * *',
    '0 6 * * 1-5',
    '30 2 1 jan,jul *',
    '0 0 * * SUN',
    '0 0 * * 7',
    '5 4  *  * *',
  ])
    it(`accepts ${JSON.stringify(good)}`, () => {
      assert.doesNotThrow(() => validateSchedule(good))
    })

  const bad: [string, RegExp][] = [
    ['0 */2 * *', /has 4 field/],
    ['0 0 */2 * * *', /has 6 field/],
    ['61 * * * *', /minute/],
    ['0 24 * * *', /hour/],
    ['0 0 32 * *', /day/i],
    ['0 0 * 13 *', /month/i],
    ['0 0 * * 8', /day/i],
    ['0 0 * * 1%2', /"%"/],
    ['0 0 L * *', /field 3/],
    ['0 0 ? * *', /field 3/],
    ['0 0 * * 1#2', /field 5/],
    ['0 0 * foo *', /field 4/],
    ['@reboot', /field/],
    ['', /field/],
  ]
  for (const [schedule, message] of bad)
    it(`refuses ${JSON.stringify(schedule)}`, () => {
      assert.throws(
        () => validateSchedule(schedule),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      )
    })
})

describe('cron line', () => {
  it('is the commented-out line README "Scheduling" shows', () => {
    assert.equal(
      cronLine({ ...base, schedule: '0 */2 * * *' }),
      '#0 */2 * * * root /bin/bash -c "source /etc/env-vars.sh; /usr/bin/node /opt/tq/dist/src/cli/bin.js --config=/etc/tq_labs > /proc/1/fd/1 2>/proc/1/fd/2"',
    )
  })

  it('runs the single executable by its absolute path alone (the program is its own runtime)', () => {
    const exe = '/opt/tq/tq-conn-netscout-aed'
    assert.equal(
      cronLine({ ...base, nodePath: exe, binPath: exe, schedule: '0 */2 * * *' }),
      '#0 */2 * * * root /bin/bash -c "source /etc/env-vars.sh; /opt/tq/tq-conn-netscout-aed --config=/etc/tq_labs > /proc/1/fd/1 2>/proc/1/fd/2"',
    )
  })

  it('says which option a refused schedule or directory concerns', () => {
    assert.throws(
      () => validateSchedule('0 0 * *'),
      (e: unknown) => e instanceof ConfigError && e.option === '--cron',
    )
    assert.throws(
      () => cronLine({ ...base, configDir: '/etc/$(id)', schedule: '0 * * * *' }),
      (e: unknown) => e instanceof ConfigError && e.option === '--config',
    )
  })

  it('names a non-default instance, quotes spaces and escapes %', () => {
    const line = cronLine({
      ...base,
      configDir: '/etc/tq labs/100%',
      schedule: '@daily',
      name: 'aed-eu',
    })
    assert.match(line, /^#@daily root /)
    assert.match(line, / --config='\/etc\/tq labs\/100\\%' --name=aed-eu > /)
  })

  for (const hostile of [
    '/etc/$(reboot)',
    '/etc/`id`',
    '/etc/a"b',
    "/etc/a'b",
    '/etc/a\nb',
    '/etc/a\\b',
  ])
    it(`refuses to put ${JSON.stringify(hostile)} into the line`, () => {
      assert.throws(
        () => cronLine({ ...base, configDir: hostile, schedule: '0 * * * *' }),
        ConfigError,
      )
    })

  it('writes the file under the cron directory, refusing names cron would ignore', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-cron-'))
    const line = cronLine({ ...base, schedule: '0 * * * *' })
    const { path, enabled } = await writeCronFile(dir, 'netscout-aed', line)
    assert.equal(path, join(dir, 'netscout-aed'))
    assert.equal(enabled, false)
    const text = await readFile(path, 'utf8')
    assert.equal(text.split('\n').filter((l) => l.startsWith('#0 ')).length, 1)
    assert.ok(text.endsWith(`${line}\n`))
    await assert.rejects(writeCronFile(dir, 'aed.prod', line), /cron ignores/)
  })

  it('a cron directory it cannot write is a usage error naming the file, not a crash', async () => {
    const missing = join(await mkdtemp(join(tmpdir(), 'tq-cron-')), 'no-such-dir')
    await assert.rejects(
      writeCronFile(missing, 'netscout-aed', cronLine({ ...base, schedule: '0 * * * *' })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.file === join(missing, 'netscout-aed') &&
        /cannot write the cron file .*ENOENT.*TQ_CRON_DIR/.test(error.message),
    )
  })

  it('refuses a symlink at the cron file instead of writing its target', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-cron-'))
    const victim = join(await mkdtemp(join(tmpdir(), 'tq-cron-victim-')), 'crontab')
    await writeFile(victim, 'precious\n')
    const path = join(dir, 'netscout-aed')
    await symlink(victim, path)
    await assert.rejects(
      writeCronFile(dir, 'netscout-aed', cronLine({ ...base, schedule: '0 * * * *' })),
      (error) =>
        error instanceof ConfigError &&
        error.file === path &&
        /netscout-aed is a symbolic link/.test(error.message),
    )
    assert.equal(await readFile(victim, 'utf8'), 'precious\n')
  })

  it('a rewrite keeps a line a person enabled, and a commented-out one commented out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-cron-'))
    const first = cronLine({ ...base, schedule: '0 * * * *' })
    const { path } = await writeCronFile(dir, 'netscout-aed', first)
    await writeFile(path, (await readFile(path, 'utf8')).replace(/^#0 /m, '0 '))
    const second = cronLine({ ...base, schedule: '15 */2 * * *' })
    assert.deepEqual(await writeCronFile(dir, 'netscout-aed', second), { path, enabled: true })
    const lines = (await readFile(path, 'utf8')).split('\n')
    assert.ok(lines.includes(second.slice(1)), 'the new schedule, enabled')
    assert.ok(!lines.includes(second))
    await writeFile(path, (await readFile(path, 'utf8')).replace(/^15 /m, '#15 '))
    assert.deepEqual(await writeCronFile(dir, 'netscout-aed', first), { path, enabled: false })
    assert.ok((await readFile(path, 'utf8')).split('\n').includes(first))
  })
})
