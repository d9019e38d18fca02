import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Persistence } from './persist.js'
import { admin, call, newSim, obj } from './test-support.js'

const V3 = '/api/aed/v3'
const DEFAULT = { format: 'cef', host: '', port: 514, protocol: 'udp', secure: false }

describe('aed-sim remote-syslog/ (the Ansible module aed_remote_syslog)', () => {
  it('answers one object, and PATCH changes only the fields given', async () => {
    const sim = newSim()
    assert.deepEqual((await call(sim, 'GET', `${V3}/remote-syslog/`)).body, DEFAULT)
    const patched = await call(sim, 'PATCH', `${V3}/remote-syslog/`, {
      body: { host: 'syslog.example.net', port: 6514, protocol: 'tcp', secure: true },
    })
    assert.equal(patched.status, 200)
    const expected = {
      format: 'cef',
      host: 'syslog.example.net',
      port: 6514,
      protocol: 'tcp',
      secure: true,
    }
    assert.deepEqual(patched.body, expected)
    assert.match(patched.text, /^\{\n {2}"format": "cef",\n {2}"host"/, 'sorted keys, indented')
    const leef = await call(sim, 'PATCH', `${V3}/remote-syslog/?format=leef`)
    assert.deepEqual(leef.body, { ...expected, format: 'leef' })
    for (const prefix of ['/api/aps/v3', '/api/aed/v2', '/api/aps/v2']) {
      assert.deepEqual(
        (await call(sim, 'GET', `${prefix}/remote-syslog/`)).body,
        { ...expected, format: 'leef' },
        prefix,
      )
    }
  })

  it('refuses a bad value with the errors envelope naming the field, and changes nothing', async () => {
    const sim = newSim()
    const bad: [Record<string, unknown>, string][] = [
      [{ protocol: 'sctp' }, 'protocol'],
      [{ format: 'json' }, 'format'],
      [{ port: 0 }, 'port'],
      [{ port: 65536 }, 'port'],
      [{ port: '51a' }, 'port'],
      [{ port: 1.5 }, 'port'],
      [{ secure: 'yes' }, 'secure'],
      [{ secure: true }, 'secure'],
      [{ host: 'not a host!' }, 'host'],
      [{ host: 42 }, 'host'],
      [{ hostname: 'x' }, 'hostname'],
      [{ host: '192.0.2.1', protocol: 'tcp', format: 'legacy', severity: 3 }, 'severity'],
    ]
    for (const [body, field] of bad) {
      const res = await call(sim, 'PATCH', `${V3}/remote-syslog/`, { body })
      assert.equal(res.status, 400, JSON.stringify(body))
      const error = (obj(res.body).errors as Record<string, unknown>[])[0]
      assert.equal(error?.code, 'invalidField')
      assert.equal(error.field, field, JSON.stringify(body))
      assert.equal(obj(res.body).message, 'Bad Request')
    }
    assert.deepEqual((await call(sim, 'GET', `${V3}/remote-syslog/`)).body, DEFAULT)
    const put = await call(sim, 'PUT', `${V3}/remote-syslog/`, { body: { host: 'a' } })
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET, PATCH')
    assert.equal((await call(sim, 'GET', `${V3}/remote-syslog/`, { token: null })).status, 401)
    const ipv6 = await call(sim, 'PATCH', `${V3}/remote-syslog/`, { body: { host: '2001:db8::5' } })
    assert.equal(ipv6.status, 200, 'an IPv6 address is a host')
  })

  it('is kept across a restart with the rest of the state, and /_sim/reset clears it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aed-sim-syslog-'))
    try {
      const first = newSim()
      const body = { host: '192.0.2.9', port: 1514, protocol: 'tcp', format: 'leef' }
      await call(first, 'PATCH', `${V3}/remote-syslog/`, { body })
      const saver = new Persistence(dir, first.state)
      saver.schedule()
      saver.flush()
      const second = newSim()
      assert.equal(new Persistence(dir, second.state).load(), 'loaded')
      assert.deepEqual((await call(second, 'GET', `${V3}/remote-syslog/`)).body, {
        ...body,
        secure: false,
      })
      await admin(second, 'POST', '/_sim/reset')
      assert.deepEqual((await call(second, 'GET', `${V3}/remote-syslog/`)).body, DEFAULT)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
