/**
 * The export direction as a sync (docs/architecture.md, "The export ledger"): plan
 * against the ledger (membership scan, related objects), stop before anything is sent when the
 * run would revoke too much, then stream revocations and the objects AED lacks into its TAXII
 * collection, committing each to the ledger as AED acknowledges it.
 */
import type { AuditEvent, AuditSink } from '../../audit/trail.js'
import { ConfigError, EXIT, ExitError } from '../../errors.js'
import { RemoteError } from '../../http/errors.js'
import type { Logger } from '../../log/logger.js'
import { idNamespace } from '../../stix/ids.js'
import type { StixObject } from '../../stix/types.js'
import { splitIntoBatches } from '../../taxii/batches.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import type { AddResult } from '../../taxii/status.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { DryRunOutput } from '../output.js'
import { guardMassChange, type RevocationRecord } from '../mass-guard.js'
import { ReasonLog } from '../reasons.js'
import { newSummary, type RunSummary, shortReason } from '../summary.js'
import { collectExport } from './collect.js'
import { type ExportContext, instanceIdentity } from './convert.js'
import { recoverLedgerFile } from '../ledger-file.js'
import { Ledger, type LedgerFiles, type LedgerUpdate } from './ledger.js'
import { generationOf, planSync, type SyncPlan } from './plan.js'
import { EXPORT_LEDGER, exportRecovery, recoverLedger } from './recover.js'
import type { ExportPolicy } from '../policy/verdict.js'
import { findRevocations, revocations, revokedVersions } from './revoke.js'
import { verifyLive } from './verify.js'

/**
 * [I: A-TAXII-DUPLICATE] A TAXII server that already holds an object in this exact version
 * refuses it (medallion: "Unable to process object because identical version exist."). For a
 * re-run that is success, not a rejection.
 */
export const IDENTICAL_VERSION = /identical version|already (exists?|present)|duplicate/i

export interface ExportDeps {
  threatq: ThreatqClient
  taxii: TaxiiClient
  logger: Logger
  /** Blocks and unblocks AED acknowledged, and refusals (src/audit/trail.ts). */
  audit: AuditSink
  /** Members of the data collection read (the plan's scan). */
  onProgress?: (done: number, total: number | undefined) => void
  /**
   * Objects AED acknowledged so far (stored, or already held in that version), of those this run
   * sends: an estimate from the plan until the last object is read, then exact.
   */
  onDelivered?: (acknowledged: number, total: number) => void
}

export interface ExportSettings {
  context: Omit<ExportContext, 'identityId' | 'generation'>
  dataCollection: string
  aedCollection: string
  depth: number
  pageSize: number
  maxObjects: number
  policy: ExportPolicy
  ledger: LedgerFiles
  /** The AED (host[:port]) the ledger must describe; one of another AED is set aside. */
  aed: string
  /** The id scope a ledger starts with when its file gives none (id-scope.ts). */
  idScope: string
  /** The scope a new ledger of this instance would have: `''` for the default instance. */
  instanceScope: string
  /** Entries the state file says the last saved ledger held (a missing file is then lost). */
  ledgerEntries: number | undefined
  /** --full: send every wanted object again. */
  full: boolean
  /** --since: send every member updated at or after it. */
  since: Date | undefined
  maxRevokePercent: number
  allowMassRevoke: boolean
  /** `max_revoke_window_hours`, the window's records so far, and the time they are judged at. */
  windowHours: number
  revocations: readonly RevocationRecord[]
  now: Date
  /** Write nothing to AED; with an output, record the bundles, revocations and refusals there. */
  dryRun: boolean
  output?: DryRunOutput | undefined
}

