/**
 * The export delivered to AED's deny and allow lists over REST (README.md, "Delivery to AED's deny
 * and allow lists"), as the phases of one delivery (../pipeline.ts): open and recover the lists
 * ledger, plan against it, stop before anything is written when the run would remove too much,
 * then remove what left and add what is new through the writer the caller chose (writer.ts: AED,
 * or the dry-run file). A run with nothing new makes no call.
 */
import { GLOBAL_SCOPE, type ListCalls, type Scope } from '../../aed/lists.js'
import type { AuditSink } from '../../audit/trail.js'
import { ConfigError } from '../../errors.js'
import type { Logger } from '../../log/logger.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import { recoverLedgerFile } from '../ledger-file.js'
import type { MassChange, RevocationRecord } from '../mass-guard.js'
import { type DeliveryPhases, runDelivery } from '../pipeline.js'
import { newSummary, type RunSummary } from '../summary.js'
import { deliver } from './deliver.js'
import { ListLedger } from './ledger.js'
import { type ListPlan, planLists } from './plan.js'
import { LISTS_LEDGER, listsRecovery, recoverListLedger } from './recover.js'
import type { ListPolicy } from './targets.js'
import type { ListWriter } from './writer.js'

export interface ListDeliveryDeps {
  threatq: ThreatqClient
  lists: ListCalls
  /** Where the writes go: `liveListWriter(lists)`, or a dry run's `RecordingListWriter`. */
  writer: ListWriter
  logger: Logger
  /** Entries AED confirmed writing or removing, and refusals (src/audit/trail.ts). */
  audit: AuditSink
  onProgress?: (done: number, total: number | undefined) => void
  /** After the scan: entries settled in AED so far, of those the run touches. */
  onWrites?: (done: number, total: number) => void
}

export interface ListDeliverySettings {
  dataCollection: string
  pageSize: number
  policy: ListPolicy
  /** `rest_protection_groups`: names; empty is every protection group (global, pgid -1). */
  protectionGroups: readonly string[]
  instance: string
  /** The AED host the ledger belongs to. */
  aedHost: string
  ledgerFile: string
  /** Entries the state file says the last saved ledger held (a missing file is then lost). */
  ledgerEntries: number | undefined
  full: boolean
  since: Date | undefined
  maxRevokePercent: number
  allowMassRevoke: boolean
  /** `max_revoke_window_hours`, the window's records so far, and the time they are judged at. */
  windowHours: number
  revocations: readonly RevocationRecord[]
  now: Date
}

export interface ListDeliveryOutcome {
  summary: RunSummary
  /** Entries the saved ledger holds; undefined when it was not saved (dry run). */
  entries: number | undefined
  /** The mass guard's window records to keep once this run has committed. */
  revocations: RevocationRecord[]
}

/** The wire scope of the configured protection groups; a missing name is a usage error. */
async function resolveScope(lists: ListCalls, names: readonly string[]): Promise<Scope> {
  if (names.length === 0) return GLOBAL_SCOPE
  const groups = await lists.protectionGroups()
  const ids: number[] = []
  for (const name of names) {
    const group = groups.find((g) => g.name.toLowerCase() === name.toLowerCase())
    if (group === undefined)
      throw new ConfigError(
        `rest_protection_groups: AED has no protection group named ${JSON.stringify(name)} (it has ${groups.map((g) => JSON.stringify(g.name)).join(', ') || 'none'})`,
        { option: 'rest_protection_groups' },
      )
    ids.push(group.pgid)
  }
  return [...new Set(ids)].sort((a, b) => a - b).join(',')
}

/** The phases of a list delivery; `plan` resolves the scope, then scans the data collection. */
function listPhases(
  deps: ListDeliveryDeps,
  settings: ListDeliverySettings,
  collection: DataCollection,
  summary: RunSummary,
): DeliveryPhases<ListLedger, ListPlan, number> {
  const { lists, logger, audit, writer } = deps
  let held = 0
  return {
    saveOnFailure: true,
    open: () =>
      ListLedger.open(
        settings.ledgerFile,
        settings.aedHost,
        settings.ledgerEntries,
        // A dry run's writer: a bad file stays where it is and nothing is saved.
        writer.readOnly,
      ),
    recover: async (ledger, problem) => {
      await recoverLedgerFile(
        problem,
        {
          file: settings.ledgerFile,
          wording: LISTS_LEDGER,
          decide: listsRecovery,
          rebuild: () => recoverListLedger(lists, ledger, settings.instance, logger),
        },
        { logger, summary },
      )
      held = ledger.own
    },
    plan: (ledger) => planPhase(deps, settings, collection, summary, ledger),
    change: (_ledger, plan) => massChange(plan, held),
    send: async (ledger, plan) => {
      if (plan.adds.length > 0 || plan.removals.length > 0)
        await deliver(
          {
            writer,
            lists,
            logger,
            summary,
            audit,
            ledger,
            instance: settings.instance,
            onProgress: deps.onWrites,
          },
          plan,
        )
      await writer.finish()
    },
    // What AED confirmed before a failure stays known; a read-only (dry-run) ledger saves nothing.
    commit: (ledger) => ledger.save(),
    started: () => ({ dataCollection: collection.name }),
  }
}

/** Resolves the scope, then scans the data collection against the ledger. */
async function planPhase(
  deps: ListDeliveryDeps,
  settings: ListDeliverySettings,
  collection: DataCollection,
  summary: RunSummary,
  ledger: ListLedger,
): Promise<ListPlan> {
  const { threatq, lists, logger, audit, writer } = deps
  const plan = await planLists(
    {
      threatq,
      logger,
      summary,
      audit,
      onProgress: deps.onProgress,
      onRefusal: (r) => {
        writer.refused(r)
      },
    },
    ledger,
    {
      collection,
      pageSize: settings.pageSize,
      policy: settings.policy,
      scope: await resolveScope(lists, settings.protectionGroups),
      full: settings.full,
      sendSince: settings.since?.getTime(),
    },
  )
  summary.notes.push(
    `data collection "${collection.name}": ${String(plan.members)} indicators, ${String(plan.deliverable)} deliverable`,
  )
  return plan
}

/** What the plan would take back, for the mass guard: a scope change's removal is no removal. */
export function massChange(plan: Pick<ListPlan, 'removals' | 'members'>, held: number): MassChange {
  const byReason = new Map<string, number>()
  let count = 0
  for (const r of plan.removals) {
    if (r.replaced) continue
    count++
    byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1)
  }
  return { byReason, count, held, members: plan.members }
}

export async function runListDelivery(
  deps: ListDeliveryDeps,
  settings: ListDeliverySettings,
): Promise<ListDeliveryOutcome> {
  const summary = newSummary('lists', deps.writer.readOnly)
  const collection = await deps.threatq.findDataCollection(settings.dataCollection)
  const outcome = await runDelivery(listPhases(deps, settings, collection, summary), {
    title: 'list delivery',
    logger: deps.logger,
    summary,
    audit: deps.audit,
    guard: { ...settings, history: settings.revocations },
    words: {
      doing: 'writing',
      verb: 'remove',
      heldWhat: 'AED list entries this instance made',
      noun: 'removals',
    },
    finishFields: (s) => ({
      sent: s.sent.toJSON(),
      removed: s.revoked.toJSON(),
      foreign: s.foreign.toJSON(),
      refused: s.refused.toJSON(),
      rejected: s.rejected.toJSON(),
      unchanged: s.unchanged.toJSON(),
    }),
  })
  return { summary, entries: outcome.saved, revocations: outcome.revocations }
}
