import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildPolicy } from '../policy/build.js'
import { MARK } from '../policy/verdict.js'
import { type EntryState, LIVE, REVOKED } from './key-table.js'
import { objectKey, UPDATE } from './ledger.js'
import { memoryLedger } from './ledger-testing.js'
import { countExportable, judgeMember, type ScanFindings } from './scan.js'
import { NumberList } from './number-list.js'
import { emptyPlan } from './sync-plan.js'

const NOW = Date.UTC(2026, 11, 3)
const UPDATED = Date.UTC(2026, 10, 1, 12, 0, 0, 500)
const policy = buildPolicy(
  {
    revoke_statuses: ['Whitelisted'],
    never_block: ['192.0.2.0/24'],
    block_private_ranges: false,
    min_cidr_prefix: 16,
    min_cidr_prefix_ipv6: 48,
    export_all_types: false,
  },
  { aed: 'aed.example', threatq: 'tq.example' },
  NOW,
)
const NO_FORCE = { full: false, sendSince: undefined }
const member = (
  value = '203.0.113.7',
  over: Partial<{ status: string; expiresAt: number }> = {},
) => ({
  type: 'IP Address',
  value,
  status: 'Active',
  expiresAt: undefined,
  ...over,
})

/** A ledger holding indicator 1 in `state` at the second of UPDATED. */
function ledgerWith(state: EntryState = LIVE, version = Math.floor(UPDATED / 1000)) {
  const key = objectKey('indicators', 1)
  const ledger = memoryLedger('h', { kind: UPDATE.OBJECT, a: key, b: 0, state, gen: 0, version })
  return { ledger, slot: ledger.objects.find(key) }
}

describe('the scan judges each member against the ledger', () => {
  it('a new member is sent; nothing is marked (it has no entry)', () => {
    const { ledger } = ledgerWith()
    assert.equal(judgeMember(ledger, -1, member(), UPDATED, policy, false, NO_FORCE), true)
  })

  it('a member AED holds at this version is unchanged, and marked exportable', () => {
    const { ledger, slot } = ledgerWith()
    assert.equal(judgeMember(ledger, slot, member(), UPDATED, policy, false, NO_FORCE), false)
    assert.equal(ledger.objects.mark(slot), MARK.exportable)
  })

  it('a changed member (another updated_at second) is sent', () => {
    const { ledger, slot } = ledgerWith()
    assert.equal(judgeMember(ledger, slot, member(), UPDATED + 1000, policy, false, NO_FORCE), true)
  })

  it('a member revoked before is sent again once exportable', () => {
    const { ledger, slot } = ledgerWith(REVOKED)
    assert.equal(judgeMember(ledger, slot, member(), UPDATED, policy, false, NO_FORCE), true)
  })

  it('--full sends an unchanged member; --since one updated at or after it', () => {
    const { ledger, slot } = ledgerWith()
    const full = { full: true, sendSince: undefined }
    assert.equal(judgeMember(ledger, slot, member(), UPDATED, policy, false, full), true)
    const since = (at: number) => ({ full: false, sendSince: at })
    assert.equal(judgeMember(ledger, slot, member(), UPDATED, policy, false, since(UPDATED)), true)
    assert.equal(
      judgeMember(ledger, slot, member(), UPDATED, policy, false, since(UPDATED + 1)),
      false,
    )
  })

  it('a status to revoke, an expiry, a never-block guard, an unenforceable type: not exported, the entry marked why', () => {
    const cases = [
      { m: member('203.0.113.7', { status: 'whitelisted' }), kind: 'status', mark: MARK.status },
      { m: member('203.0.113.7', { expiresAt: NOW }), kind: 'expired', mark: MARK.expired },
      { m: member('192.0.2.9'), kind: 'refused', mark: MARK.refused },
      { m: { ...member(), type: 'Email Subject' }, kind: 'skipped', mark: MARK.skipped },
    ]
    for (const { m, kind, mark } of cases) {
      const { ledger, slot } = ledgerWith()
      const judged = judgeMember(ledger, slot, m, UPDATED, policy, false, NO_FORCE)
      assert.equal(typeof judged === 'object' ? judged.kind : judged, kind)
      assert.equal(ledger.objects.mark(slot), mark)
    }
  })

  it('under the policy the ledger was saved with, a member AED holds at this version skips the value checks', () => {
    const { ledger, slot } = ledgerWith()
    // The guard would refuse it; the ledger says it passed under this very policy.
    const refused = member('192.0.2.9')
    assert.equal(judgeMember(ledger, slot, refused, UPDATED, policy, true, NO_FORCE), false)
    // Status and expiry are read all the same.
    const expired = member('192.0.2.9', { expiresAt: NOW - 1 })
    const judged = judgeMember(ledger, slot, expired, UPDATED, policy, true, NO_FORCE)
    assert.equal(typeof judged === 'object' && judged.kind, 'expired')
    // A changed member is judged in full.
    const changed = judgeMember(ledger, slot, refused, UPDATED + 1000, policy, true, NO_FORCE)
    assert.equal(typeof changed === 'object' && changed.kind, 'refused')
  })
})

describe('the scan counts the exportable members', () => {
  const findings = (): ScanFindings => ({ links: new NumberList(), level1: new Map(), unseen: 0 })

  it('reads from the earliest updated_at of those to send; counts those with no entry', () => {
    const plan = emptyPlan()
    const found = findings()
    countExportable(plan, found, true, false, 3000)
    countExportable(plan, found, true, true, 2000)
    countExportable(plan, found, false, true, 1000)
    assert.deepEqual(
      [plan.exportable, plan.indicatorsToSend, plan.sendFrom, found.unseen],
      [3, 2, 2000, 1],
    )
  })

  it('sends nothing when every member is unchanged', () => {
    const plan = emptyPlan()
    countExportable(plan, findings(), false, true, 1000)
    assert.equal(plan.sendFrom, undefined)
    assert.equal(plan.indicatorsToSend, 0)
  })
})
