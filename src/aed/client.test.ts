import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { alertSchema } from './client.js'

const alert = { alertId: 1, alertType: 'ddos', severity: 5, startTime: 1_767_225_600 }

describe('AED alert schema', () => {
  it('takes an alert with epoch-second times', () => {
    assert.equal(alertSchema.safeParse({ ...alert, endTime: null }).success, true)
  })

  for (const startTime of [1e15, 1e308, -1, 1.5])
    it(`refuses a startTime of ${String(startTime)}, which is no date it could be written as`, () => {
      assert.equal(alertSchema.safeParse({ ...alert, startTime }).success, false)
    })
})
