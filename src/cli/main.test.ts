import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { writeNewConfig } from '../config/config-file.js'
import { ConfigError } from '../errors.js'
import { RemoteError } from '../http/errors.js'
import { capturedIo } from './io-testing.js'
import { asksForVersion, describeFailure, main } from './main.js'
import { interrupted } from './run-signal.js'

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

  it('ends quietly with 130 on Ctrl-C at a prompt (@inquirer ExitPromptError)', () => {
    const ctrlC = Object.assign(new Error('User force closed the prompt with SIGINT'), {
      name: 'ExitPromptError',
    })
    assert.deepEqual(describeFailure(ctrlC), { code: 130, line: '' })
  })

  it('ends a run whose interrupt fired with its code and one line, the lock released, nothing contacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tq-main-stop-'))
    try {
      // Port 9 (discard) on loopback: a request that went out would fail as a network error.
      await writeNewConfig(join(dir, 'netscout-aed.yaml'), {
        format_version: 1,
        threatq: { host: 'http://127.0.0.1:9', client_id: 'c', username: 'u', password: 'p' },
        status: 'Review',
        options: {},
      })
      const controller = new AbortController()
      controller.abort(interrupted('SIGTERM'))
      const io = capturedIo()
      io.interrupt = controller.signal
      const code = await main(['-c', dir, '-ll', dir], io, '0.0.0')
      assert.equal(code, 143)
      assert.equal(
        io.err,
        'tq-conn-netscout-aed: interrupted by SIGTERM; what AED acknowledged is kept and the next run resumes\n',
      )
      assert.match(readFileSync(join(dir, 'netscout-aed.log'), 'utf8'), /interrupted by SIGTERM/)
      assert.ok(!existsSync(join(dir, 'netscout-aed.lock')), 'the lock is released')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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
