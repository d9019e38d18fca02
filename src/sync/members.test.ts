import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readRecord, type TqRecord } from '../threatq/records.js'
import { memberFacts } from './members.js'

/** A membership record as ThreatQ sends it, read as the scans read it. */
function record(fields: Record<string, unknown>): TqRecord {
  const read = readRecord({
    id: 7,
    created_at: '2026-01-02 03:04:05',
    updated_at: '2026-01-03 03:04:05',
    ...fields,
  })
  assert.ok(read !== undefined, 'a plainly valid record')
  return read
}

describe('memberFacts', () => {
  it('reads the id, value, type and status names and the expiry in epoch ms', () => {
    assert.deepEqual(
      memberFacts(
        record({
          value: '203.0.113.9',
          type: { name: 'IP Address' },
          status: { name: 'Active' },
          expires_at: '2026-02-01 00:00:00',
        }),
      ),
      {
        id: 7,
        value: '203.0.113.9',
        type: 'IP Address',
        status: 'Active',
        expiresAt: Date.UTC(2026, 1, 1),
      },
    )
  })

  it('takes type and status given as plain names, and a numeric value as text', () => {
    const facts = memberFacts(record({ value: 42, type: 'ASN', status: 'Review' }))
    assert.equal(facts.value, '42')
    assert.equal(facts.type, 'ASN')
    assert.equal(facts.status, 'Review')
  })

  it('leaves out what the record does not say, and never reads a name as the value', () => {
    assert.deepEqual(
      memberFacts(record({ name: 'not a value', type: null, status: null, expires_at: null })),
      { id: 7, value: '', type: undefined, status: undefined, expiresAt: undefined },
    )
  })
})