export interface ExportOutcome {
  summary: RunSummary
  /** What the saved ledger holds, and its id scope; undefined when it was not saved (dry run). */
  ledger: { objects: number; relationships: number; ids: string } | undefined
  /** The mass guard's window records to keep once this run has committed. */
  revocations: RevocationRecord[]
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
  const elsewhere: string[] = []
  for (const root of roots) {
    try {
      return await taxii.collection(root, title)
    } catch (error) {
      // A root on another origin was not requested (http/origin.ts); the others are still tried.
      if (error instanceof RemoteError && error.kind === 'origin') elsewhere.push(error.url)
      else lastError = error
    }
  }
  if (lastError === undefined && elsewhere.length > 0) {
    // Only the operator can say the AED's TAXII service lives there: a configuration matter.
    throw new ConfigError(
      `the AED's TAXII discovery names API roots only on another origin (${elsewhere.join(', ')}): not used, so that the TAXII credentials and the export are not sent there; if AED's TAXII service is there, set the hostname option to it`,
      { option: 'hostname' },
    )
  }
  throw lastError
}

export async function runExport(
  deps: ExportDeps,
  settings: ExportSettings,
): Promise<ExportOutcome> {
  const started = Date.now()
  const summary = newSummary('export', settings.dryRun)
  const { threatq, taxii, logger, audit } = deps
  const identity = instanceIdentity(settings.context.version, settings.context.host)

  const dataCollection: DataCollection = await threatq.findDataCollection(settings.dataCollection)
  const collection = await findTaxiiCollection(taxii, settings.aedCollection)
  summary.notes.push(`AED collection "${collection.info.title}" (${collection.info.id})`)
  const { ledger, problem } = await Ledger.open(
    settings.ledger,
    {
      aed: settings.aed,
      collection: collection.info.id,
      stixVersion: settings.context.version,
      host: settings.context.host,
    },
    settings.ledgerEntries,
    settings.dryRun,
    settings.idScope,
  )
  // The namespace this ledger's ids derive in: the ThreatQ host, scoped to the instance unless
  // the ledger holds shared ids (the default instance's, or written before scopes).
  const idHost = idNamespace(settings.context.host, ledger.ids)
  await recoverLedgerFile(
    problem,
    {
      file: settings.ledger.file,
      wording: EXPORT_LEDGER,
      decide: (p) => exportRecovery(p, collection.info.can_read),
      rebuild: () =>
        recoverLedger(
          { threatq, taxii, collection, host: idHost },
          ledger,
          dataCollection,
          settings.depth,
          settings.pageSize,
        ),
    },
    { logger, summary },
  )
  if (ledger.ids === '' && settings.instanceScope !== '')
    summary.notes.push(
      'this instance keeps the shared STIX ids its ledger was written with (before instances had ids of their own), so nothing is re-sent; another instance exporting the same objects into this collection can still revoke them, and --full restores them (docs/architecture.md)',
    )
  if (settings.full && collection.info.can_read) {
    // Before the plan: the generations it derives ids from must already say what AED holds.
    const changed = await verifyLive({ taxii, collection, idHost }, ledger)
    if (changed.revoked + changed.missing > 0)
      summary.notes.push(
        `--full: AED held ${String(changed.revoked)} of this instance's objects revoked and lacked ${String(changed.missing)}; they are sent again (a revoked one under a new id)`,
      )
  }
  const context: ExportContext = {
    ...settings.context,
    host: idHost,
    identityId: identity.id,
    generation: (ref) => generationOf(ledger, ref),
  }
  logger.info(
    {
      dataCollection: dataCollection.name,
      collection: collection.info.id,
      dryRun: settings.dryRun,
    },
    'export started',
  )

  const refusals: { id: number; value: string; reason: string }[] = []
  const sendSince = settings.since?.getTime()
  const plan = await planSync(
    {
      threatq,
      logger,
      summary,
      audit,
      onProgress: deps.onProgress,
      onRefusal: settings.output === undefined ? undefined : (r) => refusals.push(r),
    },
    ledger,
    {
      collection: dataCollection,
      depth: settings.depth,
      pageSize: settings.pageSize,
      full: settings.full,
      sendSince,
      policy: settings.policy,
      ctx: context,
    },
  )
  summary.notes.push(
    `data collection "${dataCollection.name}": ${String(plan.members)} indicators, ${String(plan.exportable)} exportable`,
  )
  const revoking = findRevocations(ledger, settings.policy)
  const window = guardMassChange(
    {
      byReason: revoking.byReason,
      count: revoking.guarded,
      held: ledger.liveCount(),
      members: plan.members,
    },
    { ...settings, history: settings.revocations },
    {
      doing: 'sending',
      verb: 'revoke',
      heldWhat: 'objects AED holds from this instance',
      noun: 'revocations',
    },
    audit,
  )
  if (revoking.total > 0 && !collection.info.can_read) {
    summary.rejected.add('not revoked: AED collection not readable', revoking.total)
    summary.problems.push(
      `${String(revoking.total)} objects should be revoked, but the AED collection is not readable (can_read is false) and revocations are built from AED's copies: give the TAXII client read access`,
    )
  }

  const inflight = new Map<string, LedgerUpdate[]>()
  /** What each object in flight is a block or unblock of: recorded once AED stored it. */
  const audited = new Map<string, AuditEvent>()
  const track = (id: string, updates: LedgerUpdate[], event?: AuditEvent): void => {
    if (settings.dryRun) return
    inflight.set(id, updates)
    if (event !== undefined) audited.set(id, event)
  }
  const settle = async (updates: LedgerUpdate[]): Promise<void> => {
    if (!settings.dryRun) await ledger.commit(updates)
  }
  const revocationList =
    collection.info.can_read && revoking.total > 0
      ? revocations(ledger, revoking, idHost, settings.policy)
      : []
  const listed: { id: string; threatq: string; reason: string }[] = []
  const delivery = deliveryCount(plan, collection.info.can_read ? revoking.total : 0, deps)
  /** Objects sent as revocations: a refusal takes them back from `<type> (revoked)`. */
  const revokingIds = new Set<string>()
  const objects = (async function* (): AsyncGenerator<StixObject[]> {
    let first = true
    const sources = [
      revokedVersions(
        {
          taxii,
          collection,
          logger,
          summary,
          now: Date.now(),
          track: (id, updates, event) => {
            revokingIds.add(id)
            track(id, updates, event)
          },
          settle,
        },
        (function* () {
          for (const r of revocationList) {
            if (settings.output !== undefined)
              listed.push({ id: r.id, threatq: r.threatq, reason: r.reason })
            yield r
          }
        })(),
      ),
      collectExport({ threatq, logger, summary, track }, ledger, plan, {
        collection: dataCollection,
        pageSize: settings.pageSize,
        full: settings.full,
        sendSince,
        policy: settings.policy,
        ctx: context,
      }),
    ]
    for (const source of sources)
      for await (const chunk of source) {
        // The identity travels with the first object, so a run with nothing new sends nothing.
        if (first && chunk.length > 0) {
          first = false
          summary.sent.add('identity')
          delivery.read(1)
          yield [identity]
        }
        delivery.read(chunk.length)
        yield chunk
      }
    delivery.readAll()
  })()

  const rejections = new ReasonLog('AED rejected an object', 'warn')
  try {
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
          summary.sent.remove(typeOf(batch.object.id))
          summary.rejected.add('too large for the TAXII server')
          rejections.add('too large for the TAXII server', {
            id: batch.object.id,
            reason: batch.message,
          })
        }
      }
      await settings.output?.beginList('revocations')
      for (const r of listed) await settings.output?.item(r)
      await settings.output?.beginList('refusals')
      for (const r of refusals) await settings.output?.item(r)
    } else {
      await ledger.openJournal()
      delivery.acknowledged(0)
      await taxii.addObjects(collection, objects, {
        maxObjects: settings.maxObjects,
        beforeRequest: (sent) => ledger.intend(sent.flatMap(({ id }) => inflight.get(id) ?? [])),
        onRequest: async (result, _statusId, sent) => {
          const done = committed(result, sent, inflight)
          await ledger.commit(done.updates)
          for (const id of done.settled) {
            const event = audited.get(id)
            audited.delete(id)
            if (event !== undefined && done.stored.has(id)) audit.record(event)
          }
          delivery.acknowledged(acknowledgedBy(result))
          classify(result, summary, rejections, revokingIds)
        },
      })
    }
    rejections.flush(logger)
    const saved = settings.dryRun
      ? undefined
      : { ...(await ledger.save(new Date())), ids: ledger.ids }
    summary.durationMs = Date.now() - started
    logger.info(
      {
        fetched: summary.fetched.toJSON(),
        sent: summary.sent.toJSON(),
        skipped: summary.skipped.toJSON(),
        refused: summary.refused.toJSON(),
        revoked: summary.revoked.toJSON(),
        rejected: summary.rejected.toJSON(),
        unchanged: summary.unchanged.toJSON(),
        ledger: saved,
      },
      'export finished',
    )
    return { summary, ledger: saved, revocations: window }
  } finally {
    await ledger.closeJournal()
  }
}

