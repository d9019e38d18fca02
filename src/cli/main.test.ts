import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { RemoteError } from '../http/errors.js'
import { capturedIo } from './io-testing.js'
import { asksForVersion, describeFailure, main } from './main.js'

describe('main: errors become one line and the documented exit code', () => {
  it('maps usage, configuration, remote and unexpected errors', () => {
    assert.deepEqual(describeFailure(new ConfigError('bad depth')), {
      code: 2,
      line: 'tq-conn-netscout-aed: bad depth\n',
    })
    const remote = new RemoteError({
      system: 'aed',
      kind: 'http',
      method: 'GET',
      url: 'https://aed.example/api/aed/v3/alerts/',
      status: 500,
      retryable: true,
    })
    assert.equal(describeFailure(remote).code, 1)
    assert.equal(describeFailure(new TypeError('boom')).line, 'tq-conn-netscout-aed: boom\n')
    assert.equal(describeFailure('thrown text').line, 'tq-conn-netscout-aed: thrown text\n')
  })

  it('prints an argument error on stderr and returns 2 without running', async () => {
    const io = capturedIo()
    const code = await main(['-v', '7'], io, '0.0.0')
    assert.equal(code, 2)
    assert.equal(
      io.err,
      "tq-conn-netscout-aed: error: argument -v/--verbosity: invalid choice: '7' (choose from '0', '1', '2', '3')\n",
    )
  })

  it('answers --version (and the prefixes argparse takes for it) with the whole version text', async () => {
    for (const argv of [['--version'], ['-c', '/x', '--vers'], ['--versio']])
      assert.ok(asksForVersion(argv), argv.join(' '))
    for (const argv of [['--ver'], ['--', '--version'], ['--verbosity', '2'], []])
      assert.ok(!asksForVersion(argv), argv.join(' '))
    const io = capturedIo()
    const code = await main(
      ['--version'],
      io,
      'tq-conn-netscout-aed 1.2.3\ncommit abc\nNode.js v20',
    )
    assert.equal(code, 0)
    assert.equal(io.out, 'tq-conn-netscout-aed 1.2.3\ncommit abc\nNode.js v20\n')
  })
})
