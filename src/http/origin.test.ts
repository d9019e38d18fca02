import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { originOf, sameOrigin } from './origin.js'

describe('sameOrigin', () => {
  it('compares normalised origins: default ports, host and scheme case, IPv6 and IPv4 spellings', () => {
    assert.ok(sameOrigin('https://AED.example.org:443/taxii2/', 'https://aed.example.org/'))
    assert.ok(sameOrigin('HTTP://aed.example.org:80/x', 'http://aed.example.org'))
    assert.ok(sameOrigin('https://[0:0:0:0:0:0:0:1]:443/', 'https://[::1]/'))
    assert.ok(sameOrigin('https://0x7f.1:8443/', 'https://127.0.0.1:8443/'))
    assert.ok(sameOrigin('https://user:pw@aed.example.org/', 'https://aed.example.org/'))
  })
  it('tells apart another scheme, host or port', () => {
    assert.ok(!sameOrigin('http://aed.example.org/', 'https://aed.example.org/'))
    assert.ok(!sameOrigin('https://aed.example.org:8443/', 'https://aed.example.org/'))
    assert.ok(!sameOrigin('https://evil.example.org/', 'https://aed.example.org/'))
    assert.ok(!sameOrigin('https://aed.example.org.evil.org/', 'https://aed.example.org/'))
    assert.ok(!sameOrigin('not a url', 'not a url'))
    assert.ok(!sameOrigin('data:,x', 'data:,x'))
    assert.equal(originOf('/relative'), undefined)
  })
})
