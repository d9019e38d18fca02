import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ExitError } from '../errors.js'
import {
  guardMassChange,
  MAX_RECORDS,
  prune,
  type MassGuardSettings,
  type RevocationRecord,
  windowExcess,
} from './mass-guard.js'

const HOUR = 3_600_000
const START = Date.parse('2026-03-01T00:00:00Z')
const words = {
  doing: 'sending',
  verb: 'revoke',
  heldWhat: 'objects AED holds from this instance',
  noun: 'revocations',
}

const settingsAt = (
  hours: number,
  history: readonly RevocationRecord[],
  extra: Partial<MassGuardSettings> = {},
): MassGuardSettings => ({
  dataCollection: 'Feed',
  maxRevokePercent: 20,
  allowMassRevoke: false,
  windowHours: 24,
  history,
  now: new Date(START + hours * HOUR),
  ...extra,
})

/**
 * A saved search that loses 19% of what AED holds each run, a run every `every` hours: the
 * 1-based run the guard stops, or undefined when all `runs` pass.
 */
interface Shrunk {
  /** The run that stopped, undefined when all passed. */
  run: number | undefined
  error: ExitError | undefined
  history: RevocationRecord[]
}

function shrink(runs: number, every: number, extra: Partial<MassGuardSettings> = {}): Shrunk {
  let held = 1000
  let history: RevocationRecord[] = []
  for (let run = 1; run <= runs; run++) {
    const count = Math.floor(held * 0.19)
    const change = {
      byReason: new Map([['left the data collection', count]]),
      count,
      held,
      members: held - count,
    }
    try {
      history = guardMassChange(change, settingsAt((run - 1) * every, history, extra), words)
    } catch (error) {
      assert.ok(error instanceof ExitError)
      return { run, error, history }
    }
    held -= count
  }
  return { run: undefined, error: undefined, history }
}

describe('mass guard: the per-run limit', () => {
  it('stops a run past max_revoke_percent, and one that would take everything', () => {
    const change = { byReason: new Map([['left', 30]]), count: 30, held: 100, members: 70 }
    assert.throws(
      () => guardMassChange(change, settingsAt(0, []), words),
      /30\.0%, max_revoke_percent is 20/,
    )
    const all = { byReason: new Map([['left', 1]]), count: 1, held: 1, members: 0 }
    assert.throws(
      () => guardMassChange(all, settingsAt(0, [], { maxRevokePercent: 100 }), words),
      ExitError,
    )
  })
})

describe('mass guard: the window (max_revoke_window_hours)', () => {
  it('19% a run, five runs within 24 h: the second run crosses the limit and stops, exit 3', () => {
    const { run, error } = shrink(5, 4)
    assert.equal(run, 2)
    assert.ok(error instanceof ExitError)
    assert.equal(error.code, 3)
    // 190 taken back, 153 more would make 343 of the 1000 held at the window's start.
    assert.match(
      error.message,
      /over the last 24 h \(max_revoke_window_hours\) runs since 2026-03-01T00:00:00\.000Z took back 190 and this run would revoke 153 more: 343 of the 1000 objects AED holds from this instance at the window's start \(34\.3%, max_revoke_percent is 20\).*--allow-mass-revoke \(the window then starts afresh\)/,
    )
  })

  it('the same shrink spread over days, one run every 25 h, passes each run', () => {
    const { run, history } = shrink(5, 25)
    assert.equal(run, undefined)
    assert.equal(history.length, 1, 'only the last run is still in its window')
  })

  it('with max_revoke_window_hours 0 each run is judged alone', () => {
    assert.equal(shrink(5, 1, { windowHours: 0 }).run, undefined)
  })

  it('--allow-mass-revoke lets the run through and starts the window afresh', () => {
    const history: RevocationRecord[] = [{ at: '2026-03-01T00:00:00.000Z', held: 1000, count: 190 }]
    const change = { byReason: new Map([['left', 153]]), count: 153, held: 810, members: 657 }
    assert.deepEqual(
      guardMassChange(change, settingsAt(4, history, { allowMassRevoke: true }), words),
      [],
    )
    // The next run after the override is judged against a fresh window.
    const next = { ...change, count: 100, held: 657 }
    assert.equal(guardMassChange(next, settingsAt(8, []), words).length, 1)
  })

  it('judges against what AED held at the start of the window, or more if it grew', () => {
    const at = new Date(START + 10 * HOUR)
    const history = [{ at: new Date(START).toISOString(), held: 10, count: 1 }]
    // AED grew from 10 to 1000 since: 6 of 1000 is no collapse.
    assert.equal(
      windowExcess({ count: 5, held: 1000 }, history, {
        maxRevokePercent: 20,
        windowHours: 24,
        now: at,
      }),
      undefined,
    )
    const excess = windowExcess({ count: 5, held: 9 }, history, {
      maxRevokePercent: 20,
      windowHours: 24,
      now: at,
    })
    assert.deepEqual(excess, { before: 1, count: 6, held: 10, since: history[0]?.at, percent: 60 })
  })

  it('a run that revokes nothing passes and adds no record; older records are pruned', () => {
    const history = [
      { at: new Date(START).toISOString(), held: 100, count: 5 },
      { at: new Date(START + 20 * HOUR).toISOString(), held: 95, count: 5 },
    ]
    const none = { byReason: new Map<string, number>(), count: 0, held: 90, members: 90 }
    assert.deepEqual(guardMassChange(none, settingsAt(25, history), words), history.slice(1))
  })

  it('stays bounded: past MAX_RECORDS the oldest records merge, and the total is kept', () => {
    const many = Array.from({ length: MAX_RECORDS + 50 }, (_, i) => ({
      at: new Date(START + i * 60_000).toISOString(),
      held: 100_000 - i,
      count: 1,
    }))
    const kept = prune(many, new Date(START + 10 * HOUR), 24)
    assert.equal(kept.length, MAX_RECORDS)
    assert.equal(
      kept.reduce((s, r) => s + r.count, 0),
      MAX_RECORDS + 50,
    )
    assert.equal(kept[0]?.at, many[0]?.at)
    assert.equal(kept[0]?.held, 100_000)
  })
})
