import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { blockReason } from './collect.js'
import { type EntryState, LIVE, REVOKED } from './key-table.js'
import { objectKey, UPDATE } from './ledger.js'
import { memoryLedger } from './ledger-testing.js'
import { generationOf, refsDigest, wantsSend } from './sync-plan.js'

const T = Date.UTC(2026, 10, 1, 8, 0, 0)
const NO_FORCE = { full: false, sendSince: undefined }

function held(state: EntryState, gen = 0) {
  const ledger = memoryLedger()
  const key = objectKey('malware', 4)
  ledger.apply({ kind: UPDATE.OBJECT, a: key, b: 0, state, gen, version: T / 1000 })
  return { ledger, slot: ledger.objects.find(key) }
}

describe('when a wanted object is sent, and why', () => {
  it('new, revoked, changed, --full, --since: sent; held at this version: not', () => {
    const { ledger, slot } = held(LIVE)
    assert.equal(wantsSend(ledger, -1, T, NO_FORCE), true)
    assert.equal(wantsSend(held(REVOKED).ledger, slot, T, NO_FORCE), true)
    assert.equal(wantsSend(ledger, slot, T + 1000, NO_FORCE), true)
    assert.equal(wantsSend(ledger, slot, T + 999, NO_FORCE), false)
    assert.equal(wantsSend(ledger, slot, T, { full: true, sendSince: undefined }), true)
    assert.equal(wantsSend(ledger, slot, T, { full: false, sendSince: T }), true)
    assert.equal(wantsSend(ledger, slot, T, { full: false, sendSince: T + 1 }), false)
  })

  it('the audit trail says why an indicator is blocked', () => {
    const { ledger, slot } = held(LIVE)
    assert.equal(blockReason(ledger, -1, T), 'joined the data collection')
    assert.match(blockReason(held(REVOKED).ledger, slot, T), /^exportable again/)
    assert.equal(blockReason(ledger, slot, T + 1000), 'changed in ThreatQ')
    assert.equal(blockReason(ledger, slot, T), 'sent again (--full or --since)')
  })
})

describe('id generations and report digests', () => {
  it('a revoked object comes back under its next generation; an unknown one under 0', () => {
    const ref = { collection: 'malware' as const, id: 4 }
    assert.equal(generationOf(held(LIVE, 2).ledger, ref), 2)
    assert.equal(generationOf(held(REVOKED, 2).ledger, ref), 3)
    assert.equal(generationOf(held(LIVE).ledger, { collection: 'tool', id: 4 }), 0)
  })

  it('the refs digest does not depend on their order', () => {
    assert.equal(refsDigest(['b', 'a']), refsDigest(['a', 'b']))
    assert.notEqual(refsDigest(['a']), refsDigest(['a', 'b']))
  })
})
