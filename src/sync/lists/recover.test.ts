/**
 * A lost lists ledger is rebuilt from AED's answers, which a hostile or broken AED (or
 * a person copying our annotation) controls. An entry under our annotation whose value AED would
 * read as two (`a.example,victim.example`: list calls split on commas) must not enter the ledger:
 * its removal would remove `victim.example`, someone else's entry.
 */
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { type AedList, type ListCalls, type ListEntry, LISTS } from '../../aed/lists.js'
import type { Logger } from '../../log/logger.js'
import { ListLedger } from './ledger.js'
import { LISTS_LEDGER, listsRecovery, recoverListLedger } from './recover.js'
import { describeLedgerProblem, type LedgerProblem, type Recovery } from '../ledger-file.js'
import { LEDGER_PROBLEMS } from '../../../test/helpers/ledger-problems.js'

const ours = (owner: number, value: string, list: AedList): ListEntry => ({
  value,
  annotations: [`tq:netscout-aed:${String(owner)}`],
  pgids: list.direction === 'inbound' ? [1] : [],
  cids: list.direction === 'inbound' ? [-1] : [],
})

const REBUILD: Recovery = { fault: true, step: 'rebuild' }
const FRESH: Recovery = { fault: false, step: 'start-empty' }

describe('lists ledger recovery from hostile list answers', () => {
  it('leaves an entry whose value AED would split or display as another, and says so', async () => {
    const held: [AedList, string][] = [
      [LISTS.inboundDenyDomains, 'a.example,victim.example'],
      [LISTS.inboundDenyDomains, 'b.example\nc.example'],
      [LISTS.inboundDenyUrls, 'd.example/\u202Etxt.exe'],
      [LISTS.inboundDenyDomains, 'e.example'],
      [LISTS.inboundDenyUrls, 'f.example/x'],
    ]
    const lists = {
      // eslint-disable-next-line @typescript-eslint/require-await -- an async generator
      async *readAll(l: AedList) {
        yield held.filter(([list]) => list === l).map(([list, v], i) => ours(i + 1, v, list))
      },
    } as unknown as ListCalls
    const warnings: unknown[] = []
    const logger = {
      warn: (fields: unknown) => warnings.push(fields),
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
    } as unknown as Logger
    const path = join(await mkdtemp(join(tmpdir(), 'tq-recover-')), 'x.lists.json')
    const { ledger } = await ListLedger.open(path, 'aed', undefined)
    await recoverListLedger(lists, ledger, 'netscout-aed', logger)
    assert.deepEqual([...ledger.entries.values()].map((e) => e.value).sort(), [
      'e.example',
      'f.example/x',
    ])
    assert.equal(warnings.length, 3)
  })
})

describe('lists ledger recovery decision', () => {
  it('rebuilds a lost or corrupt ledger by the annotations, as a fault', () => {
    assert.deepEqual(listsRecovery({ kind: 'lost', detail: 'd' }), { fault: true, step: 'rebuild' })
    assert.deepEqual(listsRecovery({ kind: 'corrupt', detail: 'd', movedTo: 'm' }), {
      fault: true,
      step: 'rebuild',
    })
  })

  it('starts a new ledger for another AED, and that is no fault', () => {
    assert.deepEqual(listsRecovery({ kind: 'retargeted', detail: 'd', movedTo: 'm' }), {
      fault: false,
      step: 'start-empty',
    })
  })
})

describe('lists ledger problem messages', () => {
  const { lost, corrupt, moved } = LEDGER_PROBLEMS

  it('tells each problem in the one shape, promising no rebuild it will not make', () => {
    const cases: [LedgerProblem, Recovery, string][] = [
      [
        lost,
        REBUILD,
        "the AED lists ledger is lost: f is missing; this run rebuilds it from AED's lists, by this instance's annotations",
      ],
      [
        corrupt,
        REBUILD,
        "the AED lists ledger is corrupt (bad); it was moved to f.corrupt-1 and this run rebuilds it from AED's lists, by this instance's annotations",
      ],
      [
        moved,
        FRESH,
        'the AED lists ledger belongs to another AED (of x); it was moved to f.retargeted-1; this run starts a new one',
      ],
    ]
    for (const [problem, recovery, message] of cases)
      assert.equal(describeLedgerProblem(problem, recovery, LISTS_LEDGER), message)
  })
})
