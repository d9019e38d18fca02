/**
 * The TAXII export as the phases of one delivery (../pipeline.ts; docs/architecture.md, "One
 * delivery pipeline"): open the export ledger for AED's collection, recover it when it is lost or
 * corrupt, plan against it (membership scan, related objects, revocations), let the mass guard
 * judge the revocations, stream revocations and the objects AED lacks through the writer the
 * caller chose (writer.ts), and save the ledger.
 */
import { idNamespace } from '../../stix/ids.js'
import type { StixObject } from '../../stix/types.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import type { DataCollection } from '../../threatq/client.js'
import { type LedgerProblem, recoverLedgerFile } from '../ledger-file.js'
import type { MassChange } from '../mass-guard.js'
import type { DeliveryDeps, DeliveryPhases } from '../pipeline.js'
import type { ExportPolicy } from '../policy/verdict.js'
import type { RunSummary } from '../summary.js'
import { collectExport } from './collect.js'
import { type ExportContext, instanceIdentity } from './convert.js'
import { deliveryProgress } from './delivery-progress.js'
import { findTaxiiCollection } from './find-collection.js'
import { Ledger, type LedgerFiles } from './ledger.js'
import { outbound } from './outbound.js'
import { planSync } from './plan.js'
import { EXPORT_LEDGER, exportRecovery, recoverLedger } from './recover.js'
import {
  findRevocations,
  type Revocation,
  type RevocationSet,
  revocations,
  revokedVersions,
} from './revoke.js'
import { generationOf, type PlanSettings, type SyncPlan } from './sync-plan.js'
import { verifyLive } from './verify.js'
import type { ExportWriter, WriterChoice } from './writer.js'

export interface ExportDeps extends DeliveryDeps {
  taxii: TaxiiClient
  /** Where the objects go: AED (taxii-writer.ts) or a dry run's record (recording-writer.ts). */
  writer: WriterChoice
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
}

/** What the saved ledger holds, and its id scope. */
export interface SavedLedger {
  objects: number
  relationships: number
  ids: string
}

/** The export ledger once open, with what it is of. */
export interface OpenExport {
  ledger: Ledger
  collection: TaxiiCollection
  dataCollection: DataCollection
  /** The namespace this ledger's ids derive in (ids.ts idNamespace). */
  idHost: string
  context: ExportContext
  /** What the plan's scan and the collection of the objects to send both read by. */
  scan: PlanSettings
  /** The instance's identity, which every exported object is created by. */
  identity: StixObject
  /** Where this run's objects go (the caller's choice). */
  writer: ExportWriter
  /** Saves the ledger; undefined when it was opened read-only. */
  save(): Promise<SavedLedger | undefined>
}

export interface ExportPlan {
  sync: SyncPlan
  revoking: RevocationSet
}

/** The export's phases, for runDelivery (../pipeline.ts). */
export function exportPhases(
  deps: ExportDeps,
  settings: ExportSettings,
  summary: RunSummary,
): DeliveryPhases<OpenExport, ExportPlan, SavedLedger> {
  return {
    open: () => openExport(deps, settings, summary),
    recover: (run, problem) => recoverExport(deps, settings, summary, run, problem),
    started: (run) => ({
      dataCollection: run.dataCollection.name,
      collection: run.collection.info.id,
    }),
    plan: (run) => planExport(deps, settings, summary, run),
    change: (run, plan) => massChange(run.ledger, plan),
    send: (run, plan) => sendExport(deps, settings, summary, run, plan),
    commit: (run) => run.save(),
    close: (run) => run.ledger.closeJournal(),
    // A failed send leaves its commits in the journal, which the next run replays.
    saveOnFailure: false,
  }
}

async function openExport(
  deps: ExportDeps,
  settings: ExportSettings,
  summary: RunSummary,
): Promise<{ ledger: OpenExport; problem: LedgerProblem | undefined }> {
  const dataCollection = await deps.threatq.findDataCollection(settings.dataCollection)
  const collection = await findTaxiiCollection(deps.taxii, settings.aedCollection)
  summary.notes.push(`AED collection "${collection.info.title}" (${collection.info.id})`)
  const readOnly = deps.writer.readOnly
  const { ledger, problem } = await Ledger.open(
    settings.ledger,
    {
      aed: settings.aed,
      collection: collection.info.id,
      stixVersion: settings.context.version,
      host: settings.context.host,
    },
    settings.ledgerEntries,
    readOnly,
    settings.idScope,
  )
  // The namespace this ledger's ids derive in: the ThreatQ host, scoped to the instance unless
  // the ledger holds shared ids (the default instance's, or written before scopes).
  const idHost = idNamespace(settings.context.host, ledger.ids)
  const identity = instanceIdentity(settings.context.version, settings.context.host)
  const context: ExportContext = {
    ...settings.context,
    host: idHost,
    identityId: identity.id,
    generation: (ref) => generationOf(ledger, ref),
  }
  const target = { ...deps, collection, ledger, summary, maxObjects: settings.maxObjects }
  const save = async (): Promise<SavedLedger> => ({
    ...(await ledger.save(new Date())),
    ids: ledger.ids,
  })
  return {
    ledger: {
      ledger,
      collection,
      dataCollection,
      idHost,
      context,
      scan: {
        collection: dataCollection,
        depth: settings.depth,
        pageSize: settings.pageSize,
        full: settings.full,
        sendSince: settings.since?.getTime(),
        policy: settings.policy,
        ctx: context,
      },
      identity,
      writer: deps.writer.open(target),
      // A dry run's ledger is read-only: what it planned is never saved.
      save: readOnly ? () => Promise.resolve(undefined) : save,
    },
    problem,
  }
}