/** What the progress shows of the delivery (ExportDeps.onDelivered). */
function deliveryCount(
  plan: SyncPlan,
  revocations: number,
  deps: Pick<ExportDeps, 'onDelivered'>,
): { read(n: number): void; readAll(): void; acknowledged(n: number): void } {
  const planned =
    revocations +
    plan.relatedToSend.length +
    plan.indicatorsToSend +
    plan.relationships.length / 4 +
    plan.reports.length
  // With the identity, which travels with the first object. Marking definitions and indicators
  // new since the scan come on top: an estimate until the stream of objects ends.
  const estimate = planned > 0 ? planned + 1 : 0
  let read = 0
  let exact = false
  let delivering = false
  let acknowledged = 0
  const show = (): void => {
    deps.onDelivered?.(acknowledged, exact ? read : Math.max(estimate, read))
  }
  return {
    read(n) {
      read += n
    },
    readAll() {
      exact = true
      // A dry run reads the stream too, and delivers nothing.
      if (delivering) show()
    },
    acknowledged(n) {
      delivering = true
      acknowledged += n
      show()
    },
  }
}

/** Objects a request's status counts as stored, and those AED already held in that version. */
const acknowledgedBy = (result: AddResult): number =>
  result.success + result.failures.filter((f) => IDENTICAL_VERSION.test(f.message)).length

