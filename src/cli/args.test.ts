import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildParser, type CliArgs } from './args.js'

const parse = (argv: string[]): CliArgs => buildParser('0.0.0').parse_args<CliArgs>(argv)

describe('command line', () => {
  it('reads the Python connector command line as written', () => {
    const args = parse(['-ll', '/var/log/tq_labs/', '-c', '/etc/tq_labs/', '-v3'])
    assert.equal(args.loglocation, '/var/log/tq_labs/')
    assert.equal(args.config, '/etc/tq_labs/')
    assert.equal(args.verbosity, 3)
  })

  it('takes --cron with = and a quoted schedule', () => {
    assert.equal(parse(['--cron=0 */2 * * *']).cron, '0 */2 * * *')
  })

  it('has the documented defaults', () => {
    const args = parse([])
    assert.equal(args.config, '.')
    assert.equal(args.loglocation, 'stdout')
    assert.equal(args.verbosity, 1)
    assert.equal(args.import, false)
    assert.equal(args.export, false)
  })

  it('takes --check and --status, both off by default', () => {
    assert.equal(parse([]).check, false)
    assert.equal(parse([]).status, false)
    assert.equal(parse(['--check', '-n', 'edge']).check, true)
    assert.equal(parse(['--status', '--output', 's.json']).status, true)
  })

  it('rejects a verbosity outside 0..3', () => {
    assert.throws(() => parse(['-v', '4']), /invalid choice/)
  })
})
