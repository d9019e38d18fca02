import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../errors.js'
import { parseSince } from './since.js'

const now = new Date('2026-03-10T12:00:00.000Z')
const iso = async (text: string): Promise<string> => (await parseSince(text, now)).toISOString()

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
})
