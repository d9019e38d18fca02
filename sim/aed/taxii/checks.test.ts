import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { STIX_ID, TIMESTAMP, checkStixId, isTimestamp } from './checks.js'

/** Valid strings, then each one edited: a character replaced, inserted or dropped. */
function nearValid(valid: fc.Arbitrary<string>, alphabet: string[]): fc.Arbitrary<string> {
  const char = fc.oneof(
    fc.constantFrom(...alphabet),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )
  return fc.oneof(
    valid,
    fc
      .tuple(valid, fc.nat(), char, fc.constantFrom('replace', 'insert', 'drop'))
      .map(([text, at, c, edit]) => {
        const i = at % (text.length + 1)
        if (edit === 'insert') return text.slice(0, i) + c + text.slice(i)
        return text.slice(0, i) + (edit === 'replace' ? c : '') + text.slice(i + 1)
      }),
    fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
  )
}

/** What the store decided with the regex before the hand-written check. */
function byRegex(id: string, type: unknown): string {
  const m = STIX_ID.exec(id)
  if (m === null) return 'malformed'
  return m[1] === type ? 'ok' : 'type mismatch'
}

describe('ingestion identity checks agree with their regexes', () => {
  it('checkStixId accepts, rejects and compares the prefix exactly as STIX_ID does', () => {
    // fast-check cannot generate from an /i regex: lower-case ids, some letters then upper-cased.
    const valid = fc
      .tuple(fc.stringMatching(new RegExp(STIX_ID.source)), fc.array(fc.boolean()))
      .map(([id, upper]) => {
        let i = 0
        return id.replace(/[a-z]/g, (c) =>
          upper[i++ % Math.max(upper.length, 1)] ? c.toUpperCase() : c,
        )
      })
    const ids = nearValid(valid, ['a', 'A', 'f', 'F', 'g', 'G', '0', '9', '-', 'x', ':'])
    const types = fc.oneof(
      fc.constantFrom('indicator', 'threat-actor', 'x-a-', 'a', ''),
      fc.string({ unit: fc.constantFrom('a', 'B', '-', '0'), maxLength: 4 }),
      fc.constant(undefined),
      fc.integer(),
    )
    fc.assert(
      fc.property(ids, types, fc.boolean(), (id, type, ownPrefix) => {
        // Half the time the type is the id's own prefix, so 'ok' is reached often.
        const t = ownPrefix ? (STIX_ID.exec(id)?.[1] ?? type) : type
        assert.equal(checkStixId(id, t), byRegex(id, t))
      }),
      { numRuns: 20_000 },
    )
  })

  it('checkStixId on the usual cases', () => {
    const uuid = '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'
    assert.equal(checkStixId(`indicator--${uuid}`, 'indicator'), 'ok')
    assert.equal(checkStixId(`indicator--${uuid.toUpperCase()}`, 'indicator'), 'ok')
    assert.equal(checkStixId(`indicator--${uuid}`, 'malware'), 'type mismatch')
    assert.equal(checkStixId(`--${uuid}`, ''), 'malformed')
    assert.equal(checkStixId(`indicator-${uuid}`, 'indicator'), 'malformed')
    assert.equal(checkStixId(`indicator--${uuid}0`, 'indicator'), 'malformed')
    assert.equal(checkStixId('', 'indicator'), 'malformed')
  })

  it('isTimestamp accepts exactly what TIMESTAMP matches', () => {
    const texts = nearValid(fc.stringMatching(TIMESTAMP), [
      '0',
      '1',
      '9',
      '-',
      'T',
      ':',
      '.',
      'Z',
      'z',
      ' ',
    ])
    fc.assert(
      fc.property(texts, (text) => {
        assert.equal(isTimestamp(text), TIMESTAMP.test(text))
      }),
      { numRuns: 20_000 },
    )
  })

  it('isTimestamp on the usual cases', () => {
    assert.ok(isTimestamp('2026-01-01T00:00:00Z'))
    assert.ok(isTimestamp('2026-01-01T00:00:00.1Z'))
    assert.ok(isTimestamp('2026-01-01T00:00:00.123456789Z'))
    assert.ok(!isTimestamp('2026-01-01T00:00:00.1234567890Z'))
    assert.ok(!isTimestamp('2026-01-01T00:00:00.Z'))
    assert.ok(!isTimestamp('2026-01-01T00:00:00.000z'))
    assert.ok(!isTimestamp('2026-01-01 00:00:00Z'))
    assert.ok(!isTimestamp('2026-01-01T00:00:00+00:00'))
  })
})