/** Tells a ledger problem and rebuilds from AED when that is the step; --full checks AED's copies. */
async function recoverExport(
  deps: ExportDeps,
  settings: ExportSettings,
  summary: RunSummary,
  run: OpenExport,
  problem: LedgerProblem | undefined,
): Promise<void> {
  const { ledger, collection, idHost } = run
  await recoverLedgerFile(
    problem,
    {
      file: settings.ledger.file,
      wording: EXPORT_LEDGER,
      decide: (p) => exportRecovery(p, collection.info.can_read),
      rebuild: () =>
        recoverLedger(
          { threatq: deps.threatq, taxii: deps.taxii, collection, host: idHost },
          ledger,
          run.dataCollection,
          settings.depth,
          settings.pageSize,
        ),
    },
    { logger: deps.logger, summary },
  )
  if (ledger.ids === '' && settings.instanceScope !== '')
    summary.notes.push(
      'this instance keeps the shared STIX ids its ledger was written with (before instances had ids of their own), so nothing is re-sent; another instance exporting the same objects into this collection can still revoke them, and --full restores them (docs/architecture.md)',
    )
  if (settings.full && collection.info.can_read) {
    // Before the plan: the generations it derives ids from must already say what AED holds.
    const changed = await verifyLive({ taxii: deps.taxii, collection, idHost }, ledger)
    if (changed.revoked + changed.missing > 0)
      summary.notes.push(
        `--full: AED held ${String(changed.revoked)} of this instance's objects revoked and lacked ${String(changed.missing)}; they are sent again (a revoked one under a new id)`,
      )
  }
}

/** The plan against the ledger, and what the ledger holds live that it no longer wants. */
async function planExport(
  deps: ExportDeps,
  settings: ExportSettings,
  summary: RunSummary,
  run: OpenExport,
): Promise<ExportPlan> {
  const sync = await planSync(
    {
      threatq: deps.threatq,
      logger: deps.logger,
      summary,
      audit: deps.audit,
      onProgress: deps.onProgress,
      onRefusal: (refusal) => {
        run.writer.refused(refusal)
      },
    },
    run.ledger,
    run.scan,
  )
  summary.notes.push(
    `data collection "${run.dataCollection.name}": ${String(sync.members)} indicators, ${String(sync.exportable)} exportable`,
  )
  return { sync, revoking: findRevocations(run.ledger, settings.policy) }
}

/** What the plan would revoke, against what AED holds from this instance (the mass guard's input). */
export function massChange(ledger: Pick<Ledger, 'liveCount'>, plan: ExportPlan): MassChange {
  return {
    byReason: plan.revoking.byReason,
    count: plan.revoking.guarded,
    held: ledger.liveCount(),
    members: plan.sync.members,
  }
}

/**
 * Revocations that can be sent: AED's copies are read back to build them, so a collection the
 * TAXII client cannot read revokes nothing, and says so.
 */
export function revocable(
  revoking: Pick<RevocationSet, 'total'>,
  canRead: boolean,
  summary: Pick<RunSummary, 'rejected' | 'problems'>,
): number {
  if (revoking.total === 0 || canRead) return revoking.total
  summary.rejected.add('not revoked: AED collection not readable', revoking.total)
  summary.problems.push(
    `${String(revoking.total)} objects should be revoked, but the AED collection is not readable (can_read is false) and revocations are built from AED's copies: give the TAXII client read access`,
  )
  return 0
}

async function sendExport(
  deps: ExportDeps,
  settings: ExportSettings,
  summary: RunSummary,
  run: OpenExport,
  plan: ExportPlan,
): Promise<void> {
  const { ledger, collection, writer } = run
  const count = revocable(plan.revoking, collection.info.can_read, summary)
  /** Objects sent as revocations: a refusal takes them back from `<type> (revoked)`. */
  const revoked = new Set<string>()
  const revocationList = function* (): Generator<Revocation> {
    if (count === 0) return
    for (const r of revocations(ledger, plan.revoking, run.idHost, settings.policy)) {
      writer.revoking(r)
      yield r
    }
  }
  const sources: AsyncIterable<StixObject[]>[] = [
    revokedVersions(
      {
        taxii: deps.taxii,
        collection,
        logger: deps.logger,
        summary,
        now: Date.now(),
        track: (id, updates, event) => {
          revoked.add(id)
          writer.track(id, updates, event)
        },
        settle: (updates) => writer.settle(updates),
      },
      revocationList(),
    ),
    collectExport(
      {
        threatq: deps.threatq,
        logger: deps.logger,
        summary,
        track: (id, updates, event) => {
          writer.track(id, updates, event)
        },
      },
      ledger,
      plan.sync,
      run.scan,
    ),
  ]
  const progress = deliveryProgress(plan.sync, count, deps.onDelivered)
  await writer.write(outbound(run.identity, sources, summary, progress), revoked, progress)
}
