import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildPolicy, policyFingerprint, type PolicyOptions } from './build.js'
import { verdict } from './verdict.js'

const options: PolicyOptions = {
  revoke_statuses: ['Whitelisted', 'Expired'],
  never_block: ['198.51.100.0/24'],
  block_private_ranges: false,
  min_cidr_prefix: 16,
  min_cidr_prefix_ipv6: 48,
  export_all_types: false,
}
const hosts = { aed: 'aed.example:8443', threatq: '203.0.113.9' }

describe('policy from the options', () => {
  it('fingerprints the statuses without case or order', () => {
    const same = { ...options, revoke_statuses: ['expired', 'WHITELISTED'] }
    assert.equal(policyFingerprint(same, hosts), policyFingerprint(options, hosts))
  })

  it('changes the fingerprint with any setting a verdict reads, and with the hosts', () => {
    const base = policyFingerprint(options, hosts)
    for (const changed of [
      { ...options, never_block: [] },
      { ...options, block_private_ranges: true },
      { ...options, min_cidr_prefix: 24 },
      { ...options, min_cidr_prefix_ipv6: 64 },
      { ...options, export_all_types: true },
    ])
      assert.notEqual(policyFingerprint(changed, hosts), base)
    assert.notEqual(policyFingerprint(options, { ...hosts, aed: 'other.example' }), base)
  })

  it('judges by the options, the own hosts and the clock', () => {
    const policy = buildPolicy(options, hosts, 1000)
    assert.equal(policy.fingerprint, policyFingerprint(options, hosts))
    const judge = (value: string, status = 'Active', expiresAt?: number): string => {
      const v = verdict({ type: 'IP Address', value, status, expiresAt }, policy)
      return v.ok ? 'exported' : `${v.kind}: ${v.reason}`
    }
    assert.equal(judge('8.8.8.8'), 'exported')
    assert.match(judge('203.0.113.9'), /^refused: ThreatQ's own address/)
    assert.match(judge('198.51.100.7'), /^refused: in never_block/)
    assert.match(judge('10.1.2.3'), /^refused: private range/)
    assert.equal(judge('8.8.8.8', 'whitelisted'), 'status: status whitelisted')
    assert.equal(judge('8.8.8.8', 'Active', 1000), 'expired: expired')
  })
})
