/** The runner's merge of a partial suite run into the suite's earlier rows. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BenchResult, mergeResults, parseReport } from './harness.js'

const row = (name: string, seconds = 1): BenchResult => ({
  suite: 'connector',
  case: name,
  objects: 10,
  seconds,
  requests: 1,
  peakRssMb: 100,
})
const names = (rows: readonly BenchResult[]): string[] => rows.map((r) => r.case)

describe('mergeResults', () => {
  const earlier = [row('export 10k'), row('export 1M'), row('sync 1M'), row('import 10k')]

  it('replaces measured rows in place and keeps the others as they were', () => {
    const merged = mergeResults(earlier, [row('export 1M', 2)])
    assert.deepEqual(names(merged), names(earlier))
    assert.equal(merged[1]?.seconds, 2)
    assert.deepEqual(merged[0], earlier[0])
    assert.deepEqual(merged[3], earlier[3])
  })

  it('puts a new row after the measured row before it, or at the end', () => {
    const after = mergeResults(earlier, [row('export 1M', 2), row('export 1M: TAXII')])
    assert.deepEqual(names(after), [
      'export 10k',
      'export 1M',
      'export 1M: TAXII',
      'sync 1M',
      'import 10k',
    ])
    const appended = mergeResults(earlier, [row('lists 10k: first'), row('lists 10k: churn')])
    assert.deepEqual(names(appended).slice(-2), ['lists 10k: first', 'lists 10k: churn'])
    assert.equal(appended.length, 6)
  })

  it('tells rows of other suites apart by suite', () => {
    const other = { ...row('export 1M', 3), suite: 'taxii' }
    assert.equal(mergeResults(earlier, [other]).length, 5)
  })
})

describe('parseReport', () => {
  it('reads the partial flag, and a bare array as a full run', () => {
    const results = [row('a')]
    assert.deepEqual(
      parseReport(`x\nBENCH_RESULTS ${JSON.stringify({ results, partial: true })}\n`),
      { results, partial: true },
    )
    assert.deepEqual(parseReport(`BENCH_RESULTS ${JSON.stringify(results)}\n`), {
      results,
      partial: false,
    })
    assert.deepEqual(parseReport('no report'), { results: [], partial: false })
  })
})
