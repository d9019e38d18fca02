import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { entriesLayout } from './ledger-layout.js'

/** The elements the layout finds, as text. */
function elements(text: string): string[] | undefined {
  const bytes = Buffer.from(text)
  const laid = entriesLayout(bytes)
  if (laid === undefined) return undefined
  return [...laid.elements].map(([start, end]) => bytes.toString('utf8', start, end).trim())
}

describe('lists ledger layout: the entries array found without parsing the file whole', () => {
  it('finds each entry, whatever the spacing, key order and strings hold', () => {
    assert.deepEqual(elements('{"aed":"a","entries":[["l","v",1,null],["l","x]\\"[,",2,"7"]]}'), [
      '["l","v",1,null]',
      '["l","x]\\"[,",2,"7"]',
    ])
    assert.deepEqual(
      elements(
        '{\n  "entries" : [ [ "l", "é,v", 1, null ] ,\n ["m","w",2,null]\n ],\n "aed": "a"}',
      ),
      ['[ "l", "é,v", 1, null ]', '["m","w",2,null]'],
    )
    assert.deepEqual(elements('{"entries":[],"aed":"a"}'), [])
    // A string value that reads "entries" is no key.
    assert.deepEqual(elements('{"aed":"entries","entries":[[1]]}'), ['[1]'])
  })

  it('answers undefined for anything else: the whole file is parsed and says why', () => {
    for (const text of [
      '{"aed":"a"}',
      '{"entries":[[1],]}',
      '{"entries":[,[1]]}',
      '{"entries":[[1]]',
      '{"entries":[[1]],"entries":[]}',
      '{"entries":[["unterminated]]}',
      '[]',
    ])
      assert.equal(elements(text), undefined, text)
  })
})