/**
 * The ledger updates of the objects a request carried that AED stored (or already had): not the
 * ones it refused, not the ones still pending; those are offered again by the next run.
 */
function committed(
  result: AddResult,
  sent: readonly { id: string }[],
  inflight: Map<string, LedgerUpdate[]>,
): { updates: LedgerUpdate[]; settled: string[]; stored: Set<string> } {
  const notStored = new Set<string>()
  for (const f of result.failures) if (!IDENTICAL_VERSION.test(f.message)) notStored.add(f.id)
  for (const p of result.pendings) notStored.add(p.id)
  const updates: LedgerUpdate[] = []
  const settled: string[] = []
  const stored = new Set<string>()
  for (const { id } of sent) {
    const tracked = inflight.get(id)
    if (tracked === undefined) continue
    inflight.delete(id)
    settled.push(id)
    if (notStored.has(id)) continue
    updates.push(...tracked)
    stored.add(id)
  }
  return { updates, settled, stored }
}

/** The STIX type of an object by its id (`indicator--…`). */
const typeOf = (id: string): string => id.split('--')[0] ?? id

function classify(
  result: AddResult,
  summary: RunSummary,
  rejections: ReasonLog,
  revoking: ReadonlySet<string>,
): void {
  for (const failure of result.failures) {
    const type = typeOf(failure.id)
    // Counted as sent when it was queued; AED held it already (often the identity and markings
    // that travel with every run's first batch): one object, one figure.
    summary.sent.remove(revoking.has(failure.id) ? `${type} (revoked)` : type)
    if (IDENTICAL_VERSION.test(failure.message)) {
      summary.unchanged.add(type)
      continue
    }
    const reason = shortReason(failure.message)
    summary.rejected.add(reason)
    rejections.add(reason, { id: failure.id, version: failure.version, reason: failure.message })
  }
  // Not known to be stored, not known to be refused: the run fails, its checkpoint stays put and
  // the next run offers these objects again.
  if (result.pending > 0)
    throw new ExitError(
      EXIT.failed,
      `AED had not finished ${String(result.pending)} object(s) when status polling gave up (timeouts.taxii_status_seconds in the config file); the next run sends them again`,
    )
}
