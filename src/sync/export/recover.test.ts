import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exportRecovery } from './recover.js'

describe('export ledger recovery decision', () => {
  const lost = { kind: 'lost', detail: 'd' } as const
  const corrupt = { kind: 'corrupt', detail: 'd', movedTo: 'm' } as const
  const retargeted = { kind: 'retargeted', detail: 'd', movedTo: 'm' } as const

  it('rebuilds a lost or corrupt ledger from a readable collection, as a fault', () => {
    assert.deepEqual(exportRecovery(lost, true), { fault: true, step: 'rebuild' })
    assert.deepEqual(exportRecovery(corrupt, true), { fault: true, step: 'rebuild' })
  })

  it('starts empty when the collection cannot be read back (can_read false), still a fault', () => {
    assert.deepEqual(exportRecovery(lost, false), { fault: true, step: 'start-empty' })
    assert.deepEqual(exportRecovery(corrupt, false), { fault: true, step: 'start-empty' })
  })

  it('starts a new ledger for another target, and that is no fault', () => {
    assert.deepEqual(exportRecovery(retargeted, true), { fault: false, step: 'start-empty' })
    assert.deepEqual(exportRecovery(retargeted, false), { fault: false, step: 'start-empty' })
  })
})
