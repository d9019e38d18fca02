import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type AedList,
  type ListCalls,
  type ListEntry,
  type ListPage,
  LISTS,
} from '../../aed/lists.js'
import { canonicalValue, CONFIRM_PER_PAGE, lookUpValues, MAX_LOOKUP_PAGES } from './lookup.js'

const entry = (value: string, note = 'x'): ListEntry => ({
  value,
  annotations: [note],
  pgids: [],
  cids: [],
})

/** A value filter answering whatever `answer` says, counting the requests. */
function calls(answer: (values: readonly string[], page: number, perPage: number) => ListEntry[]) {
  const asked: string[] = []
  const lists = {
    lookup(_l: AedList, values: readonly string[], page = 1, perPage = values.length) {
      asked.push(`${values.join(',')} p${String(page)} n${String(perPage)}`)
      const entries = answer(values, page, perPage)
      return Promise.resolve<ListPage>({ entries, records: entries.length })
    },
  } as unknown as ListCalls
  return { lists, asked }
}

describe('lookUpValues', () => {
  it('compares records in the form values are kept: IPv6 case, /32, domain case, URL scheme', () => {
    assert.equal(canonicalValue('host', '2001:DB8:0::10'), '2001:db8::10')
    assert.equal(canonicalValue('host', '192.0.2.1/32'), '192.0.2.1')
    assert.equal(canonicalValue('host', 'not an address'), undefined)
    assert.equal(canonicalValue('domain', 'Bad.Example.'), 'bad.example')
    assert.equal(canonicalValue('url', 'http://bad.example/x'), 'bad.example/x')
  })

  it('finds a value AED shows in another form, and ignores records that are not asked for', async () => {
    const { lists } = calls(() => [entry('2001:DB8::10'), entry('2001:db8::100')])
    const { found, unknown } = await lookUpValues(lists, LISTS.outboundDenyHosts, [
      '2001:db8::10',
      '2001:db8::1',
    ])
    assert.deepEqual([...found.keys()], ['2001:db8::10'])
    assert.equal(found.get('2001:db8::10')?.value, '2001:db8::10')
    assert.deepEqual(unknown, [])
  })

  it('a value never confirmed absent (every answer full) is unknown, within a bounded count', async () => {
    const l: AedList = LISTS.outboundDenyHosts
    // Every page is full of other values: nothing can be confirmed.
    const { lists, asked } = calls((_v, page, perPage) =>
      Array.from({ length: perPage }, (_, i) =>
        entry(`10.${String(page)}.${String(i >> 8)}.${String(i & 255)}`),
      ),
    )
    const result = await lookUpValues(lists, l, ['192.0.2.1', '192.0.2.2'])
    assert.deepEqual(result.unknown, ['192.0.2.1', '192.0.2.2'])
    assert.equal(result.requests, MAX_LOOKUP_PAGES * 3)
    assert.equal(asked.length, result.requests)
    assert.ok(
      asked.slice(MAX_LOOKUP_PAGES).every((a) => a.endsWith(`n${String(CONFIRM_PER_PAGE)}`)),
    )
  })
})
