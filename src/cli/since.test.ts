import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as chrono from 'chrono-node'
import fc from 'fast-check'
import { ConfigError } from '../errors.js'
import { parseFixedAgo, parseSince } from './since.js'

const now = new Date('2026-03-10T12:00:00.000Z')
const iso = async (text: string): Promise<string> => (await parseSince(text, now)).toISOString()

async function inZone(zone: string, run: () => unknown): Promise<void> {
  const host = process.env.TZ
  process.env.TZ = zone
  try {
    await run()
  } finally {
    if (host === undefined) delete process.env.TZ
    else process.env.TZ = host
  }
}

describe('--since', () => {
  it('reads ISO-8601 as UTC whatever the host zone', async () => {
    assert.equal(await iso('2026-03-01'), '2026-03-01T00:00:00.000Z')
    assert.equal(await iso('2026-03-01T08:30'), '2026-03-01T08:30:00.000Z')
    assert.equal(await iso('2026-03-01 08:30:15'), '2026-03-01T08:30:15.000Z')
    assert.equal(await iso('2026-03-01T08:30:15.5+02:00'), '2026-03-01T06:30:15.500Z')
    assert.equal(await iso('2026-03-01T08:30:15-0500'), '2026-03-01T13:30:15.000Z')
  })

  it('reads relative times against now', async () => {
    assert.equal(await iso('7 days ago'), '2026-03-03T12:00:00.000Z')
    assert.equal(await iso('12 hours ago'), '2026-03-10T00:00:00.000Z')
  })

  it('refuses times before 1970, which neither side can ask for', async () => {
    await assert.rejects(parseSince('3000 years ago', now), /before 1970-01-01; use --full/)
    await assert.rejects(parseSince('1969-12-31T23:59:59Z', now), /before 1970-01-01/)
    assert.equal(await iso('1970-01-01'), '1970-01-01T00:00:00.000Z')
  })

  for (const bad of ['2026-02-31', '2026-13-01', 'soon-ish', '30d', '', '2026-03-11', 'in 3 days'])
    it(`refuses ${JSON.stringify(bad)}`, async () => {
      await assert.rejects(parseSince(bad, now), ConfigError)
    })

  it('reads "N units ago" (seconds to weeks) without chrono, exactly as chrono reads it', async () => {
    const phrase = fc
      .record({
        n: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 9_999_999 })),
        unit: fc.constantFrom('second', 'minute', 'hour', 'day', 'week'),
        plural: fc.boolean(),
        gap: fc.constantFrom('', ' ', '  '),
        before: fc.constantFrom(' ', '   '),
        upper: fc.boolean(),
      })
      .map(({ n, unit, plural, gap, before, upper }) => {
        const text = `${String(n)}${gap}${unit}${plural ? 's' : ''}${before}ago`
        return upper ? text.toUpperCase() : text
      })
    const instant = fc.date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    // The oracle runs in UTC: chrono itself is off by an hour where the host zone skips a wall time.
    await inZone('UTC', () => {
      fc.assert(
        fc.property(phrase, instant, (text, at) => {
          const fast = parseFixedAgo(text, at)
          assert.ok(fast !== undefined, text)
          const slow = chrono.parseDate(
            text,
            { instant: at, timezone: 'UTC' },
            { forwardDate: false },
          )
          assert.equal(fast.getTime(), slow?.getTime(), text)
        }),
        { numRuns: 2000 },
      )
    })
  })

  it('reads phrases in UTC even where the host zone skips that wall time for daylight saving', async () => {
    // 02:45 on 2028-09-24 does not exist in Pacific/Chatham (clocks go from 02:45 to 03:45).
    await inZone('Pacific/Chatham', async () => {
      const gap = new Date('2028-09-24T02:45:00.000Z')
      assert.equal(
        (await parseSince('2 months ago', gap)).toISOString(),
        '2028-07-24T02:45:00.000Z',
      )
      assert.equal((await parseSince('an hour ago', gap)).toISOString(), '2028-09-24T01:45:00.000Z')
      assert.equal(process.env.TZ, 'Pacific/Chatham', 'the host zone is restored')
    })
  })

  it('leaves other phrases to chrono', async () => {
    for (const text of ['2 months ago', '1 year ago', 'an hour ago', 'yesterday', '2 hours before'])
      assert.equal(parseFixedAgo(text, now), undefined, text)
    assert.equal(await iso('2 months ago'), '2026-01-10T12:00:00.000Z')
    assert.equal(await iso('an hour ago'), '2026-03-10T11:00:00.000Z')
  })
})
