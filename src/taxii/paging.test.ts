import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isMediaType } from './media.js'
import { parseContentRange, rangeHeader } from './paging.js'
import { MEDIA_TYPES } from './types.js'

describe('item ranges', () => {
  it('asks for inclusive ranges', () => {
    assert.equal(rangeHeader(0, 100), 'items=0-99')
    assert.equal(rangeHeader(99, 1), 'items=99-99')
  })
  it('parses Content-Range, with a known or unknown total', () => {
    assert.deepEqual(parseContentRange('items 0-49/1000'), { first: 0, last: 49, total: 1000 })
    assert.deepEqual(parseContentRange('items 5-9/*'), { first: 5, last: 9, total: undefined })
  })
  it('rejects what it cannot page by', () => {
    for (const bad of [null, 'bytes 0-1/2', 'items */3', 'items 9-5/10', 'items 0-1']) {
      assert.equal(parseContentRange(bad), undefined, String(bad))
    }
  })
})

describe('isMediaType', () => {
  it('tolerates whitespace, case and extra parameters, and a missing version', () => {
    assert.ok(isMediaType('application/vnd.oasis.taxii+json;version=2.0', MEDIA_TYPES['2.0'].taxii))
    assert.ok(
      isMediaType('Application/TAXII+json; charset=utf-8; version=2.1', MEDIA_TYPES['2.1'].taxii),
    )
    assert.ok(isMediaType('application/taxii+json', MEDIA_TYPES['2.1'].taxii))
  })
  it('refuses another type or version', () => {
    assert.ok(!isMediaType('application/json', MEDIA_TYPES['2.1'].taxii))
    assert.ok(!isMediaType('application/taxii+json;version=2.0', MEDIA_TYPES['2.1'].taxii))
    assert.ok(!isMediaType(null, MEDIA_TYPES['2.1'].taxii))
  })
})
