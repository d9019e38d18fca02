import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { readFaults } from '../common/cli.js'
import { createAedSim } from './app.js'
import { buildAedParser, aedOptionsFrom, type AedArgs } from './cli.js'
import { LENIENT_LIST_RULES, type ListRules, STRICT_LIST_RULES } from './lists.js'

/** The rules a sim started with these flags serves (createAedSim fills the strict defaults). */
const createAedSimRules = (args: AedArgs): ListRules => ({
  ...STRICT_LIST_RULES,
  ...aedOptionsFrom(args).listRules,
})

const parse = (argv: string[]): AedArgs => buildAedParser().parse_args<AedArgs>(argv)

describe('aed-sim command line', () => {
  it('has the documented defaults', () => {
    const args = parse([])
    assert.deepEqual(
      [args.host, args.port, args.tls, args.api, args.taxii],
      ['127.0.0.1', 0, false, 'both', '2.0'],
    )
    const options = aedOptionsFrom(args)
    assert.equal(options.seed, undefined)
    assert.deepEqual(options.taxiiBehaviour, {
      pendingPolls: 0,
      unsupportedPatterns: 'accept',
      duplicates: 'fail',
    })
  })

  it('lists are strict unless a flag says otherwise; --lenient-lists takes every lenient rule', () => {
    assert.deepEqual(aedOptionsFrom(parse([])).listRules, {})
    assert.deepEqual(createAedSimRules(parse([])), STRICT_LIST_RULES)
    assert.deepEqual(createAedSimRules(parse(['--lenient-lists'])), LENIENT_LIST_RULES)
    assert.deepEqual(createAedSimRules(parse(['--lenient-lists', '--list-filter', 'substring'])), {
      ...LENIENT_LIST_RULES,
      filter: 'substring',
    })
    assert.deepEqual(createAedSimRules(parse(['--list-readds', 'idempotent'])), {
      ...STRICT_LIST_RULES,
      readds: 'idempotent',
    })
  })

  it('maps the flags onto createAedSim options', () => {
    const options = aedOptionsFrom(
      parse([
        '--token',
        't',
        '--taxii-user',
        'u',
        '--taxii-password',
        'p',
        '--collection',
        'Feeds',
        '--api',
        'v3',
        '--taxii',
        'both',
        '--seed',
        '9',
        '--seed-alerts',
        '3',
        '--pending-polls',
        '2',
        '--max-content-length',
        '1000',
        '--unsupported-patterns',
        'reject',
        '--duplicates',
        'succeed',
        '--v3-accepts-v2-names',
      ]),
    )
    assert.deepEqual(
      [
        options.token,
        options.taxiiUser,
        options.taxiiPassword,
        options.collection,
        options.api,
        options.taxii,
      ],
      ['t', 'u', 'p', 'Feeds', 'v3', 'both'],
    )
    assert.deepEqual([options.seed, options.seedAlerts, options.v3AcceptsV2Names], [9, 3, true])
    assert.deepEqual(options.taxiiBehaviour, {
      pendingPolls: 2,
      unsupportedPatterns: 'reject',
      duplicates: 'succeed',
      maxContentLength: 1000,
    })
  })

  it('reads --faults inline or from @file, one rule or an array', () => {
    const rule = { match: { path: '/alerts/' }, fault: { status: 503 } }
    assert.deepEqual(readFaults(JSON.stringify([rule])), [rule])
    assert.deepEqual(readFaults(JSON.stringify(rule)), [rule])
    const dir = mkdtempSync(join(tmpdir(), 'aed-sim-faults-'))
    try {
      const file = join(dir, 'faults.json')
      writeFileSync(file, JSON.stringify([rule, rule]))
      assert.equal(readFaults(`@${file}`).length, 2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    assert.throws(() => readFaults('{nope'), SyntaxError)
  })
})

describe('aed-sim syslog flags', () => {
  it('default to ms rt, newline framing, no rate limit, another kind every 20 blocks and config changes notified', () => {
    const options = aedOptionsFrom(parse([]))
    assert.equal(options.hostname, 'aed-sim')
    assert.deepEqual(options.syslog, {
      rt: 'ms',
      framing: 'newline',
      rate: 0,
      batch: 500,
      otherEvery: 20,
      configChanges: true,
    })
  })

  it('map onto createAedSim options, and a sim refuses values it cannot use', () => {
    const args = parse([
      '--hostname',
      'edge-1',
      '--syslog-rt',
      's',
      '--syslog-framing',
      'octet-counting',
      '--syslog-rate',
      '2000',
      '--syslog-batch',
      '100',
      '--syslog-other-every',
      '0',
      '--syslog-config-changes',
      'off',
    ])
    assert.deepEqual(aedOptionsFrom(args).syslog, {
      rt: 's',
      framing: 'octet-counting',
      rate: 2000,
      batch: 100,
      otherEvery: 0,
      configChanges: false,
    })
    const sim = createAedSim(aedOptionsFrom(args))
    sim.close()
    for (const [flag, value] of [
      ['--syslog-batch', '0'],
      ['--syslog-rate', '-1'],
      ['--syslog-other-every', '-2'],
      ['--hostname', 'two words'],
    ] as const) {
      assert.throws(() => createAedSim(aedOptionsFrom(parse([flag, value]))), new RegExp(flag))
    }
  })
})
