import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { LISTS } from '../../aed/lists.js'
import { ListLedger, listLedgerCounts } from './ledger.js'

const file = async (): Promise<string> =>
  join(await mkdtemp(join(tmpdir(), 'tq-lists-ledger-')), 'x.lists.json')

describe('lists ledger', () => {
  it('round-trips entries, foreign marks and scopes, in a 0600 file', async () => {
    const path = await file()
    const { ledger } = await ListLedger.open(path, 'aed:443', undefined)
    ledger.set({
      list: LISTS.outboundDenyHosts.id,
      value: '203.0.113.1',
      owner: 1,
      scope: undefined,
    })
    ledger.set({ list: LISTS.inboundDenyDomains.id, value: 'a.example', owner: 2, scope: '7,9' })
    ledger.set({
      list: LISTS.outboundDenyHosts.id,
      value: '203.0.113.2',
      owner: 3,
      scope: undefined,
      foreign: true,
    })
    assert.equal(await ledger.save(), 3)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const again = await ListLedger.open(path, 'aed:443', 3)
    assert.equal(again.problem, undefined)
    assert.deepEqual([...again.ledger.entries.values()], [...ledger.entries.values()])
    assert.equal(again.ledger.own, 2)
  })

  it('a missing file is lost only when the state says it held entries', async () => {
    const path = await file()
    assert.equal((await ListLedger.open(path, 'aed', undefined)).problem, undefined)
    assert.equal((await ListLedger.open(path, 'aed', 0)).problem, undefined)
    assert.equal((await ListLedger.open(path, 'aed', 5)).problem?.kind, 'lost')
  })

  it('moves a corrupt file or one of another AED aside and starts empty', async () => {
    for (const [text, kind] of [
      [
        '{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1, "aed": "aed", "entries": [["nope", "x", 1, null]]}',
        'corrupt',
      ],
      [
        '{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1, "aed": "aed", "entries": [["outbound-denied-hosts", "x", -1, null]]}',
        'corrupt',
      ],
      ['{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1', 'corrupt'],
      [
        '{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1, "aed": "other", "entries": []}',
        'retargeted',
      ],
    ] as const) {
      const path = await file()
      await writeFile(path, text)
      const { ledger, problem } = await ListLedger.open(path, 'aed', 1)
      assert.equal(problem?.kind, kind, text)
      assert.equal(ledger.size, 0)
      const left = await readdir(join(path, '..'))
      assert.deepEqual(left.length, 1)
      assert.match(left[0] ?? '', new RegExp(`x\\.lists\\.json\\.${kind}-`))
      assert.equal(await readFile(join(path, '..', left[0] ?? ''), 'utf8'), text)
    }
  })

  it('a dry run reports a bad file but leaves it in place', async () => {
    const path = await file()
    await writeFile(
      path,
      '{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1, "aed": "other", "entries": []}',
    )
    const { problem } = await ListLedger.open(path, 'aed', 1, true)
    assert.equal(problem?.kind, 'retargeted')
    assert.deepEqual(await readdir(join(path, '..')), ['x.lists.json'])
  })

  it('a malformed file is corrupt whichever AED it names, as the export ledger tells it', async () => {
    const path = await file()
    await writeFile(
      path,
      '{"format": "tq-conn-netscout-aed AED lists ledger", "version": 1, "aed": "other", "entries": [["nope", "x", 1, null]]}',
    )
    const { problem } = await ListLedger.open(path, 'aed', 1)
    assert.equal(problem?.kind, 'corrupt')
    assert.equal(problem.detail, 'an entry names an unknown list')
  })

  it('--status names the file and why it is unreadable, as the export ledger does', async () => {
    const path = await file()
    await writeFile(path, '{"format": "something else"}')
    const why = await listLedgerCounts(path)
    if (typeof why !== 'string') assert.fail(`not unreadable: ${JSON.stringify(why)}`)
    assert.ok(why.startsWith(`${path}: it is not a lists ledger this connector reads: `), why)
  })
})
