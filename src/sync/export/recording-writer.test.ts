import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { NO_AUDIT } from '../../audit/trail.js'
import { silentLogger } from '../../log/logger.js'
import { Secrets } from '../../log/secrets.js'
import type { StixObject } from '../../stix/types.js'
import { createTaxiiClient, type TaxiiClient, type TaxiiCollection } from '../../taxii/client.js'
import { DryRunOutput } from '../output.js'
import { newSummary, type RunSummary } from '../summary.js'
import { memoryLedger } from './ledger-testing.js'
import { NOT_RECORDED, recordInFile, recordingTaxiiWriter } from './recording-writer.js'
import type { WriteTarget } from './writer.js'

const COLLECTION: TaxiiCollection = {
  root: 'http://127.0.0.1:9/api1/',
  url: 'http://127.0.0.1:9/api1/collections/c1/',
  info: { id: 'c1', title: 'AED', can_read: true, can_write: true },
  maxContentLength: 2000,
}
const indicator = (n: number, extra: Record<string, unknown> = {}): StixObject => ({
  type: 'indicator',
  id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  ...extra,
})
async function* stream(...chunks: StixObject[][]): AsyncGenerator<StixObject[]> {
  for (const chunk of chunks) yield chunk
  await Promise.resolve()
}
const NO_PROGRESS = { acknowledged: () => undefined }

describe('the dry run records instead of sending', () => {
  let taxii: TaxiiClient
  let dir: string
  before(async () => {
    // Never asked anything: a dry run only reads its TAXII version.
    taxii = createTaxiiClient({ version: '2.1', url: 'http://127.0.0.1:9' })
    dir = await mkdtemp(join(tmpdir(), 'recording-'))
  })
  after(async () => {
    await taxii.close()
    await rm(dir, { recursive: true, force: true })
  })
  const target = (summary: RunSummary): WriteTarget => ({
    taxii,
    collection: COLLECTION,
    ledger: memoryLedger(),
    summary,
    logger: silentLogger,
    audit: NO_AUDIT,
    maxObjects: 1000,
  })

  it('takes an oversized revocation back from `<type> (revoked)`, where it was counted', async () => {
    const summary = newSummary('export', true)
    const revocation = indicator(1, { revoked: true, pattern: 'x'.repeat(3000) })
    const other = indicator(2)
    summary.sent.add('indicator (revoked)')
    summary.sent.add('indicator')
    const writer = recordingTaxiiWriter(NOT_RECORDED).open(target(summary))
    await writer.write(stream([revocation], [other]), new Set([revocation.id]), NO_PROGRESS)
    assert.deepEqual(summary.sent.toJSON(), { indicator: 1 })
    assert.deepEqual(summary.rejected.toJSON(), { 'too large for the TAXII server': 1 })
  })

  it('takes an oversized object that is no revocation back from its type', async () => {
    const summary = newSummary('export', true)
    summary.sent.add('indicator', 2)
    const writer = recordingTaxiiWriter(NOT_RECORDED).open(target(summary))
    const big = indicator(1, { pattern: 'x'.repeat(3000) })
    await writer.write(stream([big, indicator(2)]), new Set(), NO_PROGRESS)
    assert.deepEqual(summary.sent.toJSON(), { indicator: 1 })
  })

  it('writes the bodies, the revocations and the refusals to --output, and commits nothing', async () => {
    const path = join(dir, 'dry.json')
    const output = await DryRunOutput.open(path, new Secrets())
    const summary = newSummary('export', true)
    const t = target(summary)
    const writer = recordingTaxiiWriter(recordInFile(output)).open(t)
    writer.refused({ id: 5, value: '192.0.2.1', reason: 'never_block' })
    writer.revoking({
      id: 'indicator--r',
      threatq: 'indicators:9',
      reason: 'expired',
      update: { kind: 1, a: 1, b: 0, gen: 0 },
    })
    writer.track('indicator--x', [{ kind: 1, a: 1, b: 0, state: 1, gen: 0, version: 5 }])
    await writer.settle([{ kind: 1, a: 2, b: 0, state: 1, gen: 0, version: 5 }])
    await writer.write(stream([indicator(1)], [indicator(2)]), new Set(), NO_PROGRESS)
    await output.commit()
    const written = JSON.parse(await readFile(path, 'utf8')) as {
      export: { bundles: { objects: StixObject[] }[]; revocations: unknown[]; refusals: unknown[] }
    }
    assert.deepEqual(
      written.export.bundles.flatMap((b) => b.objects.map((o) => o.id)),
      [indicator(1).id, indicator(2).id],
    )
    assert.deepEqual(written.export.revocations, [
      { id: 'indicator--r', threatq: 'indicators:9', reason: 'expired' },
    ])
    assert.deepEqual(written.export.refusals, [
      { id: 5, value: '192.0.2.1', reason: 'never_block' },
    ])
    assert.equal(t.ledger.liveCount(), 0)
  })

  it('opens the ledger read-only', () => {
    assert.equal(recordingTaxiiWriter(NOT_RECORDED).readOnly, true)
  })
})
