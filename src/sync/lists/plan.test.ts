import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { addReason, FATES, givenUp, leaverStep, placementStep, removalReason } from './plan.js'
import type { ListPolicy, Placement } from './targets.js'

/** Only `inbound` is read by the decisions tested here. */
const policy = (over: Partial<ListPolicy> = {}): ListPolicy =>
  ({ inbound: false, ...over }) as ListPolicy
const out = LISTS.outboundDenyHosts
const inbound = LISTS.inboundDenyHosts
const at = (scope?: string): Placement => ({
  list: scope === undefined ? out : inbound,
  value: '203.0.113.1',
  scope,
})
const held = (owner: number, scope?: string, foreign?: true) => ({
  list: (scope === undefined ? out : inbound).id,
  value: '203.0.113.1',
  owner,
  scope,
  ...(foreign === undefined ? {} : { foreign }),
})
const member = { id: 5, status: 'Active' }

describe('lists plan: each placement and each leaving entry decided from data', () => {
  it('a new value is added because it joined the data collection', () => {
    assert.deepEqual(placementStep(undefined, false, member, at(), false), {
      step: 'add',
      reason: 'joined the data collection',
      givenUp: undefined,
    })
  })

  it('an entry the member holds already is unchanged, or foreign when someone else holds it', () => {
    assert.deepEqual(placementStep(held(5), false, member, at(), false), { step: 'unchanged' })
    assert.deepEqual(placementStep(held(5, undefined, true), false, member, at(), false), {
      step: 'foreign',
    })
  })

  it('--full or --since sends it again; a value an older member claimed is skipped', () => {
    assert.equal(
      (placementStep(held(5), false, member, at(), true) as { reason: string }).reason,
      'sent again (--full or --since)',
    )
    assert.deepEqual(placementStep(held(4), true, member, at(), false), { step: 'skip' })
  })

  it('another owner’s entry is taken over, with the new owner named', () => {
    assert.equal(
      (placementStep(held(4), false, member, at(), false) as { reason: string }).reason,
      'now delivered for ThreatQ indicator 5',
    )
  })

  it('a scope change removes only the groups given up, and adds the new scope', () => {
    assert.deepEqual(placementStep(held(5, '7,8'), false, member, at('7'), false), {
      step: 'add',
      reason: 'protection groups changed',
      givenUp: '8',
    })
    // Widening gives nothing up: the add alone covers it.
    assert.deepEqual(placementStep(held(5, '7'), false, member, at('7,8'), false), {
      step: 'add',
      reason: 'protection groups changed',
      givenUp: undefined,
    })
    assert.equal(givenUp('7,8', '8,9'), '7')
    assert.equal(givenUp('7', '7'), undefined)
    assert.equal(givenUp(undefined, '7'), undefined)
  })

  it('an allow-list entry says which status sent it there', () => {
    assert.equal(
      addReason(undefined, { id: 1, status: 'Whitelisted' }, LISTS.outboundAllowHosts, false),
      'joined the data collection; status Whitelisted is in allow_list_statuses',
    )
  })

  it('a leaving entry is removed with its owner’s fate as the reason; a foreign one forgotten', () => {
    const entry = held(5)
    assert.equal(leaverStep(held(5, undefined, true), undefined, policy()), undefined)
    assert.deepEqual(leaverStep(entry, undefined, policy()), {
      entry,
      list: out,
      scope: undefined,
      reason: 'left the data collection or deleted',
      replaced: false,
    })
    assert.equal(leaverStep(entry, 'expired', policy())?.reason, 'expired')
  })

  it('a removal reason says where the member went', () => {
    assert.equal(removalReason(FATES.allow.host, out, policy()), 'moved to the allow list')
    assert.equal(
      removalReason(FATES.deny.host, LISTS.outboundAllowHosts, policy()),
      'moved to the deny list',
    )
    assert.equal(removalReason(FATES.deny.host, inbound, policy()), 'rest_inbound is off')
    assert.equal(
      removalReason(FATES.deny.host, inbound, policy({ inbound: true })),
      'value changed',
    )
  })
})
