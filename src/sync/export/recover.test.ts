import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { relationshipId, stixIdOf } from './convert.js'
import { LIVE, REVOKED } from './key-table.js'
import { objectKey, UPDATE } from './ledger.js'
import { memoryLedger } from './ledger-testing.js'
import { EXPORT_LEDGER, exportRecovery, objectProbe, relationshipProbe } from './recover.js'
import { describeLedgerProblem, type LedgerProblem, type Recovery } from '../ledger-file.js'
import { LEDGER_PROBLEMS } from '../../../test/helpers/ledger-problems.js'

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
  const { lost, corrupt, moved } = LEDGER_PROBLEMS

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

describe('what a rebuild reads back from AED', () => {
  const host = 'tq.example'
  const ind = { collection: 'indicators', id: 1 } as const
  const mal = { collection: 'malware', id: 2 } as const

  it("an object's ids by generation; a live copy's version is its modified second", () => {
    const p = objectProbe(ind, host)
    assert.deepEqual([p.kind, p.a, p.gen], [UPDATE.OBJECT, objectKey('indicators', 1), 0])
    assert.equal(p.id(3), stixIdOf(ind, host, 3))
    const copy = { type: 'indicator', id: p.id(0), modified: '2026-11-01T00:00:01.900Z' }
    assert.equal(p.version(copy), Date.UTC(2026, 10, 1, 0, 0, 1) / 1000)
  })

  it("a relationship's version is its ends' generations, as the ledger knows them by then", () => {
    const ledger = memoryLedger(host)
    const p = relationshipProbe(ledger, ind, mal, host)
    assert.equal(p.id(1), relationshipId(ind, mal, host, 1))
    const copy = { type: 'relationship', id: p.id(0) }
    assert.equal(p.version(copy), 0)
    // The indicator was found revoked in generation 0: it is exported under generation 1.
    ledger.apply({
      kind: UPDATE.OBJECT,
      a: objectKey('indicators', 1),
      b: 0,
      state: REVOKED,
      gen: 0,
      version: 0,
    })
    ledger.apply({
      kind: UPDATE.OBJECT,
      a: objectKey('malware', 2),
      b: 0,
      state: LIVE,
      gen: 0,
      version: 5,
    })
    assert.notEqual(p.version(copy), 0)
  })
})
