import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { idNamespace, stableId } from '../../stix/ids.js'
import { instanceScope, ledgerScope } from './id-scope.js'

describe('export id scopes', () => {
  it('the default instance keeps the shared ids; a named one gets its own', () => {
    assert.equal(instanceScope('netscout-aed', true), '')
    assert.equal(instanceScope('alpha', false), 'alpha')
    assert.equal(ledgerScope('netscout-aed', true, undefined), '')
    assert.equal(ledgerScope('alpha', false, undefined), 'alpha')
  })

  it('a named instance whose last ledger predates scopes keeps the shared ids if it is lost', () => {
    assert.equal(ledgerScope('alpha', false, {}), '')
    assert.equal(ledgerScope('alpha', false, { ids: 'alpha' }), 'alpha')
  })

  it('a shared namespace is the host (ids unchanged); scoped ones differ per instance', () => {
    const id = (host: string) => stableId('indicator', { host, kind: 'indicators', id: 7 })
    assert.equal(idNamespace('tq:443', ''), 'tq:443')
    const ids = new Set([
      id(idNamespace('tq:443', '')),
      id(idNamespace('tq:443', 'alpha')),
      id(idNamespace('tq:443', 'beta')),
    ])
    assert.equal(ids.size, 3)
  })
})
