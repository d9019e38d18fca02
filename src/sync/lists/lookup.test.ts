import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type AedList,
  type ListCalls,
  type ListEntry,
  type ListPage,
  LISTS,
} from '../../aed/lists.js'
import { canonicalValue, lookUpValues, MAX_LOOKUP_PAGES } from './lookup.js'

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

  it("compares a URL's host without case, the rest as written", async () => {
    assert.equal(
      canonicalValue('url', 'HTTP://Bad.Example:8080/Path?Q=1'),
      'bad.example:8080/Path?Q=1',
    )
    assert.equal(canonicalValue('url', 'User@Bad.EXAMPLE/X'), 'User@bad.example/X')
    assert.equal(canonicalValue('url', 'Bad.Example'), 'bad.example')
    const { lists } = calls(() => [entry('Bad.Example/Path')])
    const { found } = await lookUpValues(lists, LISTS.inboundDenyUrls, ['bad.example/Path'])
    assert.deepEqual([...found.keys()], ['bad.example/Path'])
  })

  it('a domain or URL with a comma, white space, a control or bidi character is no value of ours', () => {
    for (const kind of ['domain', 'url'] as const)
      for (const value of [
        'a.example,victim.example',
        'a.example\nb.example',
        'a.example b',
        'a.example\u0000',
        'a.example/\u202Eexe.txt',
        'a.example\u2066',
      ])
        assert.equal(canonicalValue(kind, value), undefined, `${kind} ${JSON.stringify(value)}`)
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
    // Every page is full of other values: nothing can be confirmed.
    const { lists, asked } = calls((_v, page, perPage) =>
      Array.from({ length: perPage }, (_, i) => entry(`10.${String(page)}.0.${String(i)}`)),
    )
    const result = await lookUpValues(
      lists,
      LISTS.outboundDenyHosts,
      ['192.0.2.1', '192.0.2.2'],
      new Set(),
      4,
    )
    assert.deepEqual(result.unknown, ['192.0.2.1', '192.0.2.2'])
    // The pair, then each alone: (2u - 1) answers of MAX_LOOKUP_PAGES pages each.
    assert.equal(result.requests, 3 * MAX_LOOKUP_PAGES)
    assert.equal(asked.length, result.requests)
  })

  it('a server that ignores page: the values not shown are asked again in halves', async () => {
    const held = ['10.0.0.10', '10.0.0.50', '10.0.0.5'].map((v) => entry(v))
    // Substring matches, sorted, always page 1 of 2 records.
    const { lists, asked } = calls((values, _page, perPage) =>
      held.filter((e) => values.some((v) => e.value.includes(v))).slice(0, perPage),
    )
    const result = await lookUpValues(
      lists,
      LISTS.outboundDenyHosts,
      ['10.0.0.1', '10.0.0.5'],
      new Set(),
      2,
    )
    assert.deepEqual([...result.found.keys()], ['10.0.0.5'])
    assert.deepEqual(result.unknown, [], '10.0.0.1 confirmed absent alone: a short answer')
    assert.deepEqual(asked, [
      '10.0.0.1,10.0.0.5 p1 n2',
      '10.0.0.1,10.0.0.5 p2 n2',
      '10.0.0.1 p1 n2',
      '10.0.0.5 p1 n2',
    ])
  })

  it('a value to forget is asked alone even after a complete answer', async () => {
    let capped = true
    const { lists, asked } = calls((values) => {
      // A server that silently answers one record, whatever perPage asks, the first time.
      const all = values.map((v) => entry(v))
      const out = capped ? all.slice(0, 1) : all
      capped = false
      return out
    })
    const result = await lookUpValues(
      lists,
      LISTS.outboundDenyHosts,
      ['192.0.2.1', '192.0.2.2'],
      new Set(['192.0.2.2']),
    )
    assert.deepEqual([...result.found.keys()].sort(), ['192.0.2.1', '192.0.2.2'])
    assert.equal(asked.length, 2)
  })
})
