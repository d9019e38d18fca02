import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EXPORT_LEDGER, exportRecovery } from './recover.js'
import { describeLedgerProblem, type LedgerProblem, type Recovery } from '../ledger-file.js'

const REBUILD: Recovery = { fault: true, step: 'rebuild' }
const EMPTY_FAULT: Recovery = { fault: true, step: 'start-empty' }
const FRESH: Recovery = { fault: false, step: 'start-empty' }

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

describe('export ledger problem messages', () => {
  const lost: LedgerProblem = { kind: 'lost', detail: 'f is missing' }
  const corrupt: LedgerProblem = { kind: 'corrupt', detail: 'bad', movedTo: 'f.corrupt-1' }
  const moved: LedgerProblem = { kind: 'retargeted', detail: 'of x', movedTo: 'f.retargeted-1' }

  it('tells each problem in the one shape, promising no rebuild it will not make', () => {
    const cases: [LedgerProblem, Recovery, string][] = [
      [
        lost,
        REBUILD,
        "the export ledger is lost: f is missing; this run rebuilds it from AED's copies of what the data collection holds now; objects that left the collection while it was missing stay in AED until you remove them there",
      ],
      [
        moved,
        FRESH,
        'the export ledger belongs to another target (of x); it was moved to f.retargeted-1; this run starts a new one',
      ],
      [lost, EMPTY_FAULT, 'the export ledger is lost: f is missing; this run starts a new one'],
      [
        corrupt,
        EMPTY_FAULT,
        'the export ledger is corrupt (bad); it was moved to f.corrupt-1; this run starts a new one',
      ],
    ]
    for (const [problem, recovery, message] of cases)
      assert.equal(describeLedgerProblem(problem, recovery, EXPORT_LEDGER), message)
  })
})
