import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Counter, formatSummary, newSummary, shortReason } from './summary.js'

describe('formatSummary', () => {
  it('a note or problem quoting a server stays one line of its own', () => {
    const s = newSummary('export')
    // A collection title and an AED refusal, as a hostile server would word them.
    s.notes.push('AED collection "T\n  PROBLEM: none\u202e" (id)')
    s.problems.push('AED refused: bad\r\nexport (0.0 s)')
    const lines = formatSummary([s]).split('\n')
    assert.equal(lines.length, 10)
    assert.equal(lines[8], '  AED collection "T\\u000a  PROBLEM: none\\u202e" (id)')
    assert.equal(lines[9], '  PROBLEM: AED refused: bad\\u000d\\u000aexport (0.0 s)')
    assert.equal(lines.filter((l) => l.startsWith('  PROBLEM:')).length, 1)
  })
})

describe('formatSummary: what each figure says', () => {
  it('a dry run says so in its title, per target, and claims no delivery', () => {
    const exported = newSummary('export', true)
    exported.sent.add('indicator', 3)
    const lists = newSummary('lists', true)
    const imported = newSummary('import', true)
    const text = formatSummary([exported, lists, imported])
    assert.match(text, /^export \(0\.0 s, dry run: nothing sent to AED\)$/m)
    assert.match(text, /^export to AED lists \(0\.0 s, dry run: nothing sent to AED\)$/m)
    assert.match(text, /^import \(0\.0 s, dry run: nothing sent to ThreatQ\)$/m)
    assert.match(text, /^ {2}would send: indicator 3$/m)
    assert.match(text, /^ {2}would revoke: none$/m)
    assert.match(text, /^ {2}would remove: none$/m)
    assert.match(text, /^ {2}would update: none$/m)
    assert.doesNotMatch(text, /^ {2}(sent|revoked|removed|updated):/m)
  })

  it('a real run keeps its wording and alignment', () => {
    const s = newSummary('import')
    s.sent.add('event', 2)
    s.updated.add('event', 1)
    const lines = formatSummary([s]).split('\n')
    assert.equal(lines[0], 'import (0.0 s)')
    assert.equal(lines[2], '  sent:      event 2')
    assert.equal(lines[3], '  updated:   event 1')
  })

  it('rejected and unchanged are counted per reason and kind, printed like skipped', () => {
    const s = newSummary('export')
    s.rejected.add(shortReason('tools are not accepted here'), 2)
    s.rejected.add('too large for the TAXII server')
    s.unchanged.add('indicator', 5)
    s.unchanged.add('relationship', 2)
    const text = formatSummary([s])
    assert.match(
      text,
      /^ {2}rejected: {2}too large for the TAXII server 1, tools are not accepted here 2$/m,
    )
    assert.match(text, /^ {2}unchanged: indicator 5, relationship 2$/m)
  })
})

describe('shortReason', () => {
  it('one line, per-object ids and sizes replaced, so that one cause is one reason', () => {
    const a = shortReason('bad pattern in\n indicator--0b5e6a3c-7d7f-5a86-9a4f-1f2e3d4c5b6a')
    const b = shortReason('bad pattern in indicator--1c5e6a3c-7d7f-5a86-9a4f-1f2e3d4c5b6a')
    assert.equal(a, 'bad pattern in <id>')
    assert.equal(a, b)
    assert.equal(
      shortReason('HTTP 413: the object is 123456 bytes, over 100000'),
      'HTTP 413: the object is N bytes, over N',
    )
    assert.equal(shortReason('   '), 'no reason given')
    assert.equal(shortReason('x'.repeat(200)).length, 80)
  })
})

describe('Counter', () => {
  it('remove takes back a count, never below zero; a zero add shows nothing', () => {
    const c = new Counter()
    c.add('identity')
    c.add('event', 0)
    c.remove('identity')
    c.remove('marking-definition')
    assert.deepEqual(c.toJSON(), {})
    assert.equal(c.total, 0)
  })
})
