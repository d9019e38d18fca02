import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MIN_SECRET_LENGTH, Secrets } from './secrets.js'

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

describe("Secrets (the run's one scrubber)", () => {
  it('scrubs a secret raw, JSON-escaped (once and twice), URL- and form-encoded', () => {
    const password = 'p"a\\ss %w0rd/é'
    const s = new Secrets()
    s.add(password)
    const json = JSON.stringify(password).slice(1, -1)
    for (const form of [
      password,
      json,
      JSON.stringify(json).slice(1, -1),
      encodeURIComponent(password),
      encodeURIComponent(password).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      new URLSearchParams({ p: password }).toString().slice(2),
    ]) {
      const out = s.scrub(`before ${form} after`)
      assert.equal(out, 'before [REDACTED] after', form)
    }
  })

  it('scrubs HTTP Basic credentials: password, user:password, its base64 and `Basic …`', () => {
    const s = new Secrets()
    s.addBasic('stix-client', 'taxii-S3cret!')
    const basic = b64('stix-client:taxii-S3cret!')
    assert.equal(s.scrub(`Authorization: Basic ${basic}`), 'Authorization: Basic [REDACTED]')
    assert.equal(
      s.scrub(`"auth":"Basic ${encodeURIComponent(basic)}"`),
      '"auth":"Basic [REDACTED]"',
    )
    assert.equal(s.scrub('got stix-client:taxii-S3cret!'), 'got [REDACTED]')
    // The user name alone is not a secret: the log can still say who was refused.
    assert.equal(s.scrub('user stix-client refused'), 'user stix-client refused')
  })

  it('scrubs `Bearer …` once the token is registered, and every token of a rotation', () => {
    const s = new Secrets()
    s.add('access-1-aaaaaaaa')
    s.add('refresh-1-bbbbbbbb')
    // The refresh grant issues new tokens mid-run; the old ones may still be echoed.
    s.add('access-2-cccccccc')
    s.add('refresh-2-dddddddd')
    assert.equal(
      s.scrub(
        'Bearer access-1-aaaaaaaa Bearer access-2-cccccccc refresh-1-bbbbbbbb refresh-2-dddddddd',
      ),
      'Bearer [REDACTED] Bearer [REDACTED] [REDACTED] [REDACTED]',
    )
  })

  it('replaces overlapping secrets whole: the longest first, in one pass', () => {
    const s = new Secrets()
    s.add('secret')
    s.add('xxsecretyy')
    s.add('REDACTED') // a value inside the censor text is not re-scrubbed in it
    assert.equal(s.scrub('a xxsecretyy b secret c'), 'a [REDACTED] b [REDACTED] c')
    assert.equal(s.scrub('a secretsecret'), 'a [REDACTED][REDACTED]')
  })

  it(`does not register values shorter than ${String(MIN_SECRET_LENGTH)} characters, but their Basic forms`, () => {
    const s = new Secrets()
    s.add('abc')
    s.add('')
    s.add(undefined)
    s.addBasic('user', 'pw')
    assert.equal(s.scrub('abc pw text'), 'abc pw text')
    assert.equal(s.scrub(`user:pw ${b64('user:pw')}`), '[REDACTED] [REDACTED]')
  })

  it('leaves text alone when nothing is registered, and regex characters are literal', () => {
    assert.equal(new Secrets().scrub('a.b*c'), 'a.b*c')
    const s = new Secrets()
    s.add('a.b*c+(d)')
    assert.equal(s.scrub('axb*c+(d) a.b*c+(d)'), 'axb*c+(d) [REDACTED]')
  })

  it('scrubs credentials given in a URL (a proxy), decoded and as sent', () => {
    const s = new Secrets()
    s.addUrlCredentials('http://proxy-user:pr%40xy-pw@proxy.example:3128/')
    s.addUrlCredentials('not a url @ all')
    assert.equal(
      s.scrub(`pr@xy-pw pr%40xy-pw ${b64('proxy-user:pr@xy-pw')}`),
      '[REDACTED] [REDACTED] [REDACTED]',
    )
  })
})
