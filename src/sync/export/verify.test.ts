import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { StixObject } from '../../stix/types.js'
import { DROPPED, LIVE, REVOKED } from './key-table.js'
import { UNKNOWN_VERSION } from './ledger.js'
import { relationshipGeneration } from './sync-plan.js'
import { stateFromCopy } from './verify.js'

const copy = (revoked?: boolean): StixObject => ({
  type: 'indicator',
  id: 'indicator--x',
  ...(revoked === undefined ? {} : { revoked }),
})

describe("--full against AED's copies", () => {
  it('a copy revoked behind the ledger makes the entry revoked (next generation); none drops it', () => {
    assert.equal(stateFromCopy(copy(true)), REVOKED)
    assert.equal(stateFromCopy(undefined), DROPPED)
    assert.equal(stateFromCopy(copy()), undefined)
    assert.equal(stateFromCopy(copy(false)), undefined)
  })
})

describe('relationship generations', () => {
  it('an unknown version after a kill is re-sent under the same id', () => {
    assert.equal(relationshipGeneration(LIVE, 0, UNKNOWN_VERSION, 0), 0)
    assert.equal(relationshipGeneration(LIVE, 2, UNKNOWN_VERSION, 0x10001), 2)
  })
  it('current or never sent: the same id; revoked or ends with new ids: the next', () => {
    assert.equal(relationshipGeneration(LIVE, 1, 5, 5), 1)
    assert.equal(relationshipGeneration(DROPPED, 1, 0, 5), 1)
    assert.equal(relationshipGeneration(REVOKED, 1, 0, 5), 2)
    assert.equal(relationshipGeneration(LIVE, 1, 0x10000, 0x10001), 2)
  })
})
