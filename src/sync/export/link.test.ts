import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TqCollection, TqObject } from '../../threatq/model.js'
import { MARK } from '../policy/verdict.js'
import { newSummary } from '../summary.js'
import { stixIdOf } from './convert.js'
import { type EntryState, LIVE, REVOKED } from './key-table.js'
import { type Ledger, type LedgerUpdate, objectKey, UNKNOWN_VERSION, UPDATE } from './ledger.js'
import { memoryLedger } from './ledger-testing.js'
import { judgeRelationship, judgeReport, planLinks, reportVersion } from './link.js'
import { NumberList } from './number-list.js'
import { emptyPlan, endsVersion, refsDigest } from './sync-plan.js'

const HOST = 'tq.example'
const NO_FORCE = { full: false, sendSince: undefined }
const T = Date.UTC(2026, 10, 1)
const S = T / 1000

const newLedger = (...updates: LedgerUpdate[]): Ledger => memoryLedger(HOST, ...updates)
const object = (
  collection: TqCollection,
  id: number,
  version: number,
  state: EntryState = LIVE,
): LedgerUpdate => ({
  kind: UPDATE.OBJECT,
  a: objectKey(collection, id),
  b: 0,
  state,
  gen: 0,
  version,
})
const tq = (collection: TqCollection, id: number, updatedMs = T): TqObject => ({
  collection,
  id,
  name: `${collection} ${String(id)}`,
  createdAt: new Date(T - 86_400_000),
  updatedAt: new Date(updatedMs),
  attributes: [],
})

describe('relationships to send', () => {
  const a = objectKey('indicators', 1)
  const b = objectKey('malware', 2)

  it('a new one goes under generation 0; the same link met again is counted once', () => {
    const ledger = newLedger()
    assert.equal(judgeRelationship(ledger, a, b, 0, false), 0)
    assert.equal(judgeRelationship(ledger, a, b, 0, false), 'seen')
    assert.equal(ledger.relationships.mark(ledger.relationships.find(a, b)), MARK.exportable)
  })

  it('one AED holds with its ends at their ids is unchanged, unless --full', () => {
    const held: LedgerUpdate = { kind: UPDATE.RELATIONSHIP, a, b, state: LIVE, gen: 0, version: 0 }
    assert.equal(judgeRelationship(newLedger(held), a, b, 0, false), 'unchanged')
    assert.equal(judgeRelationship(newLedger(held), a, b, 0, true), 0)
  })

  it('one whose end has a new id, or that was revoked, goes under the next generation', () => {
    const held: LedgerUpdate = { kind: UPDATE.RELATIONSHIP, a, b, state: LIVE, gen: 0, version: 0 }
    assert.equal(judgeRelationship(newLedger(held), a, b, endsVersion(1, 0), false), 1)
    const revoked: LedgerUpdate = { ...held, state: REVOKED }
    assert.equal(judgeRelationship(newLedger(revoked), a, b, 0, false), 1)
  })
})

describe('report versions', () => {
  it('AED holding it at this version with the same refs: nothing to send', () => {
    assert.equal(reportVersion(100, 100, true, false), undefined)
    assert.equal(reportVersion(101, 100, true, false), undefined)
  })
  it('changed in ThreatQ, new, or forced: the ThreatQ version', () => {
    assert.equal(reportVersion(100, 105, true, false), 105)
    assert.equal(reportVersion(undefined, 100, true, false), 100)
    assert.equal(reportVersion(100, 105, true, true), 105)
  })
  it('only the refs changed: a version after the one AED holds', () => {
    assert.equal(reportVersion(100, 100, false, false), 101)
    assert.equal(reportVersion(103, 100, false, false), 104)
    // Forced with the same refs: the version AED holds, sent again.
    assert.equal(reportVersion(103, 100, true, true), 103)
  })
})

