import assert from 'node:assert/strict'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createLogger } from './logger.js'
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
})
