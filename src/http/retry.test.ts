import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { RemoteError } from './errors.js'
import { EXIT, RunStopped } from '../errors.js'
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  realRetryDeps,
  retryDelay,
  withRetry,
  type RetryDeps,
} from './retry.js'
import { silentLogger } from '../log/logger.js'

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0)

function httpError(status: number, retryable: boolean, retryAfter?: string): RemoteError {
  return new RemoteError({
    system: 'aed',
    kind: 'http',
    method: 'GET',
    url: 'https://aed.example/api/x',
    status,
    retryable,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  })
}

/** A fake clock: sleeping advances it, and every sleep is recorded. */
function fakeDeps(random = 0.5): RetryDeps & { slept: number[] } {
  let now = NOW
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    random: () => random,
    logger: silentLogger,
    sleep: (ms) => {
      slept.push(ms)
      now += ms
      return Promise.resolve()
    },
  }
}

/** An attempt that always fails with `make(attempt number)`, counting its calls. */
function alwaysFailing(make: (attempt: number) => Error) {
  const counter = { calls: 0 }
  const attempt = (n: number): Promise<never> => {
    counter.calls = n
    return Promise.reject(make(n))
  }
  return { attempt, counter }
}

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('2', NOW), 2000)
    assert.equal(parseRetryAfter(' 0 ', NOW), 0)
  })
  it('reads the three HTTP-date forms as GMT, whatever the host zone', () => {
    assert.equal(parseRetryAfter('Fri, 27 Nov 2026 12:00:30 GMT', NOW), 30_000)
    assert.equal(parseRetryAfter('Friday, 27-Nov-26 12:01:00 GMT', NOW), 60_000)
    assert.equal(parseRetryAfter('Fri Nov 27 12:00:05 2026', NOW), 5000)
  })
  it('treats a date in the past as no wait', () => {
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 12:00:00 GMT', NOW), 0)
  })
  it('rejects malformed values so the caller falls back to backoff', () => {
    for (const bad of ['', 'soon', '-1', '1.5', 'Fri, 31 Feb 2026 12:00:00 GMT', '2026-11-27']) {
      assert.equal(parseRetryAfter(bad, NOW), undefined, bad)
    }
  })
})

describe('retryDelay', () => {
  it('honours Retry-After up to the cap', () => {
    const deps = { now: () => NOW, random: () => 0.5 }
    assert.equal(retryDelay(httpError(429, true, '3'), 1, DEFAULT_RETRY, deps), 3000)
    assert.equal(
      retryDelay(httpError(429, true, '86400'), 1, DEFAULT_RETRY, deps),
      DEFAULT_RETRY.maxRetryAfterMs,
    )
  })
  it('falls back to full-jitter backoff on a malformed Retry-After', () => {
    const deps = { now: () => NOW, random: () => 0.5 }
    assert.equal(retryDelay(httpError(503, true, 'later'), 3, DEFAULT_RETRY, deps), 1000)
  })
  it('keeps every backoff delay within [0, min(maxDelay, base * 2^(n-1)))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const ms = retryDelay(httpError(503, true), n, DEFAULT_RETRY, {
            now: () => NOW,
            random: () => r,
          })
          const cap = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** (n - 1))
          return ms >= 0 && ms < cap
        },
      ),
    )
  })
})

