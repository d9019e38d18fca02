import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
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
