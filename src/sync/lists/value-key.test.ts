import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { ListEntries } from './entries.js'
import { packValue, unpackValue } from './value-key.js'

describe('list values kept compact in memory', () => {
  it('packs a dotted quad into an integer and back, exactly; anything else stays a string', () => {
    for (const v of ['0.0.0.0', '45.1.2.3', '203.0.113.255', '255.255.255.255']) {
      assert.equal(typeof packValue(v), 'number', v)
      assert.equal(unpackValue(packValue(v)), v)
    }
    for (const v of ['01.2.3.4', '1.2.3.256', '1.2.3', '1.2.3.4/24', '2001:db8::1', 'a.example'])
      assert.equal(packValue(v), v)
  })

  it('the ledger entries keep packed and unpacked values apart, and claims by sign', () => {
    const entries = new ListEntries()
    const list = LISTS.inboundDenyHosts.id
    entries.set({ list, value: '45.1.2.3', owner: 7, scope: '1,2' })
    entries.set({ list, value: '758186499', owner: 8, scope: '1,2', foreign: true })
    assert.deepEqual(entries.get(list, '45.1.2.3'), {
      list,
      value: '45.1.2.3',
      owner: 7,
      scope: '1,2',
    })
    assert.equal(entries.get(list, '758186499')?.foreign, true)
    assert.equal(entries.size, 2)
    assert.equal(entries.own, 1)
    assert.equal(entries.claim(list, '45.1.2.3'), false)
    assert.equal(entries.claim(list, '45.1.2.3'), true)
    assert.equal(entries.get(list, '45.1.2.3')?.owner, 7)
    assert.deepEqual([...entries.owners()].sort(), [7, 8])
    entries.releaseClaims()
    assert.equal(entries.claimed(list, '45.1.2.3'), false)
    entries.delete(list, '45.1.2.3')
    assert.deepEqual(
      [...entries.values()].map((e) => e.value),
      ['758186499'],
    )
  })
})
