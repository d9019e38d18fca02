import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { formatTq, parseCanonical, parseGeneral, parseTq } from './time.js'

const NOW = Math.floor(Date.UTC(2026, 0, 3, 12) / 1000)

/** Text close to `YYYY-MM-DD HH:MM:SS`: digits, separators and the odd other character. */
const nearlyCanonical = fc
  .array(fc.constantFrom('0', '1', '2', '3', '5', '9', '-', ':', ' ', 'T', 'Z', '+', 'x', '٣'), {
    minLength: 17,
    maxLength: 21,
  })
  .map((chars) => chars.join(''))

/** Any date and time of years 0000-9999, some out of range (month 13, hour 24, day 00). */
const canonical = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 19 }),
    fc.integer({ min: 0, max: 39 }),
    fc.integer({ min: 0, max: 29 }),
    fc.integer({ min: 0, max: 69 }),
    fc.integer({ min: 0, max: 69 }),
    fc.constantFrom(' ', 'T'),
  )
  .map(([y, mo, d, h, mi, s, sep]) => {
    const two = (n: number): string => String(n).padStart(2, '0')
    return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}${sep}${two(h)}:${two(mi)}:${two(s)}`
  })

describe('ThreatQ dates', () => {
  it('read YYYY-MM-DD HH:MM:SS on the fast path exactly as the general parser does', () => {
    fc.assert(
      fc.property(canonical, (text) => {
        const fast = parseCanonical(text)
        assert.notEqual(fast, undefined, text)
        assert.equal(fast, parseGeneral(text, NOW), text)
      }),
      { numRuns: 2000 },
    )
  })

  it('leave every other text to the general parser, with the same result', () => {
    fc.assert(
      fc.property(fc.oneof(nearlyCanonical, fc.string({ maxLength: 25 })), (text) => {
        const fast = parseCanonical(text)
        if (fast !== undefined) assert.equal(fast, parseGeneral(text, NOW), text)
        assert.equal(parseTq(text, NOW), parseGeneral(text, NOW), text)
      }),
      { numRuns: 5000 },
    )
  })

  it('read back what they write, and relative and offset forms', () => {
    assert.equal(parseTq(formatTq(NOW), 0), NOW)
    assert.equal(parseTq('2026-01-03 12:00:00', 0), NOW)
    assert.equal(parseTq(' 2026-01-03 12:00:00 ', 0), NOW)
    assert.equal(parseTq('2026-01-03T13:00:00+01:00', 0), NOW)
    assert.equal(parseTq('NOW-1 day', NOW), NOW - 86400)
    assert.equal(parseTq('2026-01-03 12:00:0x', NOW), undefined)
  })
})
