import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { isoMillis, utcMillis } from './utc.js'

const YEAR_0 = -62_167_219_200_000
const YEAR_10000 = 253_402_300_800_000

/** What `Date` says: the fields' epoch ms when they name a real instant, without rollover. */
function dateOracle(y: number, mo: number, d: number, h: number, mi: number, s: number) {
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, 0)
  const exact =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  return exact ? date.getTime() : undefined
}

describe('UTC arithmetic', () => {
  it('formats every instant of years 0000-9999 as toISOString does', () => {
    assert.equal(new Date(YEAR_0).toISOString(), '0000-01-01T00:00:00.000Z')
    for (const ms of [YEAR_0, YEAR_10000 - 1, 0, -1, 951_782_400_000, 1_709_251_199_999])
      assert.equal(isoMillis(ms), new Date(ms).toISOString())
    fc.assert(
      fc.property(fc.integer({ min: YEAR_0, max: YEAR_10000 - 1 }), (ms) => {
        assert.equal(isoMillis(ms), new Date(ms).toISOString())
      }),
      { numRuns: 20_000 },
    )
  })

  it('turns fields into epoch ms exactly when Date agrees they name a real instant', () => {
    const field = (max: number) => fc.oneof(fc.integer({ min: -2, max }), fc.constant(Number.NaN))
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        field(14),
        field(32),
        field(25),
        field(61),
        field(61),
        (y, mo, d, h, mi, s) => {
          assert.equal(utcMillis(y, mo, d, h, mi, s), dateOracle(y, mo, d, h, mi, s))
        },
      ),
      { numRuns: 20_000 },
    )
    // Every day of two leap-rule centuries.
    for (const y of [1900, 2000, 2023, 2024])
      for (let mo = 1; mo <= 12; mo++)
        for (let d = 28; d <= 31; d++)
          assert.equal(
            utcMillis(y, mo, d, 0, 0, 0),
            dateOracle(y, mo, d, 0, 0, 0),
            `${y}-${mo}-${d}`,
          )
  })
})