describe('withRetry', () => {
  it('retries retryable errors with the expected delays, then returns', async () => {
    const deps = fakeDeps()
    const errors = [httpError(503, true), httpError(429, true, '7')]
    const log: number[] = []
    const result = await withRetry(
      (n) => {
        log.push(n)
        const error = errors.shift()
        return error === undefined ? Promise.resolve('ok') : Promise.reject(error)
      },
      DEFAULT_RETRY,
      deps,
    )
    assert.equal(result, 'ok')
    assert.deepEqual(log, [1, 2, 3])
    assert.deepEqual(deps.slept, [250, 7000])
  })

  it('never retries a non-retryable error', async () => {
    const deps = fakeDeps()
    const { attempt, counter } = alwaysFailing(() => httpError(404, false))
    await assert.rejects(
      withRetry(attempt, DEFAULT_RETRY, deps),
      (e: unknown) => e instanceof RemoteError && e.status === 404,
    )
    assert.equal(counter.calls, 1)
    assert.deepEqual(deps.slept, [])
  })

  it('never retries errors that are not RemoteError (bugs must surface)', async () => {
    const { attempt, counter } = alwaysFailing(() => new TypeError('bug'))
    await assert.rejects(withRetry(attempt, DEFAULT_RETRY, fakeDeps()), TypeError)
    assert.equal(counter.calls, 1)
  })

  it('stops after maxAttempts and rethrows the last error', async () => {
    const deps = fakeDeps()
    const { attempt, counter } = alwaysFailing((n) => httpError(500 + n, true))
    await assert.rejects(
      withRetry(attempt, { ...DEFAULT_RETRY, maxAttempts: 3 }, deps),
      (e: unknown) => e instanceof RemoteError && e.status === 503,
    )
    assert.equal(counter.calls, 3)
    assert.equal(deps.slept.length, 2)
  })

  it('stops when the next delay would pass the total time budget', async () => {
    const deps = fakeDeps()
    const { attempt, counter } = alwaysFailing(() => httpError(429, true, '60'))
    await assert.rejects(
      withRetry(attempt, { ...DEFAULT_RETRY, maxAttempts: 10, maxElapsedMs: 150_000 }, deps),
    )
    assert.equal(counter.calls, 3)
    assert.deepEqual(deps.slept, [60_000, 60_000])
  })

  it('makes no attempt once aborted, and throws the abort reason itself', async () => {
    const controller = new AbortController()
    const reason = new RunStopped(EXIT.failed, 'the run stopped at its deadline')
    controller.abort(reason)
    const { attempt, counter } = alwaysFailing(() => httpError(503, true, '1'))
    await assert.rejects(
      withRetry(attempt, DEFAULT_RETRY, undefined, controller.signal),
      (e: unknown) => e === reason,
    )
    assert.equal(counter.calls, 0)
  })

  it('ends a back-off sleep when the signal aborts, with its reason, and retries no more', async () => {
    const controller = new AbortController()
    const reason = new RunStopped(EXIT.interrupted, 'interrupted by SIGINT')
    const { attempt, counter } = alwaysFailing(() => httpError(503, true, '3600'))
    // The real sleep (an hour, Retry-After: 3600): only the abort can end it.
    const deps: RetryDeps = {
      ...realRetryDeps,
      sleep: (ms, signal) => {
        const sleeping = realRetryDeps.sleep(ms, signal)
        controller.abort(reason)
        return sleeping
      },
    }
    await assert.rejects(
      withRetry(
        attempt,
        { ...DEFAULT_RETRY, maxRetryAfterMs: 3_600_000, maxElapsedMs: 7_200_000 },
        deps,
        controller.signal,
      ),
      (e: unknown) => e === reason,
    )
    assert.equal(counter.calls, 1)
  })

  it('does not retry a retryable failure that comes after the abort: the abort is thrown', async () => {
    const controller = new AbortController()
    const reason = new RunStopped(EXIT.terminated, 'interrupted by SIGTERM')
    const { attempt, counter } = alwaysFailing(() => {
      controller.abort(reason)
      return httpError(503, true)
    })
    await assert.rejects(
      withRetry(attempt, DEFAULT_RETRY, fakeDeps(), controller.signal),
      (e: unknown) => e === reason,
    )
    assert.equal(counter.calls, 1)
  })

  it('logs each retry at debug with the request and the delay', async () => {
    const lines: object[] = []
    const deps = { ...fakeDeps(), logger: { ...silentLogger, debug: (f: object) => lines.push(f) } }
    const errors = [httpError(502, true)]
    await withRetry(
      () => {
        const e = errors.shift()
        return e === undefined ? Promise.resolve(1) : Promise.reject(e)
      },
      DEFAULT_RETRY,
      deps,
    )
    assert.deepEqual(lines, [
      {
        system: 'aed',
        method: 'GET',
        url: 'https://aed.example/api/x',
        attempt: 1,
        kind: 'http',
        status: 502,
        delayMs: 250,
      },
    ])
  })
})
