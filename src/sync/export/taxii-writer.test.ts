import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ExitError } from '../../errors.js'
import { emptyResult, type AddResult } from '../../taxii/status.js'
import { ReasonLog } from '../reasons.js'
import { newSummary } from '../summary.js'
import { LIVE } from './key-table.js'
import { type LedgerUpdate, UPDATE } from './ledger.js'
import {
  acknowledgedBy,
  classify,
  committed,
  IDENTICAL_VERSION,
  taxiiWriter,
} from './taxii-writer.js'
import { sentFigure } from './writer.js'

const update = (a: number): LedgerUpdate => ({
  kind: UPDATE.OBJECT,
  a,
  b: 0,
  state: LIVE,
  gen: 0,
  version: 1,
})
const result = (over: Partial<AddResult>): AddResult => ({ ...emptyResult(), ...over })
const DUPLICATE = 'Unable to process object because identical version exist.'

describe("AED's answer to a request", () => {
  it('commits what AED stored or held already; not what it refused or left pending', () => {
    const inflight = new Map([
      ['a', [update(1)]],
      ['b', [update(2)]],
      ['c', [update(3)]],
      ['d', [update(4)]],
    ])
    const done = committed(
      result({
        success: 1,
        failures: [
          { id: 'b', message: DUPLICATE },
          { id: 'c', message: 'bad pattern' },
        ],
        pendings: [{ id: 'd' }],
      }),
      [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'untracked' }],
      inflight,
    )
    assert.deepEqual(
      done.updates.map((u) => u.a),
      [1, 2],
    )
    assert.deepEqual(done.settled, ['a', 'b', 'c', 'd'])
    assert.deepEqual([...done.stored], ['a', 'b'])
    assert.equal(inflight.size, 0)
  })

  it('acknowledges what AED stored and what it held in that version', () => {
    assert.equal(
      acknowledgedBy(
        result({
          success: 3,
          failures: [
            { id: 'b', message: DUPLICATE },
            { id: 'c', message: 'bad' },
          ],
        }),
      ),
      4,
    )
    assert.match(DUPLICATE, IDENTICAL_VERSION)
  })

  it('counts a held object unchanged and a refused one rejected, each taken back from its sent figure', () => {
    const summary = newSummary('export')
    summary.sent.add('indicator', 2)
    summary.sent.add('indicator (revoked)')
    const revoked = new Set(['indicator--r'])
    classify(
      result({
        failures: [
          { id: 'indicator--a', message: DUPLICATE },
          { id: 'indicator--r', message: 'no thanks' },
        ],
      }),
      summary,
      new ReasonLog('rejected'),
      revoked,
    )
    assert.deepEqual(summary.sent.toJSON(), { indicator: 1 })
    assert.deepEqual(summary.unchanged.toJSON(), { indicator: 1 })
    assert.deepEqual(summary.rejected.toJSON(), { 'no thanks': 1 })
  })

  it('fails the run when AED had not finished', () => {
    assert.throws(
      () => {
        classify(result({ pending: 2 }), newSummary('export'), new ReasonLog('r'), new Set())
      },
      (error: unknown) => error instanceof ExitError && /2 object\(s\)/.test(error.message),
    )
  })

  it('names a revocation by `<type> (revoked)`, anything else by its type', () => {
    assert.equal(sentFigure('malware--1', new Set(['malware--1'])), 'malware (revoked)')
    assert.equal(sentFigure('malware--1', new Set()), 'malware')
  })

  it('writes to AED: the ledger is opened to be saved', () => {
    assert.equal(taxiiWriter.readOnly, false)
  })
})
