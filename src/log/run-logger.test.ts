import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, EXIT, ExitError } from '../errors.js'
import { createLogger, errorSerializer, type LoggerOptions } from './run-logger.js'
import { Secrets } from './secrets.js'

describe('logger', () => {
  it('writes JSON lines with the run id to <dir>/<name>.log, 0600, at the chosen level', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-log-'))
    const { logger, file } = createLogger({
      verbosity: 2,
      location: dir,
      instance: 'aed-eu',
      runId: 'run-1',
      secrets: new Secrets(),
      tty: false,
    })
    logger.info({ sent: 3 }, 'export done')
    logger.debug('not at verbosity 2')
    assert.equal(file, join(dir, 'aed-eu.log'))
    const lines = (await readFile(join(dir, 'aed-eu.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const [line, ...rest] = lines
    assert.ok(line)
    assert.equal(rest.length, 0)
    assert.equal(line.run, 'run-1')
    assert.equal(line.msg, 'export done')
    assert.equal(line.sent, 3)
    assert.equal((await stat(join(dir, 'aed-eu.log'))).mode & 0o777, 0o600)
  })

  it('scrubs registered secrets from messages, fields, errors and URL-encoded forms', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-log-'))
    const secrets = new Secrets()
    secrets.add('s3cr3t"pw')
    secrets.add('tok/en+1')
    const { logger } = createLogger({
      verbosity: 3,
      location: dir,
      instance: 'x',
      runId: 'r',
      secrets,
      tty: false,
    })
    logger.debug({ password: 's3cr3t"pw' }, 'login with s3cr3t"pw')
    logger.error(new Error('GET https://h/x?token=tok%2Fen%2B1 failed for tok/en+1'))
    const text = await readFile(join(dir, 'x.log'), 'utf8')
    assert.doesNotMatch(text, /s3cr3t/)
    assert.doesNotMatch(text, /tok\/en|tok%2Fen/)
    assert.match(text, /\[REDACTED\]/)
  })

  it('logs an expected failure as one line: type, message, code, option or file, no stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-log-'))
    const { logger } = createLogger({
      verbosity: 1,
      location: dir,
      instance: 'x',
      runId: 'r',
      secrets: new Secrets(),
      tty: false,
    })
    const cause = Object.assign(new Error('EACCES: permission denied'), { path: '/etc/tq/x.yaml' })
    logger.error({ err: new ConfigError('cannot read /etc/tq/x.yaml', { cause }) }, 'run failed')
    const [line, ...rest] = (await readFile(join(dir, 'x.log'), 'utf8')).trim().split('\n')
    assert.equal(rest.length, 0)
    const parsed = JSON.parse(line ?? '') as { err: Record<string, unknown>; msg: string }
    assert.deepEqual(parsed.err, {
      type: 'ConfigError',
      message: 'cannot read /etc/tq/x.yaml',
      code: 2,
      file: '/etc/tq/x.yaml',
    })
    assert.doesNotMatch(line ?? '', /at .*\.js:\d+|"stack"/)
  })

  it('keeps the stack for unexpected errors (exit 1) and for -v 3', () => {
    const quiet = errorSerializer(1)
    const option = quiet(new ConfigError('bad schedule', { option: '--cron' }))
    assert.deepEqual(option, {
      type: 'ConfigError',
      message: 'bad schedule',
      code: 2,
      option: '--cron',
    })
    assert.deepEqual(quiet(new ExitError(EXIT.locked, 'held')), {
      type: 'ExitError',
      message: 'held',
      code: 5,
    })
    const bug = quiet(new TypeError('x is undefined')) as { type: string; stack: string }
    assert.equal(bug.type, 'TypeError')
    assert.match(bug.stack, /logger\.test\.[jt]s:\d+/)
    const failed = quiet(new ExitError(EXIT.failed, 'run failed')) as { stack?: string }
    assert.match(failed.stack ?? '', /logger\.test\.[jt]s:\d+/)
    const debug = errorSerializer(3)(new ConfigError('bad', { option: '--cron' })) as {
      stack?: string
      option?: string
      code?: number
    }
    assert.match(debug.stack ?? '', /logger\.test\.[jt]s:\d+/)
    assert.equal(debug.option, '--cron')
    assert.equal(debug.code, 2)
  })

  it('times JSON lines in ISO-8601 UTC', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-log-'))
    const { logger } = createLogger({ ...QUIET, location: dir })
    logger.warn('when')
    const line = JSON.parse(await readFile(join(dir, 'x.log'), 'utf8')) as { time: string }
    assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('times lines on a terminal in ISO-8601, local time with its offset', () => {
    // A child process: the terminal form writes to fd 1, which is this runner's report.
    const script = `
      const { createLogger } = await import(${JSON.stringify(new URL('./run-logger.js', import.meta.url).href)})
      const { Secrets } = await import(${JSON.stringify(new URL('./secrets.js', import.meta.url).href)})
      createLogger({ verbosity: 1, location: 'stdout', instance: 'x', runId: 'r', secrets: new Secrets(), tty: true }).logger.warn('when')
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      // December: Paris is UTC+01:00, and the line says so.
      env: { PATH: process.env.PATH ?? '', TZ: 'Europe/Paris' },
    })
    assert.equal(child.status, 0, child.stderr)
    // eslint-disable-next-line no-control-regex -- the colours pino-pretty adds
    const line = child.stdout.replace(/\x1b\[[0-9;]*m/g, '')
    const time = /^\[([^\]]+)\] WARN/.exec(line)?.[1] ?? line
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/)
    const offset = time.slice(-6)
    // The offset is Paris's at that instant (+01:00 in winter, +02:00 in summer).
    assert.ok(['+01:00', '+02:00'].includes(offset), time)
    assert.ok(!Number.isNaN(Date.parse(time)), `${time} parses`)
  })

  it("writes the run's first and last lines (info) to a log file at the default verbosity; -v 0 and the console follow -v", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-log-'))
    const atDefault = createLogger({ ...QUIET, location: dir })
    atDefault.milestones.info('run started')
    atDefault.logger.info('an ordinary info line')
    const errorsOnly = createLogger({ ...QUIET, location: dir, verbosity: 0 })
    errorsOnly.milestones.info('not at -v 0')
    const text = await readFile(join(dir, 'x.log'), 'utf8')
    assert.deepEqual(
      text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['run started'],
    )
    const console = createLogger({ ...QUIET, location: 'stdout' })
    assert.equal(console.milestones.isLevelEnabled('info'), false)
  })
})

const QUIET: LoggerOptions = {
  verbosity: 1,
  location: 'stdout',
  instance: 'x',
  runId: 'r',
  secrets: new Secrets(),
  tty: false,
}
