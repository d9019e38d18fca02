import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { extractServerMessage, redactUrl, RemoteError } from './errors.js'

describe('redactUrl', () => {
  it('drops user info and masks secret query values', () => {
    const url = redactUrl(
      'https://admin:s3cret@tq.example/api/x?token=abc&api_key=k&limit=5&client_secret=z',
    )
    assert.equal(
      url,
      'https://tq.example/api/x?token=REDACTED&api_key=REDACTED&limit=5&client_secret=REDACTED',
    )
    assert.ok(!url.includes('s3cret'))
  })
  it('leaves ordinary URLs alone', () => {
    assert.equal(
      redactUrl('https://aed.example/taxii/?match%5Bid%5D=x'),
      'https://aed.example/taxii/?match%5Bid%5D=x',
    )
  })
  it('still strips user info from something that is not a valid URL', () => {
    assert.equal(redactUrl('http://u:p@[bad/x'), 'http://[bad/x')
  })
})

describe('extractServerMessage', () => {
  it('reads TAXII error bodies', () => {
    assert.equal(
      extractServerMessage(
        '{"title":"Forbidden","description":"collection is read-only","http_status":"403"}',
      ),
      'Forbidden: collection is read-only',
    )
  })
  it('reads AED error lists and ThreatQ OAuth errors', () => {
    assert.equal(
      extractServerMessage('{"errors":[{"title":"Bad value","detail":"cidr /33"}],"message":"x"}'),
      'Bad value: cidr /33',
    )
    assert.equal(
      extractServerMessage('{"error":"invalid_grant","error_description":"bad password"}'),
      'invalid_grant: bad password',
    )
    assert.equal(extractServerMessage('{"errors":["one","two"]}'), 'one; two')
    assert.equal(extractServerMessage('{"message":"Unauthorized"}'), 'Unauthorized')
  })
  it("keeps a server's words on one line: line breaks, controls and bidi controls escaped", () => {
    assert.equal(
      extractServerMessage('{"message":"bad\\nnetscout-aed: all good\\r\\u001b[2K\\u202eexe.txt"}'),
      'bad\\u000anetscout-aed: all good\\u000d\\u001b[2K\\u202eexe.txt',
    )
    assert.equal(extractServerMessage('plain\ntext\u2066'), 'plain text\\u2066')
  })
  it('falls back to the text, without HTML tags, clipped', () => {
    assert.equal(extractServerMessage('<html><h1>502 Bad Gateway</h1></html>'), '502 Bad Gateway')
    const long = extractServerMessage('x'.repeat(1000))
    assert.equal(long?.length, 301)
    assert.equal(extractServerMessage('  '), undefined)
  })
})

describe('RemoteError', () => {
  it('is one line whatever the server put in its detail or message', () => {
    const error = new RemoteError({
      system: 'taxii',
      kind: 'parse',
      method: 'GET',
      url: 'https://aed.example/taxii/',
      detail: 'collection "a\nnetscout-aed: ok\u202e" is odd',
      retryable: false,
    })
    assert.equal(
      error.message,
      'taxii GET https://aed.example/taxii/ returned an unusable response: collection "a\\u000anetscout-aed: ok\\u202e" is odd',
    )
  })
  it('says which system, request and status failed, with the server message and the cause', () => {
    const cause = new Error('inner')
    const error = new RemoteError({
      system: 'taxii',
      kind: 'http',
      method: 'POST',
      url: 'https://u:pw@aed.example/api/v1/collections/c/objects/?password=pw',
      status: 413,
      serverMessage: 'Request Entity Too Large',
      retryable: false,
      cause,
    })
    assert.equal(
      error.message,
      'taxii POST https://aed.example/api/v1/collections/c/objects/?password=REDACTED failed with HTTP 413: Request Entity Too Large',
    )
    assert.equal(error.cause, cause)
    assert.ok(!`${error.message} ${JSON.stringify(error)}`.includes('pw@'))
  })
  it("names undici's socket error, with its code when the message lacks it", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    })
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    const error = (cause: Error) =>
      new RemoteError({
        system: 'aed',
        kind: 'network',
        method: 'GET',
        url: 'http://127.0.0.1:1/',
        retryable: true,
        cause,
      }).message
    assert.equal(
      error(refused),
      'aed GET http://127.0.0.1:1/ failed: connect ECONNREFUSED 127.0.0.1:1',
    )
    assert.equal(
      error(reset),
      'aed GET http://127.0.0.1:1/ failed: UND_ERR_SOCKET other side closed',
    )
  })
  it('adds why an HTTP status was not followed', () => {
    const error = new RemoteError({
      system: 'threatq',
      kind: 'http',
      method: 'GET',
      url: 'https://tq.example/api/x',
      status: 302,
      detail: 'more than 20 redirects',
      retryable: false,
    })
    assert.equal(
      error.message,
      'threatq GET https://tq.example/api/x failed with HTTP 302 (more than 20 redirects)',
    )
  })
})
