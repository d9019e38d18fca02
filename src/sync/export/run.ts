/**
 * The export direction: ThreatQ data collection → STIX → AED's TAXII collection. Streams
 * (fetch, convert, split, post with bounded concurrency), counts what AED rejected, and moves the
 * checkpoint only when every object before it has been committed.
 */
import { EXIT, ExitError } from '../../errors.js'
import type { Logger } from '../../http/logger.js'
import { splitIntoBatches } from '../../taxii/batches.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import type { AddResult } from '../../taxii/status.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { DryRunOutput } from '../output.js'
import { newSummary, type RunSummary } from '../summary.js'
import { collectExport, type ExportHighWater, type ExportPlan } from './collect.js'
import { type ExportContext, instanceIdentity } from './convert.js'

/**
 * [I: A-TAXII-DUPLICATE] A TAXII server that already holds an object in this exact version
 * refuses it (medallion: "Unable to process object because identical version exist."). For a
 * re-run that is success, not a rejection.
 */
export const IDENTICAL_VERSION = /identical version|already (exists?|present)|duplicate/i

export interface ExportCheckpoint {
  updatedSince?: Date | undefined
  idsAtCheckpoint: number[]
}

export interface ExportDeps {
  threatq: ThreatqClient
  taxii: TaxiiClient
  logger: Logger
  onProgress?: (done: number, total: number | undefined) => void
}

export interface ExportSettings {
  context: Omit<ExportContext, 'identityId'>
  dataCollection: string
  aedCollection: string
  depth: number
  pageSize: number
  maxObjects: number
  checkpoint: ExportCheckpoint
  /** Write nothing to AED; with an output, record the bundles there. */
  dryRun: boolean
  output?: DryRunOutput | undefined
}

export interface ExportOutcome {
  summary: RunSummary
  /** The checkpoint to save; undefined when it must not move. */
  checkpoint: ExportCheckpoint | undefined
}

/** Finds the AED collection by title on the default API root, then on the others. */
export async function findTaxiiCollection(
  taxii: TaxiiClient,
  title: string,
): Promise<TaxiiCollection> {
  const discovery = await taxii.discover()
  const roots = [
    ...new Set(
      [discovery.default, ...(discovery.api_roots ?? [])].filter(
        (r): r is string => r !== undefined,
      ),
    ),
  ]
  if (roots.length === 0) throw new Error('the TAXII discovery resource lists no API roots')
  let lastError: unknown
  for (const root of roots) {
    try {
      return await taxii.collection(root, title)
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}

export async function runExport(
  deps: ExportDeps,
  settings: ExportSettings,
): Promise<ExportOutcome> {
  const started = Date.now()
  const summary = newSummary('export')
  const { threatq, taxii, logger } = deps
  const identity = instanceIdentity(settings.context.version, settings.context.host)
  const context: ExportContext = { ...settings.context, identityId: identity.id }

  const dataCollection: DataCollection = await threatq.findDataCollection(settings.dataCollection)
  const collection = await findTaxiiCollection(taxii, settings.aedCollection)
  summary.notes.push(`AED collection "${collection.info.title}" (${collection.info.id})`)
  logger.info(
    {
      dataCollection: dataCollection.name,
      collection: collection.info.id,
      dryRun: settings.dryRun,
    },
    'export started',
  )

  const plan: ExportPlan = {
    collection: dataCollection,
    depth: settings.depth,
    updatedSince: settings.checkpoint.updatedSince,
    exportedAtCheckpoint: new Set(settings.checkpoint.idsAtCheckpoint),
    pageSize: settings.pageSize,
  }
  const highWater: ExportHighWater = { updatedAt: undefined, ids: new Set() }
  const objects = (async function* () {
    let first = true
    for await (const chunk of collectExport(
      { threatq, logger, summary, ...(deps.onProgress ? { onPage: deps.onProgress } : {}) },
      context,
      plan,
      highWater,
    )) {
      // The identity travels with the first object, so a run with nothing new sends nothing.
      if (first) {
        first = false
        summary.sent.add('identity')
        yield [identity]
      }
      yield chunk
    }
  })()

  if (settings.dryRun) {
    await settings.output?.beginSection('export')
    await settings.output?.beginList('bundles')
    for await (const batch of splitIntoBatches(objects, {
      version: taxii.version,
      maxBytes: collection.maxContentLength,
      maxObjects: settings.maxObjects,
    })) {
      if (batch.kind === 'batch') await settings.output?.raw(batch.body)
      else {
        summary.rejected += 1
        logger.warn(
          { id: batch.object.id, reason: batch.message },
          'object too large for the TAXII server',
        )
      }
    }
  } else {
    await taxii.addObjects(collection, objects, {
      maxObjects: settings.maxObjects,
      onRequest: (result) => {
        classify(result, summary, logger)
      },
    })
  }
  summary.durationMs = Date.now() - started
  logger.info(
    {
      fetched: summary.fetched.toJSON(),
      sent: summary.sent.toJSON(),
      skipped: summary.skipped.toJSON(),
      rejected: summary.rejected,
      unchanged: summary.unchanged,
    },
    'export finished',
  )

  // An object AED did not store (rejected) holds the checkpoint where it was,
  // so the next run offers it again; what AED already has comes back as "unchanged".
  const committed = !settings.dryRun && summary.rejected === 0
  return {
    summary,
    checkpoint: committed ? nextCheckpoint(settings.checkpoint, highWater) : undefined,
  }
}

function classify(result: AddResult, summary: RunSummary, logger: Logger): void {
  for (const failure of result.failures) {
    if (IDENTICAL_VERSION.test(failure.message)) {
      summary.unchanged += 1
      continue
    }
    summary.rejected += 1
    logger.warn(
      { id: failure.id, version: failure.version, reason: failure.message },
      'AED rejected an object',
    )
  }
  // Not known to be stored, not known to be refused: the run fails, its checkpoint stays put and
  // the next run offers these objects again.
  if (result.pending > 0)
    throw new ExitError(
      EXIT.failed,
      `AED had not finished ${String(result.pending)} object(s) when status polling gave up (timeouts.taxii_status_seconds in the config file); the next run sends them again`,
    )
}

/** The next run starts at the newest update seen; objects at that exact second are remembered. */
function nextCheckpoint(previous: ExportCheckpoint, highWater: ExportHighWater): ExportCheckpoint {
  const seen = highWater.updatedAt
  const before = previous.updatedSince
  if (seen === undefined || (before !== undefined && seen < before)) return previous
  const sameSecond = before !== undefined && seen.getTime() === before.getTime()
  const ids = new Set([...(sameSecond ? previous.idsAtCheckpoint : []), ...highWater.ids])
  return { updatedSince: seen, idsAtCheckpoint: [...ids].sort((a, b) => a - b) }
}
