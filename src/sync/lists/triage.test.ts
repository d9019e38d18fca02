import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ListEntry } from '../../aed/lists.js'
import { addStep, type Answer, holdsScope, onlyOurs, refusedStep, removalStep } from './triage.js'

const entry = (annotations: string[], pgids: number[] = []): ListEntry => ({
  value: '203.0.113.1',
  annotations,
  pgids,
  cids: [],
})
const found = (e: ListEntry): Answer => ({ there: e, unknown: false })
const missing: Answer = { there: undefined, unknown: false }
const cutOff: Answer = { there: undefined, unknown: true }

describe('lists triage: what a lookup answer means for a planned value', () => {
  it('ours only when every annotation is this instance’s; none at all is someone else’s', () => {
    assert.equal(onlyOurs(entry(['tq:inst:1', 'tq:inst:2']), 'inst'), true)
    assert.equal(onlyOurs(entry(['tq:inst:1', 'SOC']), 'inst'), false)
    assert.equal(onlyOurs(entry([]), 'inst'), false)
    assert.equal(onlyOurs(entry(['tq:other:1']), 'inst'), false)
  })

  it('holds a scope only when every protection group of it is there', () => {
    assert.equal(holdsScope(entry([], [7, 8]), '7,8'), true)
    assert.equal(holdsScope(entry([], [7]), '7,8'), false)
    assert.equal(holdsScope(entry([]), undefined), true)
  })

  it('a removal: ours to remove, gone, shared, a scope change the add decides, or cut off', () => {
    assert.equal(removalStep(false, found(entry(['tq:inst:1'])), 'inst'), 'remove')
    assert.equal(removalStep(true, found(entry(['tq:inst:1'])), 'inst'), 'remove')
    assert.equal(removalStep(false, missing, 'inst'), 'gone')
    assert.equal(removalStep(false, found(entry(['tq:inst:1', 'SOC'])), 'inst'), 'shared')
    assert.equal(removalStep(true, found(entry(['SOC'])), 'inst'), 'replaced')
    assert.equal(removalStep(true, missing, 'inst'), 'replaced')
    assert.equal(removalStep(false, cutOff, 'inst'), 'unconfirmed')
  })

  it('an add: missing is added, someone else’s is foreign, ours as wanted is adopted', () => {
    const want = { owner: 1, scope: undefined }
    assert.equal(addStep(want, missing, false, 'inst'), 'add')
    assert.equal(addStep(want, cutOff, false, 'inst'), 'unconfirmed')
    assert.equal(addStep(want, found(entry(['SOC'])), false, 'inst'), 'foreign')
    assert.equal(addStep(want, found(entry([])), false, 'inst'), 'foreign')
    assert.equal(addStep(want, found(entry(['tq:inst:1'])), false, 'inst'), 'adopt')
    // Ours, but another indicator's annotation: written again under this owner's.
    assert.equal(addStep(want, found(entry(['tq:inst:2'])), false, 'inst'), 'add')
  })

  it('an add in a scope not held is written; a value losing scopes this run is never adopted', () => {
    const inbound = { owner: 1, scope: '7,8' }
    assert.equal(addStep(inbound, found(entry(['tq:inst:1'], [7])), false, 'inst'), 'add')
    assert.equal(addStep(inbound, found(entry(['tq:inst:1'], [7, 8])), false, 'inst'), 'adopt')
    assert.equal(addStep(inbound, found(entry(['tq:inst:1'], [7, 8])), true, 'inst'), 'add')
  })

  it('a value refused alone, looked up again: adopted, foreign, or refused', () => {
    const want = { owner: 1, scope: undefined }
    assert.equal(refusedStep(undefined, want, 'inst'), 'refused')
    assert.equal(refusedStep(entry(['SOC']), want, 'inst'), 'foreign')
    assert.equal(refusedStep(entry(['tq:inst:1']), want, 'inst'), 'adopt')
    assert.equal(refusedStep(entry(['tq:inst:2']), want, 'inst'), 'refused')
  })
})
