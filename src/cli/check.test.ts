import assert from 'node:assert/strict'
import { access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { RemoteError } from '../http/errors.js'
import { CheckTimeout, checkExitCode, formatCheck, remoteFix, type CheckRow } from './check.js'
import { Sources } from '../config/sources.js'
import { capturedIo } from './io-testing.js'
import { main } from './main.js'

const OK: CheckRow = { check: 'ThreatQ login', result: 'ok', detail: 'analyst at https://tq' }
const FAIL: CheckRow = {
  check: 'AED REST token and API version',
  result: 'FAIL',
  detail: 'HTTP 401',
  fix: 'check "API Token" (api_token)',
}
const SKIPPED: CheckRow = { check: 'AED lists', result: 'skipped', detail: 'not tested' }

const remote = (kind: RemoteError['kind'], status?: number, detail?: string) =>
  new RemoteError({
    system: 'aed',
    kind,
    method: 'GET',
    url: 'https://aed.example/api/aed/v3/summary/',
    ...(status === undefined ? {} : { status }),
    ...(detail === undefined ? {} : { detail }),
    retryable: false,
  })

const SETTINGS = { address: 'HOST', credentials: 'TOKEN', certificate: 'CA' }

describe('--check table', () => {
  it('aligns the columns and puts each fix on its own line under its row', () => {
    assert.equal(
      formatCheck([OK, FAIL, SKIPPED]),
      [
        'CHECK                           RESULT   DETAIL',
        'ThreatQ login                   ok       analyst at https://tq',
        'AED REST token and API version  FAIL     HTTP 401',
        '    fix: check "API Token" (api_token)',
        'AED lists                       skipped  not tested',
        '',
      ].join('\n'),
    )
  })

  it('exits 0 only when every row is ok; a skipped row is not ok', () => {
    assert.equal(checkExitCode([OK, OK]), 0)
    assert.equal(checkExitCode([OK, FAIL]), 2)
    assert.equal(checkExitCode([OK, SKIPPED]), 2)
  })

  it('names the fix by what failed: address, credentials, certificate, not found', () => {
    assert.match(remoteFix(remote('network', undefined, 'ECONNREFUSED'), SETTINGS), /check HOST/)
    assert.match(remoteFix(remote('timeout'), SETTINGS), /check HOST/)
    assert.match(
      remoteFix(new CheckTimeout('no answer within 15 s'), SETTINGS),
      /in time: check HOST/,
    )
    assert.match(remoteFix(remote('http', 401), SETTINGS), /refused the credentials: check TOKEN/)
    assert.match(remoteFix(remote('http', 403), SETTINGS), /check TOKEN/)
    assert.match(
      remoteFix(remote('network', undefined, 'self-signed certificate in chain'), SETTINGS),
      /not trusted: CA/,
    )
    assert.match(remoteFix(remote('http', 404), { ...SETTINGS, notFound: 'VERSION' }), /^VERSION$/)
    assert.match(remoteFix(remote('http', 500), SETTINGS), /unexpected: check HOST/)
  })

  it('says where a setting comes from: environment, config file, or the ThreatQ UI', () => {
    const sources = new Sources(
      '/etc/x/netscout-aed.yaml',
      { api_token: 'local' },
      {
        THREATQ_HOST: 'tq.example',
      },
    )
    assert.equal(sources.threatq('host'), 'environment variable THREATQ_HOST')
    assert.equal(
      sources.threatq('password'),
      'threatq.password in /etc/x/netscout-aed.yaml (or environment variable THREATQ_PASSWORD)',
    )
    assert.equal(sources.option('api_token'), 'options.api_token in /etc/x/netscout-aed.yaml')
    assert.equal(
      sources.option('aed_collection'),
      '"AED STIX Collection Name" (aed_collection) in the ThreatQ UI connector options',
    )
  })

  it('a config directory that does not exist is one failing row, and is not created', async () => {
    const dir = join(tmpdir(), `tq-aed-check-missing-${String(process.pid)}`)
    const io = capturedIo()
    const code = await main(['--check', '-c', dir], io, '0.0.0')
    const out = io.out + io.err
    assert.equal(code, 2, out)
    assert.match(out, /^config file +FAIL +--config .*ENOENT/m)
    assert.match(out, /fix: run the connector once without --check/)
    await assert.rejects(access(dir), { code: 'ENOENT' })
  })
})
