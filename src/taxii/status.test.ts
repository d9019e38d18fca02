import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { EXIT, RunStopped } from '../errors.js'
import { statusSchema, type Status } from './schemas.js'
import { emptyResult, MAX_LISTED, mergeResult, resultOf, waitForStatus } from './status.js'

const base = { id: 's1', total_count: 3, success_count: 1, failure_count: 1, pending_count: 1 }

describe('statusSchema', () => {
  it('accepts 2.0 and 2.1 shapes', () => {
    assert.ok(
      statusSchema.safeParse({
        ...base,
        status: 'pending',
        successes: ['a'],
        failures: [{ id: 'b', message: 'm' }],
        pendings: ['c'],
      }).success,
    )
    assert.ok(
      statusSchema.safeParse({
        ...base,
        status: 'pending',
        successes: [{ id: 'a', version: 'v' }],
        failures: [{ id: 'b', version: 'v', message: 'm' }],
        pendings: [{ id: 'c', version: 'v' }],
      }).success,
    )
  })
  it('rejects counts that do not add up, and lists that disagree with their counts', () => {
    const bad = statusSchema.safeParse({ ...base, status: 'complete', total_count: 4 })
    assert.ok(!bad.success)
    assert.match(bad.error.issues[0]?.message ?? '', /is not total_count \(4\)/)
    assert.ok(!statusSchema.safeParse({ ...base, status: 'complete', failures: [] }).success)
  })
})

describe('resultOf', () => {
  it('reports counts, failures with messages, and what is still pending', () => {
    const status: Status = {
      ...base,
      status: 'pending',
      failures: [
        { id: 'indicator--b', version: '2026-01-01T00:00:00.000Z', message: 'bad pattern' },
      ],
      pendings: ['indicator--c'],
    }
    assert.deepEqual(resultOf(status, 3), {
      total: 3,
      success: 1,
      failure: 1,
      pending: 1,
      failures: [
        { id: 'indicator--b', version: '2026-01-01T00:00:00.000Z', message: 'bad pattern' },
      ],
      pendings: [{ id: 'indicator--c' }],
    })
  })
  it('never assumes success: unlisted failures and objects the status ignores are failures', () => {
    const status: Status = {
      id: 's',
      status: 'complete',
      total_count: 2,
      success_count: 1,
      failure_count: 1,
      pending_count: 0,
    }
    const result = resultOf(status, 3)
    assert.equal(result.failure, 2)
    assert.equal(result.success + result.failure + result.pending, result.total)
    assert.deepEqual(
      result.failures.map((f) => f.id),
      ['(unlisted)', '(unaccounted)'],
    )
  })
})

describe('waitForStatus', () => {
  const pending: Status = {
    id: 's',
    status: 'pending',
    total_count: 1,
    success_count: 0,
    failure_count: 0,
    pending_count: 1,
  }
  const complete: Status = { ...pending, status: 'complete', success_count: 1, pending_count: 0 }

  function clock() {
    let now = 0
    const slept: number[] = []
    return {
      slept,
      deps: {
        now: () => now,
        sleep: (ms: number) => {
          slept.push(ms)
          now += ms
          return Promise.resolve()
        },
      },
    }
  }

  it('does not poll a status that is already complete', async () => {
    const { slept, deps } = clock()
    let polls = 0
    await waitForStatus(
      complete,
      () => (polls++, Promise.resolve(complete)),
      { intervalMs: 1000, maxIntervalMs: 4000, timeoutMs: 60_000 },
      deps,
    )
    assert.equal(polls, 0)
    assert.deepEqual(slept, [])
  })
  it('waits with a growing, capped interval until complete', async () => {
    const { slept, deps } = clock()
    const answers = [pending, pending, pending, pending, complete]
    const final = await waitForStatus(
      pending,
      () => Promise.resolve(answers.shift() ?? complete),
      { intervalMs: 1000, maxIntervalMs: 3000, timeoutMs: 60_000 },
      deps,
    )
    assert.equal(final.status, 'complete')
    assert.deepEqual(slept, [1000, 1500, 2250, 3000, 3000])
  })
  it('gives up at the timeout and returns the last pending status', async () => {
    const { slept, deps } = clock()
    const final = await waitForStatus(
      pending,
      () => Promise.resolve(pending),
      { intervalMs: 1000, maxIntervalMs: 2000, timeoutMs: 5000 },
      deps,
    )
    assert.equal(final.status, 'pending')
    assert.deepEqual(slept, [1000, 1500, 2000, 500])
  })
  it('stops polling a status pending for ever when the run aborts, with the reason', async () => {
    const controller = new AbortController()
    const reason = new RunStopped(EXIT.failed, 'the run stopped at its deadline')
    let polls = 0
    // The real sleep and a day of timeout: only the abort (after the third poll) ends the wait.
    const waiting = waitForStatus(
      pending,
      () => {
        if (++polls === 3) controller.abort(reason)
        return Promise.resolve(pending)
      },
      { intervalMs: 1, maxIntervalMs: 60_000, timeoutMs: 86_400_000 },
      { now: () => Date.now(), sleep: (ms, signal) => delay(ms, undefined, { signal }) },
      controller.signal,
    )
    await assert.rejects(waiting, (e: unknown) => e === reason)
    assert.equal(polls, 3)
  })
})

describe('mergeResult', () => {
  it('keeps exact counts but lists at most MAX_LISTED failures, so a huge re-export stays small', () => {
    const total = emptyResult()
    for (let request = 0; request < 3; request++) {
      const failures = Array.from({ length: 600 }, (_, k) => ({
        id: `indicator--${String(request * 600 + k)}`,
        message: 'an object with this id and version already exists',
      }))
      mergeResult(total, { ...emptyResult(), total: 600, failure: 600, failures })
    }
    assert.equal(total.total, 1800)
    assert.equal(total.failure, 1800)
    assert.equal(total.failures.length, MAX_LISTED)
    assert.equal(total.failures[0]?.id, 'indicator--0', 'the first ones are kept')
  })
})
