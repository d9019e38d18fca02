import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { formatThreatqTime, parseThreatqTime } from './model.js'

describe('ThreatQ times', () => {
  it('reads YYYY-MM-DD HH:MM:SS as UTC and writes it back', () => {
    const date = parseThreatqTime('2024-02-29 23:59:59')
    assert.ok(date !== undefined)
    assert.equal(date.toISOString(), '2024-02-29T23:59:59.000Z')
    assert.equal(formatThreatqTime(date), '2024-02-29 23:59:59')
  })

  for (const text of [
    '2024-02-30 00:00:00',
    '2023-02-29 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 00:60:00',
    '2024-13-01 00:00:00',
    'yesterday',
  ])
    it(`refuses ${text} instead of rolling it over`, () => {
      assert.equal(parseThreatqTime(text), undefined)
    })
})

/** A plain reader (regex and Date.UTC), kept as the oracle for the hand-written one. */
function regexReader(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|\+00:?00)?$/.exec(
    text.trim(),
  )
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  const exact =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  return exact ? date : undefined
}

describe('the ThreatQ time reader', () => {
  it('accepts and refuses exactly what the regex reader did', () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${String(n)}}$`))
    const near = fc
      .tuple(
        digits(4),
        fc.constantFrom('-', '/'),
        digits(2),
        digits(2),
        fc.constantFrom(' ', 'T', 't', '  '),
        digits(2),
        digits(2),
        digits(2),
        fc.constantFrom('', '.', '.5', '.123456', '.x'),
        fc.constantFrom('', 'Z', '+00:00', '+0000', '+01:00', 'z', ' ', '\n'),
        fc.constantFrom('', ' ', '\t'),
      )
      .map(
        ([y, dash, mo, d, sep, h, mi, s, frac, zone, pad]) =>
          `${pad}${y}${dash}${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}${pad}`,
      )
    const plausible = fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 24 }),
        mi: fc.integer({ min: 0, max: 60 }),
        s: fc.integer({ min: 0, max: 60 }),
      })
      .map(({ y, mo, d, h, mi, s }) => {
        const p = (n: number, w = 2) => String(n).padStart(w, '0')
        return `${p(y, 4)}-${p(mo)}-${p(d)} ${p(h)}:${p(mi)}:${p(s)}`
      })
    fc.assert(
      fc.property(fc.oneof(near, plausible, fc.string({ maxLength: 30 })), (text) => {
        assert.deepEqual(parseThreatqTime(text), regexReader(text))
      }),
      { numRuns: 30_000 },
    )
  })
})
