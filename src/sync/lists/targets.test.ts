import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { Guards } from '../policy/guards.js'
import {
  hostValue,
  type ListPolicy,
  placements,
  type Target,
  targetOf,
  urlValue,
} from './targets.js'

const NOW = Date.UTC(2026, 11, 3)
const policy = (over: Partial<ListPolicy> = {}): ListPolicy => ({
  revokeStatuses: ['Whitelisted', 'Expired'],
  guards: new Guards({
    neverBlock: [],
    blockPrivateRanges: false,
    minPrefixV4: 16,
    minPrefixV6: 48,
    ownHosts: [],
  }),
  exportAllTypes: false,
  now: NOW,
  fingerprint: '',
  allowStatuses: ['Whitelisted'],
  inbound: false,
  ...over,
})
const member = (type: string, value: string, status = 'Active', expiresAt?: number) => ({
  type,
  value,
  status,
  expiresAt,
})
const ok = (t: Target) => {
  assert.ok(t.ok, JSON.stringify(t))
  return t
}

describe('AED list targets', () => {
  it('writes hosts the way AED stores them', () => {
    assert.equal(hostValue('2001:DB8:0:0:0:0:0:10'), '2001:db8::10')
    assert.equal(hostValue('203.0.113.7/32'), '203.0.113.7')
    assert.equal(hostValue('2001:db8::/128'), '2001:db8::')
    assert.equal(hostValue('198.51.100.0/24'), '198.51.100.0/24')
    assert.equal(urlValue('https://evil.example/a?b=1'), 'evil.example/a?b=1')
  })

  it('sends each kind to its deny lists; hosts inbound only with rest_inbound', () => {
    const host = ok(targetOf(member('IP Address', '203.0.113.7'), policy()))
    assert.deepEqual(
      placements(host, policy(), '-1').map((p) => [p.list.id, p.scope]),
      [[LISTS.outboundDenyHosts.id, undefined]],
    )
    assert.deepEqual(
      placements(host, policy({ inbound: true }), '7,9').map((p) => [p.list.id, p.scope]),
      [
        [LISTS.outboundDenyHosts.id, undefined],
        [LISTS.inboundDenyHosts.id, '7,9'],
      ],
    )
    const domain = ok(targetOf(member('FQDN', 'Bad.Example.'), policy()))
    assert.deepEqual(
      placements(domain, policy(), '-1').map((p) => [p.list.id, p.value, p.scope]),
      [[LISTS.inboundDenyDomains.id, 'bad.example', '-1']],
    )
    const url = ok(targetOf(member('URL', 'http://evil.example/x'), policy()))
    assert.deepEqual(
      placements(url, policy(), '-1').map((p) => [p.list.id, p.value]),
      [[LISTS.inboundDenyUrls.id, 'evil.example/x']],
    )
  })

  it('sends allow-list statuses to the allow lists, hosts only, and never a broad CIDR', () => {
    const allowed = ok(targetOf(member('IP Address', '203.0.113.7', 'Whitelisted'), policy()))
    assert.equal(allowed.action, 'allow')
    assert.deepEqual(
      placements(allowed, policy({ inbound: true }), '-1').map((p) => p.list.id),
      [LISTS.outboundAllowHosts.id, LISTS.inboundAllowHosts.id],
    )
    // A private address may be allowed: the never-block guards protect against blocking.
    assert.ok(targetOf(member('IP Address', '10.1.2.3', 'Whitelisted'), policy()).ok)
    assert.match(
      JSON.stringify(targetOf(member('CIDR Block', '10.0.0.0/8', 'Whitelisted'), policy())),
      /CIDR broader than \/16/,
    )
    assert.match(
      JSON.stringify(targetOf(member('FQDN', 'good.example', 'Whitelisted'), policy())),
      /no AED allow list for this type/,
    )
    assert.deepEqual(
      targetOf(member('IP Address', '203.0.113.7', 'Whitelisted', NOW - 1), policy()),
      { ok: false, kind: 'expired', reason: 'expired' },
    )
  })

  it('keeps what must not be blocked out, with the reason', () => {
    const t = (type: string, value: string, status?: string) =>
      targetOf(member(type, value, status), policy({ allowStatuses: [] }))
    assert.match(JSON.stringify(t('IP Address', '127.0.0.1')), /loopback/)
    assert.match(
      JSON.stringify(t('IP Address', '203.0.113.7', 'Whitelisted')),
      /status Whitelisted/,
    )
    assert.match(JSON.stringify(t('URL', 'http://a.example/x,y')), /comma/)
    assert.match(JSON.stringify(t('Email Address', 'a@b.example')), /not enforceable/)
    assert.match(
      JSON.stringify(
        targetOf(member('Email Address', 'a@b.example'), policy({ exportAllTypes: true })),
      ),
      /no AED list holds email-addr values/,
    )
  })
})
