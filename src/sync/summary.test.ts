import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatSummary, newSummary } from './summary.js'

describe('formatSummary', () => {
  it('a note or problem quoting a server stays one line of its own (issue 20)', () => {
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
