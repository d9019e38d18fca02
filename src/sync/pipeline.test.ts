import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EXIT, ExitError } from '../errors.js'
import { silentLogger } from '../log/logger.js'
import type { MassChange } from './mass-guard.js'
import { type DeliveryPhases, runDelivery } from './pipeline.js'
import { newSummary } from './summary.js'

/** Phases that note each call; `change` is what the plan would take back of 10 held. */
function phases(options: { change?: number; sendFails?: boolean; saveOnFailure?: boolean }) {
  const calls: string[] = []
  const note = (call: string) => (): Promise<void> => {
    calls.push(call)
    return Promise.resolve()
  }
  const p: DeliveryPhases<string, string, number> = {
    open: () => {
      calls.push('open')
      return Promise.resolve({ ledger: 'ledger', problem: undefined })
    },
    recover: note('recover'),
    plan: () => {
      calls.push('plan')
      return Promise.resolve('plan')
    },
    change: (): MassChange => {
      calls.push('change')
      const count = options.change ?? 0
      return { byReason: new Map([['left the collection', count]]), count, held: 10, members: 10 }
    },
    send: () => {
      calls.push('send')
      return options.sendFails === true
        ? Promise.reject(new Error('AED went away'))
        : Promise.resolve()
    },
    commit: () => {
      calls.push('commit')
      return Promise.resolve(42)
    },
    close: note('close'),
    saveOnFailure: options.saveOnFailure ?? false,
  }
  return { p, calls }
}

const context = () => ({
  title: 'delivery',
  logger: silentLogger,
  summary: newSummary('lists'),
  audit: { record: () => undefined },
  guard: {
    dataCollection: 'AED Export',
    maxRevokePercent: 50,
    allowMassRevoke: false,
    windowHours: 24,
    history: [],
    now: new Date('2026-12-08T00:00:00Z'),
  },
  words: { doing: 'writing', verb: 'remove', heldWhat: 'entries', noun: 'removals' },
  finishFields: () => ({}),
})

describe('runDelivery', () => {
  it('runs the phases in order and answers what the commit saved', async () => {
    const { p, calls } = phases({ change: 1 })
    const outcome = await runDelivery(p, context())
    assert.deepEqual(calls, ['open', 'recover', 'plan', 'change', 'send', 'commit', 'close'])
    assert.equal(outcome.saved, 42)
    assert.equal(outcome.revocations.length, 1)
  })

  it('stops at the mass guard before anything is sent, and still releases the ledger', async () => {
    const { p, calls } = phases({ change: 6 })
    await assert.rejects(
      runDelivery(p, context()),
      (e) => e instanceof ExitError && e.code === EXIT.rejected,
    )
    assert.deepEqual(calls, ['open', 'recover', 'plan', 'change', 'close'])
  })

  it('saves after a failed send only when the delivery asks for it', async () => {
    for (const saveOnFailure of [true, false]) {
      const { p, calls } = phases({ sendFails: true, saveOnFailure })
      await assert.rejects(runDelivery(p, context()), /AED went away/)
      assert.deepEqual(calls, [
        'open',
        'recover',
        'plan',
        'change',
        'send',
        ...(saveOnFailure ? ['commit'] : []),
        'close',
      ])
    }
  })
})