describe('reports against the ledger', () => {
  const key = objectKey('report', 7)
  const refs = ['indicator--1']

  it('a report that links to no exported object is skipped', () => {
    assert.equal(judgeReport(newLedger(), key, tq('report', 7), [], NO_FORCE), 'skipped')
  })

  it('a report held at this version with these refs is unchanged; --full or --since send it', () => {
    const ledger = newLedger(object('report', 7, S), {
      kind: UPDATE.REPORT_DIGEST,
      a: key,
      b: 0,
      state: LIVE,
      gen: 0,
      version: refsDigest(refs),
    })
    assert.equal(judgeReport(ledger, key, tq('report', 7), refs, NO_FORCE), 'unchanged')
    assert.equal(ledger.objects.mark(ledger.objects.find(key)), MARK.exportable)
    const full = judgeReport(ledger, key, tq('report', 7), refs, {
      full: true,
      sendSince: undefined,
    })
    assert.equal(typeof full === 'object' && full.version, S)
    const since = judgeReport(ledger, key, tq('report', 7), refs, { full: false, sendSince: T })
    assert.equal(typeof since === 'object' && since.version, S)
  })

  it('new refs: sent with their digest, in a version after the one AED holds', () => {
    const ledger = newLedger(object('report', 7, S))
    const judged = judgeReport(ledger, key, tq('report', 7), refs, NO_FORCE)
    assert.deepEqual(typeof judged === 'object' && [judged.version, judged.digest, judged.refs], [
      S + 1,
      refsDigest(refs),
      refs,
    ])
  })

  it('a version the ledger does not know (a killed run) is no version to be newer than', () => {
    const ledger = newLedger(object('report', 7, UNKNOWN_VERSION))
    const judged = judgeReport(ledger, key, tq('report', 7), refs, NO_FORCE)
    assert.equal(typeof judged === 'object' && judged.version, S)
  })
})

describe('the links of a plan', () => {
  it('relates indicators to related objects, related objects to each other, and gives reports refs', () => {
    const ledger = newLedger(object('malware', 2, S), object('tool', 3, S - 10))
    const plan = emptyPlan()
    const related = (collection: TqCollection, id: number, refs: [TqCollection, number][]) =>
      plan.related.set(objectKey(collection, id), {
        object: tq(collection, id),
        refs: refs.map(([c, i]) => ({ collection: c, id: i })),
        level: 1,
      })
    related('malware', 2, [['tool', 3]])
    related('tool', 3, [])
    related('report', 7, [])
    related('report', 8, [])
    const links = new NumberList()
    links.push(objectKey('indicators', 1), objectKey('malware', 2), T)
    links.push(objectKey('indicators', 1), objectKey('report', 7), T)
    const summary = newSummary('export')
    const settings = { depth: 2, ...NO_FORCE, ctx: ctx() }
    const unseen = planLinks(ledger, plan, links, settings, summary)
    // indicator–malware and malware–tool, each once.
    assert.equal(plan.relationships.length / 4, 2)
    // The malware is held at its version, the tool changed since.
    assert.deepEqual(plan.relatedToSend, [objectKey('tool', 3)])
    assert.equal(summary.unchanged.toJSON().malware, 1)
    // Report 7 refers to the indicator; report 8 links to nothing exported.
    assert.deepEqual(
      plan.reports.map((r) => [r.key, r.refs]),
      [[objectKey('report', 7), [stixIdOf({ collection: 'indicators', id: 1 }, HOST)]]],
    )
    assert.equal(summary.skipped.toJSON()['report with no exported objects'], 1)
    // The new report has no ledger entry yet.
    assert.equal(unseen, 1)
  })

  it('at the depth, a related object is not linked further', () => {
    const ledger = newLedger()
    const plan = emptyPlan()
    plan.related.set(objectKey('malware', 2), {
      object: tq('malware', 2),
      refs: [{ collection: 'tool', id: 3 }],
      level: 1,
    })
    plan.related.set(objectKey('tool', 3), { object: tq('tool', 3), refs: [], level: 1 })
    planLinks(
      ledger,
      plan,
      new NumberList(),
      { depth: 1, ...NO_FORCE, ctx: ctx() },
      newSummary('export'),
    )
    assert.equal(plan.relationships.length, 0)
    assert.equal(plan.relatedToSend.length, 2)
  })
})

function ctx() {
  return {
    version: '2.1' as const,
    host: HOST,
    baseUrl: 'https://tq.example',
    identityId: 'identity--x',
    defaultLabels: { indicator: [], 'threat-actor': [], malware: [], tool: [], report: [] },
    exportAllTypes: false,
  }
}
