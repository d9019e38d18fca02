/**
 * Bad-input corpus, hostile remote data: ThreatQ records and pages for an export, AED alerts and
 * lists for an import, served by the simulators (and, for pages that never end, a small server
 * in front of the ThreatQ simulator). Data in ./cases; each case runs the command in-process.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { RunningServer } from '../../sim/common/serve.js'
import { aedObjects, startWorld, type World } from '../../sim/world/world.js'
import { AED_ALERTS, type ImportCase } from './cases/aed-alerts.js'
import { configFile, threatqOf } from './cases/config.js'
import { THREATQ_DATA, type ExportCase } from './cases/threatq-data.js'
import { startEndlessThreatq } from './endless-threatq.js'
import { patternsOf, patternValue } from './harness.js'
import { runCase, type CorpusCase } from './run-case.js'

/** The saved search the cases' connector exports (its query page is what the cases serve). */
const COLLECTION = 'AED Export'

function sortedValues(run: Awaited<ReturnType<typeof runCase>>): string[] {
  assert.ok(run.doc !== undefined, 'the dry run wrote its --output file')
  return patternsOf(run.doc).map(patternValue).sort()
}

describe('bad-input corpus: hostile remote data', () => {
  let world: World
  before(async () => {
    world = await startWorld()
    await world.threatq.admin('POST', '/_sim/load', {
      searches: [{ name: COLLECTION, json: { api_query: { criteria: { source_name: 'none' } } } }],
    })
  })
  after(async () => {
    await world.stop()
  })

  describe(`ThreatQ data for an export (${String(THREATQ_DATA.length)} cases)`, () => {
    for (const c of THREATQ_DATA)
      it(c.name, async () => {
        const run = await runCase(world, c)
        const expected: ExportCase['exported'] = c.exported
        if (expected !== undefined) assert.deepEqual(sortedValues(run), [...expected].sort())
      })
  })

  describe(`AED alerts for an import (${String(AED_ALERTS.length)} cases)`, () => {
    for (const c of AED_ALERTS)
      it(c.name, async () => {
        const run = await runCase(world, c)
        const expected: ImportCase['events'] = c.events
        if (expected === undefined) return
        const titles = (run.doc?.import?.events ?? []).map((e) => e.title)
        for (const id of expected)
          assert.equal(
            titles.filter((t) => t.endsWith(` alert ${String(id)}: blocked-host`)).length,
            1,
            `alert ${String(id)} becomes exactly one event`,
          )
      })
  })

  describe('ThreatQ query pages that never end (2 cases, a server in front of the simulator)', () => {
    const endless = (
      name: string,
      total: number | undefined,
      fresh: boolean,
      msg: RegExp,
    ): CorpusCase & { total: number | undefined; fresh: boolean } => ({
      name,
      total,
      fresh,
      instance: fresh ? 'endless-fresh' : 'endless-same',
      ui: {},
      argv: ['-e', '--dry-run', '--full', '-v', '2'],
      expect: { code: 1, stderr: msg },
    })
    for (const c of [
      endless(
        'fresh records and cursors forever, past the announced total',
        250,
        true,
        /paging of the data collection "[^"]+" stopped after \d+ records: ThreatQ kept returning pages past its total of 250/,
      ),
      endless(
        'the same page under a new cursor forever, no total',
        undefined,
        false,
        /paging of the data collection "[^"]+" stopped after 100 records: ThreatQ returned the same page again/,
      ),
    ])
      it(c.name, async () => {
        let proxy: RunningServer | undefined
        try {
          proxy = await startEndlessThreatq(world.threatq.url, { total: c.total, fresh: c.fresh })
          const url = proxy.url
          await runCase(world, {
            ...c,
            files: configFile((config) => (threatqOf(config).host = url)),
          })
        } finally {
          await proxy?.close()
        }
      })
  })

  it('hostile values loaded through /_sim/load reach AED intact: it parses every pattern back to the value', async () => {
    const values = [
      "http://evil.example/it's",
      'http://evil.example/a\\b',
      "http://evil.example/\\'",
      'http://evil.example/a]b',
      "http://evil.example/']OR[ipv4-addr:value='1.1.1.1",
      'http://evil.example/пример',
    ]
    await world.threatq.admin('POST', '/_sim/load', {
      objects: {
        indicators: values.map((value) => ({
          value,
          type: 'URL',
          status: 'Active',
          sources: [{ name: 'Corpus Load' }],
        })),
      },
      searches: [
        { name: 'Corpus Load', json: { api_query: { criteria: { source_name: 'Corpus Load' } } } },
      ],
    })
    await runCase(world, {
      name: 'real export',
      instance: 'real-load',
      files: configFile(),
      ui: { data_collection: 'Corpus Load', relationship_depth: '0' },
      argv: ['-e'],
      expect: { code: 0, stdout: /sent/ },
    })
    const stored = (await aedObjects(world, '2.0'))
      .filter((o) => o.type === 'indicator')
      .map((o) => patternValue(String(o.pattern)))
    assert.deepEqual([...new Set(stored)].sort(), [...values].sort())
  })
})
