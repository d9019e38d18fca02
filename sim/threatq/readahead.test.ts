import assert from 'node:assert/strict'
import { setImmediate as tick } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { ReadAhead } from './readahead.js'
import { createThreatqSim } from './app.js'
import { Store } from './store.js'
import { at, SimClient } from './test-support.js'

const body = (text: string): Buffer<ArrayBuffer> => Buffer.from(text)

/** Lets a scheduled read-ahead render run. */
const settle = async (): Promise<void> => {
  await tick()
  await tick()
}

describe('ReadAhead', () => {
  it('hands a rendered page out once, only while its store is unchanged', async () => {
    const store = new Store(() => 0)
    const ahead = new ReadAhead()
    ahead.schedule('k', store, () => body('page 2'))
    assert.equal(ahead.take('k', store), undefined, 'not rendered before the response is out')
    await settle()
    assert.equal(ahead.take('k', store)?.toString(), 'page 2')
    assert.equal(ahead.take('k', store), undefined, 'taken once')

    ahead.schedule('k', store, () => body('stale'))
    await settle()
    store.changed()
    assert.equal(ahead.take('k', store), undefined, 'a change since rendering discards it')

    ahead.schedule('k', store, () => body('other store'))
    await settle()
    assert.equal(ahead.take('k', new Store(() => 0)), undefined, 'a reset store never sees it')
  })
})

describe('cursor pages rendered ahead', () => {
  async function setup(): Promise<{ c: SimClient; hash: string }> {
    const c = new SimClient(createThreatqSim({ clock: () => Date.UTC(2026, 0, 10) }))
    const items = Array.from({ length: 9 }, (_, i) => ({
      value: `host${String(i)}.example`,
      type: 'FQDN',
      status: 'Active',
      attributes: [{ name: 'Label', value: 'benign' }],
      adversaries: i === 4 ? [{ name: 'APT Ahead' }] : [],
    }))
    assert.equal((await c.post('/api/indicators/consume', items)).status, 200)
    const saved = await c.post('/api/search/query', {
      name: 'All',
      json: { api_query: { filters: { status_name: 'Active' } } },
    })
    return { c, hash: at(saved.body, 'data', 'hash') as string }
  }

  const page = (c: SimClient, hash: string, mark: string, extra = ''): Promise<unknown> =>
    c
      .get(
        `/api/indicators/query/hash/${hash}?limit=3&cursorMark=${encodeURIComponent(mark)}${extra}`,
      )
      .then((r) => r.body)

  it('show an update made between pages', async () => {
    const { c, hash } = await setup()
    const first = await page(c, hash, '*')
    await settle()
    const put = await c.put('/api/indicators/5', { description: 'changed after page 1' })
    assert.equal(put.status, 200)
    const second = await page(c, hash, at(first, 'nextCursorMark') as string)
    assert.deepEqual(
      (at(second, 'data') as { id: number }[]).map((d) => d.id),
      [4, 5, 6],
    )
    assert.equal(at(second, 'data', 1, 'description'), 'changed after page 1')
  })

  it('serve the same bytes as a page rendered on request when nothing changed', async () => {
    const { c, hash } = await setup()
    const first = await page(c, hash, '*')
    await settle()
    const mark = at(first, 'nextCursorMark') as string
    const ahead = await page(c, hash, mark)
    const again = await page(c, hash, mark)
    assert.deepEqual(ahead, again)
    assert.equal(at(ahead, 'total'), 9)
  })

  it('never leak one fields/with/limit shape into another', async () => {
    const { c, hash } = await setup()
    const first = await page(c, hash, '*', '&with=adversaries')
    await settle()
    const mark = at(first, 'nextCursorMark') as string
    const plain = await page(c, hash, mark)
    assert.equal(at(plain, 'data', 1, 'id'), 5)
    assert.equal(at(plain, 'data', 1, 'adversaries'), undefined, 'no with= asked this time')
    assert.equal(at(plain, 'data', 1, 'attributes'), undefined)

    const again = await page(c, hash, '*', '&with=adversaries')
    await settle()
    const withFields = await page(
      c,
      hash,
      at(again, 'nextCursorMark') as string,
      '&with=adversaries&fields=*,attributes',
    )
    assert.equal(at(withFields, 'data', 1, 'attributes', 0, 'value'), 'benign')
    assert.equal(at(withFields, 'data', 1, 'adversaries', 0, 'name'), 'APT Ahead')

    const third = await page(c, hash, '*')
    await settle()
    const longer = await c.get(
      `/api/indicators/query/hash/${hash}?limit=5&cursorMark=${encodeURIComponent(at(third, 'nextCursorMark') as string)}`,
    )
    assert.deepEqual(
      (at(longer.body, 'data') as { id: number }[]).map((d) => d.id),
      [4, 5, 6, 7, 8],
    )
  })
})
