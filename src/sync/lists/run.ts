/**
 * The export delivered to AED's deny and allow lists over REST (README.md, "Delivery to AED's deny
 * and allow lists"): plan against the lists ledger, stop before anything is written when the run
 * would remove too much, then remove what left and add what is new. A run with nothing new makes no
 * call.
 */
import { GLOBAL_SCOPE, type ListCalls, type Scope } from '../../aed/lists.js'
import type { AuditSink } from '../../audit/trail.js'
import { ConfigError } from '../../errors.js'
import type { Logger } from '../../log/logger.js'
import type { ThreatqClient } from '../../threatq/client.js'
import type { DryRunOutput } from '../output.js'
import { guardMassChange, type RevocationRecord } from '../mass-guard.js'
import { newSummary, type RunSummary } from '../summary.js'
import { recoverLedgerFile } from '../ledger-file.js'
import { deliver, type RestCall } from './deliver.js'
import { ListLedger } from './ledger.js'
import { planLists } from './plan.js'
import { LISTS_LEDGER, listsRecovery, recoverListLedger } from './recover.js'
import type { ListPolicy } from './targets.js'

export interface ListDeliveryDeps {
  threatq: ThreatqClient
  lists: ListCalls
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
  dryRun: boolean
  output?: DryRunOutput | undefined
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

export async function runListDelivery(
  deps: ListDeliveryDeps,
  settings: ListDeliverySettings,
): Promise<ListDeliveryOutcome> {
  const started = Date.now()
  const summary = newSummary('lists', settings.dryRun)
  const { threatq, lists, logger, audit } = deps
  const collection = await threatq.findDataCollection(settings.dataCollection)
  const { ledger, problem } = await ListLedger.open(
    settings.ledgerFile,
    settings.aedHost,
    settings.ledgerEntries,
    settings.dryRun,
  )
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
  const held = ledger.own
  logger.info({ dataCollection: collection.name, dryRun: settings.dryRun }, 'list delivery started')

  const refusals: { id: number; value: string; reason: string }[] = []
  const plan = await planLists(
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
  const leaving = plan.removals.filter((r) => !r.replaced)
  const byReason = new Map<string, number>()
  for (const r of leaving) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1)
  const window = guardMassChange(
    { byReason, count: leaving.length, held, members: plan.members },
    { ...settings, history: settings.revocations },
    {
      doing: 'writing',
      verb: 'remove',
      heldWhat: 'AED list entries this instance made',
      noun: 'removals',
    },
    audit,
  )

  const calls: RestCall[] = []
  try {
    if (plan.adds.length > 0 || plan.removals.length > 0)
      await deliver(
        {
          lists,
          logger,
          summary,
          audit,
          ledger,
          instance: settings.instance,
          dryRun: settings.dryRun ? (call) => calls.push(call) : undefined,
          onProgress: deps.onWrites,
        },
        plan,
      )
  } finally {
    // What AED confirmed before a failure stays known.
    if (!settings.dryRun) await ledger.save()
  }
  if (settings.output !== undefined) {
    await settings.output.beginSection('lists')
    await settings.output.beginList('calls')
    for (const call of calls) await settings.output.item(call)
    await settings.output.beginList('refusals')
    for (const r of refusals) await settings.output.item(r)
  }
  const entries = settings.dryRun ? undefined : ledger.size
  summary.durationMs = Date.now() - started
  logger.info(
    {
      sent: summary.sent.toJSON(),
      removed: summary.revoked.toJSON(),
      foreign: summary.foreign.toJSON(),
      refused: summary.refused.toJSON(),
      rejected: summary.rejected.toJSON(),
      unchanged: summary.unchanged.toJSON(),
      ledger: entries,
    },
    'list delivery finished',
  )
  return { summary, entries, revocations: window }
}
