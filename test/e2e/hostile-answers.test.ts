/**
 * Hostile servers and values (docs/reliability.md, "Hostile input"; real CLI, simulators over
 * sockets): a TAXII discovery document that names an API root on another origin (the TAXII Basic
 * credentials and the export would go there); a 200 HTML login page; a server message that would
 * forge lines; ThreatQ values with line breaks, quotes, `']`, NUL and bidi controls.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { serveApp, type RunningServer } from '../../sim/common/serve.js'
import { readPattern } from '../../sim/aed/taxii/pattern.js'
import { assertClearFailure, faults, inject } from '../helpers/faults.js'
import { tempDir } from '../../sim/world/processes.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import { startWorld, type World } from '../../sim/world/world.js'

describe('a foreign TAXII discovery document (aed-sim --foreign-api-root)', () => {
  let world: World
  let other: RunningServer
  const seen: string[] = []

  before(async () => {
    // The other origin: a second loopback server that records every request it gets.
    other = await serveApp(
      (request) => {
        seen.push(`${request.method} ${request.url} ${request.headers.get('authorization') ?? ''}`)
        return new Response('{}', { headers: { 'content-type': 'application/taxii+json' } })
      },
      { host: '127.0.0.1', port: 0, tls: false },
    )
    world = await startWorld({
      seed: 20,
      aedArgs: ['--foreign-api-root', `${other.url}/taxii/root/`],
    })
    await world.configure()
  })
  after(async () => {
    await world.stop()
    await other.close()
  })

  it('exits 2 naming hostname, and the other origin receives no request', async () => {
    const result = await world.run(['-e'])
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /hostname/)
    assert.ok(result.stderr.includes(new URL(other.url).host), result.stderr)
    assert.deepEqual(seen, [])
  })
})

const LOGIN_PAGE = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>SSO</body></html>'
// eslint-disable-next-line no-control-regex -- the characters no printed line may carry
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u

describe('hostile answers and values (real CLI)', { concurrency: 1 }, () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 20 })
    await world.configure()
  })
  after(async () => {
    await world.stop()
  })

  for (const [system, sim, method, path, args] of [
    ['threatq', 'threatq', 'GET', '^/api/connectors', ['-e']],
    ['taxii', 'aed', 'GET', '^/taxii/$', ['-e']],
    ['aed', 'aed', 'GET', '^/api/aed/', ['-i']],
  ] as const)
    it(`${system}: a 200 HTML login page is one clear line, not retried`, async () => {
      const target = sim === 'threatq' ? world.threatq : world.aed
      await inject(
        target,
        faults(method, path).always({ status: 200, contentType: 'text/html', body: LOGIN_PAGE }),
      )
      try {
        const result = await world.run([...args, '-ll', await tempDir('tq-aed-html-log-')])
        assertClearFailure(result)
        assert.match(result.stderr, new RegExp(`${system} GET .*HTML page.*login page`))
      } finally {
        await target.admin('DELETE', '/_sim/faults')
      }
    })

  it("a server's message cannot forge a line of ours", async () => {
    const said = 'bad\nnetscout-aed: all good, 0 problems\u202e'
    await inject(
      world.aed,
      faults('POST', '/objects/$').always({
        status: 400,
        contentType: 'application/vnd.oasis.taxii+json; version=2.0',
        body: JSON.stringify({ title: 'refused', description: said }),
      }),
    )
    try {
      const result = await world.run(['-e', '-ll', await tempDir('tq-aed-forge-log-')])
      assertClearFailure(result)
      assert.match(result.stderr, /bad\\u000anetscout-aed: all good, 0 problems\\u202e/)
      assert.doesNotMatch(result.stderr, UNSAFE)
    } finally {
      await world.aed.admin('DELETE', '/_sim/faults')
    }
  })

  it("ThreatQ values with line breaks, quotes, ']', NUL and bidi controls: refused and counted, or escaped", async () => {
    const api = await threatqApi(world.threatq)
    const feed = 'Hostile Feed'
    const values: [string, string, 'refused' | 'escaped'][] = [
      ['URL', 'http://v1.example/a\nnetscout-aed: forged', 'refused'],
      ['URL', "http://v2.example/x']OR[ipv4-addr:value='0.0.0.0/0'", 'escaped'],
      ['URL', 'http://v3.example/\u202etxt.exe', 'refused'],
      ['URL', 'http://v4.example/a\u0000b', 'refused'],
      ['URL', 'http://v5.example/"quoted"', 'escaped'],
      ['FQDN', 'v6.example\nv7.example', 'refused'],
      ['FQDN', 'v8.example,v9.example', 'refused'],
      ['FQDN', 'v10.example\u2066', 'refused'],
    ]
    await api(
      'POST',
      '/api/indicators/consume',
      values.map(([type, value]) => ({
        value,
        type: { name: type },
        status: { name: 'Active' },
        sources: [{ name: feed }],
      })),
    )
    await saveFeedCollection(api, 'Hostile', feed, ['Active'])
    const refused = values.filter(([, , fate]) => fate === 'refused').length
    for (const delivery of ['taxii', 'rest']) {
      await world.enable({ data_collection: 'Hostile', delivery })
      const output = join(await tempDir('tq-aed-values-'), 'dry.json')
      const result = await world.run(['-e', '--allow-mass-revoke', '--dry-run', '--output', output])
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.match(result.stdout, new RegExp(`skipped:.*invalid value ${String(refused)}`))
      assert.doesNotMatch(result.stdout, /forged|v7\.example|v9\.example/)
      assert.doesNotMatch(result.stdout, UNSAFE)
      const text = await readFile(output, 'utf8')
      assert.doesNotMatch(text, UNSAFE)
      const written = JSON.parse(text) as {
        export?: { bundles: { objects: { type: string; pattern?: string }[] }[] }
        lists?: { calls: { method: string; body?: Record<string, unknown> }[] }
      }
      if (delivery === 'taxii') {
        const patterns = (written.export?.bundles ?? [])
          .flatMap((b) => b.objects)
          .flatMap((o) => (o.pattern === undefined ? [] : [o.pattern]))
        const read = patterns.map((p) => readPattern(p))
        const comparisons = read.flatMap((r) => (r.ok ? r.comparisons : []))
        assert.equal(comparisons.length, patterns.length, patterns.join('\n'))
        for (const [, value, fate] of values) {
          const held = comparisons.some((c) => c.value === value)
          assert.equal(held, fate === 'escaped', value)
        }
      } else {
        const sent = (written.lists?.calls ?? [])
          .filter((c) => c.method === 'POST')
          .flatMap((c) => [c.body?.domain, c.body?.url])
          .filter((v): v is string => typeof v === 'string')
          .flatMap((v) => v.split(','))
        for (const [, value, fate] of values) {
          const held = sent.includes(value.replace(/^http:\/\//, ''))
          assert.equal(held, fate === 'escaped', value)
        }
      }
    }
  })
})
