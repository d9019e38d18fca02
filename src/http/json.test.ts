import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { RemoteError } from './errors.js'
import { parseJsonBody } from './json.js'

const response = (body: string) => ({
  status: 200,
  headers: new Headers(),
  url: 'https://aed.example/taxii/',
  method: 'GET',
  body,
})
const schema = z.object({ title: z.string(), api_roots: z.array(z.string()).optional() })

describe('parseJsonBody', () => {
  it('returns the parsed value', () => {
    assert.deepEqual(
      parseJsonBody('taxii', response('{"title":"t"}'), schema, 'the discovery resource'),
      { title: 't' },
    )
  })
  it('names the request and the failing field', () => {
    assert.throws(
      () =>
        parseJsonBody(
          'taxii',
          response('{"title":"t","api_roots":[1]}'),
          schema,
          'the discovery resource',
        ),
      (e: unknown) => {
        assert.ok(e instanceof RemoteError)
        assert.equal(e.kind, 'parse')
        assert.match(
          e.message,
          /^taxii GET https:\/\/aed\.example\/taxii\/ returned an unusable response: the discovery resource does not match the expected shape: api_roots\.0: /,
        )
        return true
      },
    )
  })
  it('reports a body that is not JSON', () => {
    assert.throws(
      () => parseJsonBody('taxii', response('<html>'), schema, 'the discovery resource'),
      /the discovery resource is not JSON/,
    )
  })
})
