import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { auditLine, AuditTally, NO_AUDIT, teeAudit, type AuditEvent } from './trail.js'

const AT = new Date('2026-12-07T10:00:00.123Z')

describe('audit trail lines', () => {
  it('one JSON line: time, run, action first, then the fields that are set, in one order', () => {
    const line = auditLine(
      {
        reason: 'joined the data collection',
        stix_id: 'indicator--1',
        threatq_id: 12,
        type: 'IP Address',
        value: '203.0.113.7',
        action: 'block',
      },
      AT,
      'run-1',
    )
    assert.ok(line.endsWith('\n'))
    assert.equal(line.split('\n').length, 2, 'exactly one line')
    assert.equal(
      line,
      '{"time":"2026-12-07T10:00:00.123Z","run":"run-1","action":"block","value":"203.0.113.7","type":"IP Address","threatq_id":12,"stix_id":"indicator--1","reason":"joined the data collection"}\n',
    )
  })

  it('a value with quotes, newlines or control characters stays one parseable line', () => {
    const value = 'http://x.example/a"b\nc\u0007'
    const line = auditLine({ action: 'refuse', value, reason: 'in never_block (x)' }, AT, 'r')
    assert.equal(line.split('\n').length, 2)
    assert.equal((JSON.parse(line) as { value: string }).value, value)
  })

  it('a record about many values (the mass guard) has a count and no value', () => {
    const parsed = JSON.parse(
      auditLine({ action: 'refuse', reason: 'mass guard: …', count: 40 }, AT, 'r'),
    ) as Record<string, unknown>
    assert.deepEqual(Object.keys(parsed), ['time', 'run', 'action', 'reason', 'count'])
  })

  it('the tally counts list entries added and removed per list; tee hands each event to all', () => {
    const tally = new AuditTally()
    const seen: AuditEvent[] = []
    const sink = teeAudit(tally, { record: (e) => seen.push(e) }, NO_AUDIT)
    const list = (action: AuditEvent['action'], name: string): AuditEvent => ({
      action,
      value: 'v',
      list: name,
      reason: 'r',
    })
    sink.record(list('block', 'outbound-denied-hosts'))
    sink.record(list('block', 'outbound-denied-hosts'))
    sink.record(list('unblock', 'outbound-denied-hosts'))
    sink.record(list('allow', 'outbound-allowed-hosts'))
    sink.record(list('refuse', 'outbound-denied-hosts'))
    sink.record({ action: 'block', value: 'v', stix_id: 'indicator--1', reason: 'r' })
    assert.equal(seen.length, 6)
    assert.deepEqual(Object.fromEntries(tally.lists()), {
      'outbound-denied-hosts': { added: 2, removed: 1 },
      'outbound-allowed-hosts': { added: 1, removed: 0 },
    })
  })
})
