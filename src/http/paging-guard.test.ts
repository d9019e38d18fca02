import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PagingGuard } from './paging-guard.js'

describe('PagingGuard', () => {
  it('goes on while pages bring new items and cursors are new', () => {
    const guard = new PagingGuard()
    assert.equal(guard.check({ keys: ['a', 'b'], next: 'c1' }), undefined)
    assert.equal(guard.check({ keys: ['b', 'c'], next: 'c2' }), undefined)
  })

  it('stops at a page whose items were all seen, however far back', () => {
    const guard = new PagingGuard()
    guard.check({ keys: ['a'], next: 1 })
    guard.check({ keys: ['b'], next: 2 })
    assert.match(guard.check({ keys: ['a'], next: 3 }) ?? '', /page 3 brings nothing new/)
  })

  it('stops at a token cursor already followed, or a position that does not grow', () => {
    const tokens = new PagingGuard()
    tokens.check({ keys: ['a'], next: 'x' })
    tokens.check({ keys: ['b'], next: 'y' })
    assert.match(tokens.check({ keys: ['c'], next: 'x' }) ?? '', /repeats/)
    const positions = new PagingGuard()
    positions.check({ keys: ['a'], next: 5 })
    assert.match(positions.check({ keys: ['b'], next: 5 }) ?? '', /does not advance/)
    assert.match(positions.check({ keys: ['c'], next: 3 }) ?? '', /does not advance/)
  })
})
