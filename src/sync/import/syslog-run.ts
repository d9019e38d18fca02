/**
 * The import with `alert_source: syslog` (and `edm`, through `importNotifications`): what is new
 * since the checkpoint → aggregated ThreatQ events (blocked-events.ts), the loop closed on intel
 * this instance exported (own-intel.ts). Its phases: read the source, gather (up to 100,000
 * items), decide each part's writes (blocked-plan.ts `planPart`), write them to the writer the
 * caller chose (writer.ts), then commit the checkpoint after them with the running aggregates:
 * a crash re-reads at most what was gathered, and since the counts written are totals from the
 * saved aggregates (not increments), re-reading it writes the same values again — never a line
 * counted twice or skipped.
 */
import type { Logger } from '../../log/logger.js'
import { readCheckpoint } from '../../syslog/checkpoint.js'
import {
  readSyslogFile,
  WARNING_NOTICES,
  type SyslogReadOptions,
} from '../../syslog/file-reader.js'
import { parseSyslogLine } from '../../syslog/notification.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { ReasonLog } from '../reasons.js'
import { newSummary, type RunSummary } from '../summary.js'
import {
  EVENT_FIELDS,
  eventKey,
  keptFrom,
  type Aggregate,
  type EventFields,
  type Notification,
} from './blocked-events.js'
import {
  addBlock,
  applyPart,
  firstBlock,
  planPart,
  skipReason,
  type Pending,
} from './blocked-plan.js'
import type { ImportContext } from './convert.js'
import { KeySet } from './key-set.js'
import type { OwnIntel } from './own-intel.js'
import { SOURCE_TEXT, type CheckpointSlot } from './source-names.js'
import type { AggregateSource, SavedSyslog, SyslogAggregates } from './syslog-state.js'
import { threatqWriter, type ImportWriter } from './writer.js'

/** Items (lines) gathered before a write, and most keys held meanwhile (memory). */
const FLUSH_ITEMS = 100_000
const FLUSH_KEYS = 30_000

/** Bad lines logged one by one per run; the rest are counted. */
const LOGGED_BAD_LINES = 100

export interface SyslogImportDeps {
  threatq: ThreatqClient
  logger: Logger
  now: () => Date
  own: OwnIntel
  /** Saves the state after a batch is in ThreatQ (the recording writer never calls it). */
  commit: (saved: SavedSyslog) => Promise<void>
  onProgress?: (done: number) => void
}

export interface SyslogImportSettings {
  file: string
  /** Or how to get it: called once, before the first write (a run with nothing new never does). */
  context: ImportContext | (() => Promise<ImportContext>)
  severity: 'Low' | 'Medium' | 'High'
  keywords: readonly string[]
  /** Names of the attributes kept on exported indicators. */
  loopAttributes: { count: string; last: string }
  saved: SavedSyslog | undefined
  /**
   * Where the aggregates are read when `saved` has none (syslog-state.ts): only those of the keys
   * a batch writes, and only once it has something to write (a run with nothing new reads none).
   */
  aggregates?: AggregateSource
  /** Events per consume (`consume_batch_size`). */
  batchSize: number
  /** Items gathered before a write (default 100,000). */
  flushItems?: number
  /** ThreatQ (the default: `deps.threatq`), or the dry run's recording (writer.ts). */
  writer?: ImportWriter
  read?: SyslogReadOptions
}

export interface SyslogImportOutcome {
  summary: RunSummary
  eventsWritten: number
}

/**
 * A copy of a string that keeps nothing else alive: V8 represents a substring or a concatenation
 * as a view of its parts, so a field kept from a line would keep the whole line in memory.
 */
const detached = (s: string): string => JSON.parse(JSON.stringify(s)) as string

/**
 * What an event is built from, kept while lines are gathered: only the fields it uses
 * (EVENT_FIELDS), their strings detached from the line, so a key held costs little memory.
 */
function eventFields(n: Notification): EventFields {
  const out: Record<string, unknown> = {}
  for (const field of EVENT_FIELDS) {
    const v = n[field]
    out[field] = typeof v === 'string' ? detached(v) : v
  }
  return out as EventFields
}

/**
 * What an alert source hands the aggregating import: the items of one batch and the checkpoint
 * once they are in ThreatQ (opaque here, saved as is). The seam for `alert_source: edm`: an EDM
 * reader yields its records mapped to BlockedHost in batches like these.
 */
export type SourceItem =
  | { kind: 'blocked-host'; notification: Notification; where: Record<string, unknown> }
  | { kind: 'other'; other: string }
  | { kind: 'bad'; reason: string; where: Record<string, unknown>; what?: string }

export interface SourceBatch {
  items: SourceItem[]
  checkpoint: unknown
}

/** `syslog_file` as a source: the lines new since the checkpoint, parsed. */
export async function* syslogSource(
  file: string,
  saved: unknown,
  deps: Pick<SyslogImportDeps, 'logger' | 'now'>,
  read?: SyslogReadOptions,
): AsyncGenerator<SourceBatch> {
  const checkpoint = readCheckpoint(saved)
  if (saved !== undefined && checkpoint === undefined)
    deps.logger.warn(
      { file },
      'the saved syslog checkpoint is unreadable: reading the file from its start',
    )
  deps.logger.info({ file, offset: checkpoint?.offset }, 'syslog import started')
  for await (const batch of readSyslogFile(file, checkpoint, read)) {
    for (const n of batch.notices)
      deps.logger[WARNING_NOTICES.has(n.kind) ? 'warn' : 'info'](
        { kind: n.kind, file: n.file },
        n.message,
      )
    const now = deps.now().getTime()
    const items = batch.lines.map((line): SourceItem => {
      const parsed = parseSyslogLine(line, { now })
      const where = { file: line.file, line: line.line, offset: line.offset }
      return parsed.kind === 'other'
        ? { kind: 'other', other: parsed.other }
        : parsed.kind === 'bad'
          ? { kind: 'bad', reason: parsed.reason, where }
          : { kind: 'blocked-host', notification: parsed.notification, where }
    })
    yield { items, checkpoint: batch.checkpoint }
  }
}

export function runSyslogImport(
  deps: SyslogImportDeps,
  settings: SyslogImportSettings,
): Promise<SyslogImportOutcome> {
  return importNotifications(
    deps,
    settings,
    syslogSource(settings.file, settings.saved?.checkpoint, deps, settings.read),
  )
}

/** Blocked Host notifications of any source → aggregated events, checkpointed per batch. */
export async function importNotifications(
  deps: SyslogImportDeps,
  settings: Omit<SyslogImportSettings, 'file' | 'read'>,
  source: AsyncIterable<SourceBatch>,
  slot: CheckpointSlot = 'checkpoint',
): Promise<SyslogImportOutcome> {
  const started = Date.now()
  const writer = settings.writer ?? threatqWriter(deps.threatq, deps.logger)
  const run = new NotificationImport(deps, { ...settings, writer }, slot)
  // Blocks of one key arrive all hour: a write per source batch would update the same events
  // again and again. Batches are gathered until FLUSH_ITEMS items or FLUSH_KEYS keys.
  for await (const batch of source) {
    await run.gathering.add(batch)
    if (run.gathering.full(settings.flushItems ?? FLUSH_ITEMS, FLUSH_KEYS)) await run.flush()
  }
  await run.flush()
  await writer.finish()
  return run.report(started)
}

type NotificationSettings = Omit<SyslogImportSettings, 'file' | 'read'> & { writer: ImportWriter }

/**
 * The running aggregates as a run reads them: handed in whole (tests), copied so that a failed run
 * changes nothing; else the saved totals of a part's keys (`aggregates`), under the totals this
 * run committed that the state does not show (a dry run's: writer.ts `unsaved`).
 */
class RunTotals {
  private readonly stored: AggregateSource
  private indicators: Record<string, Aggregate> | undefined
  readonly whole: SyslogAggregates | undefined

  constructor(
    settings: NotificationSettings,
    private readonly writer: ImportWriter,
  ) {
    const given = settings.saved?.events
    this.whole =
      given === undefined
        ? undefined
        : { events: { ...given }, indicators: { ...settings.saved?.indicators } }
    this.stored = settings.aggregates ?? {
      events: () => Promise.resolve({}),
      indicators: () => Promise.resolve({}),
    }
  }

  /** The totals of these keys (and of every exported indicator), to write a part from. */
  async of(keys: readonly string[]): Promise<SyslogAggregates> {
    if (this.whole !== undefined) return this.whole
    this.indicators ??= await this.stored.indicators()
    const events = await this.stored.events(keys)
    for (const key of keys) {
      const total = this.writer.unsaved(key)
      if (total !== undefined) events[key] = total
    }
    return { events, indicators: this.indicators }
  }
}

/** The checkpoint of the source read, committed by the writer with the totals written. */
class Checkpoints {
  private readonly saved: SavedSyslog
  /** The checkpoint as last saved, to tell a part that read nothing new. */
  private mark: string

  constructor(
    settings: NotificationSettings,
    private readonly slot: CheckpointSlot,
    private readonly save: (saved: SavedSyslog) => Promise<void>,
  ) {
    this.saved = {
      checkpoint: settings.saved?.checkpoint,
      edmCheckpoint: settings.saved?.edmCheckpoint,
    }
    this.mark = JSON.stringify(settings.saved?.[slot] ?? null)
  }

  /** `totals`: what the part wrote (all of them when held whole); undefined when it wrote none. */
  async commit(
    writer: ImportWriter,
    checkpoint: unknown,
    totals: SyslogAggregates | undefined,
    whole: boolean,
  ): Promise<void> {
    if (checkpoint === undefined) return
    // Nothing read and nothing written since the last save: nothing to save (a rerun ≈ a stat).
    const mark = JSON.stringify(checkpoint)
    if (totals === undefined && mark === this.mark) return
    this.saved[this.slot] = checkpoint
    if (whole && totals !== undefined) prune(totals.events)
    await writer.commit(totals === undefined ? this.saved : { ...this.saved, ...totals }, this.save)
    this.mark = mark
  }
}

/** Source items gathered into the blocks of each key, until a part is written. */
class Gathering {
  pending = new Map<string, Pending>()
  items = 0
  checkpoint: unknown
  badLines = 0
  // Per-notification findings, once per reason with a few examples: a busy edge writes a million
  // lines, and -v 3 must not turn them into a million log lines.
  readonly fieldProblems = new ReasonLog('notification field')

  constructor(
    private readonly deps: SyslogImportDeps,
    private readonly settings: NotificationSettings,
    private readonly summary: RunSummary,
    private readonly slot: CheckpointSlot,
  ) {}

  async add(batch: SourceBatch): Promise<void> {
    for (const item of batch.items) {
      if (item.kind === 'blocked-host') await this.notification(item.notification, item.where)
      else this.skip(item)
    }
    this.items += batch.items.length
    this.deps.onProgress?.(this.items)
    if (batch.checkpoint !== undefined) this.checkpoint = batch.checkpoint
  }

  private skip(item: Exclude<SourceItem, { kind: 'blocked-host' }>): void {
    if (item.kind === 'other') {
      this.summary.skipped.add(`not imported: ${item.other} notification`)
      return
    }
    this.summary.skipped.add(item.what ?? 'bad syslog line')
    if (this.badLines++ < LOGGED_BAD_LINES)
      this.deps.logger.warn({ ...item.where, reason: item.reason }, SOURCE_TEXT[this.slot].skipped)
  }

  private taken = 0

  private async notification(n: Notification, where: Record<string, unknown>): Promise<void> {
    this.summary.fetched.add('blocked-host notification')
    for (const f of n.flags) this.fieldProblems.add(`${f.field} ${f.problem}`, where)
    const reason = skipReason(n, this.settings)
    if (reason !== undefined) {
      this.summary.skipped.add(reason)
      return
    }
    const timed = n as Notification & { time: number }
    const key = eventKey(timed)
    const p = this.pending.get(key)
    const own = await this.deps.own.indicatorsOf(n)
    if (p === undefined)
      this.pending.set(detached(key), firstBlock(eventFields(n), timed.time, own))
    else addBlock(p, timed.time, own)
  }

  /** Whether enough is gathered for a part (items since the last, or keys held). */
  full(items: number, keys: number): boolean {
    return this.items - this.taken >= items || this.pending.size >= keys
  }

  /** The keys gathered since the last part, in the order first seen. */
  take(): [string, Pending][] {
    const entries = [...this.pending]
    this.pending = new Map()
    this.taken = this.items
    return entries
  }
}

/** One run: its parts decided (blocked-plan.ts), written, counted and committed in turn. */
class NotificationImport {
  readonly summary: RunSummary
  readonly gathering: Gathering
  private readonly totals: RunTotals
  private readonly checkpoints: Checkpoints
  private readonly unimported = new ReasonLog('notification value not imported as an indicator')
  /**
   * The keys written this run, so that an event written in several parts is counted once. Memory:
   * 16–32 bytes a key, off V8's heap (key-set.ts): 1M keys, a run of 1M lines that are all
   * different keys, 16–32 MiB.
   */
  private readonly written = new KeySet()
  private eventsWritten = 0
  private context: ImportContext | undefined

  constructor(
    private readonly deps: SyslogImportDeps,
    private readonly settings: NotificationSettings,
    private readonly slot: CheckpointSlot,
  ) {
    this.summary = newSummary('import', settings.writer.dryRun)
    this.gathering = new Gathering(deps, settings, this.summary, slot)
    this.totals = new RunTotals(settings, settings.writer)
    this.checkpoints = new Checkpoints(settings, slot, deps.commit)
  }

  /** Writes what is gathered, `consume_batch_size` events at a time, then commits. */
  async flush(): Promise<void> {
    const entries = this.gathering.take()
    const totals =
      entries.length > 0 ? await this.totals.of(entries.map(([key]) => key)) : undefined
    if (totals !== undefined) {
      const { context } = this.settings
      this.context ??= typeof context === 'function' ? await context() : context
      for (let i = 0; i < entries.length; i += this.settings.batchSize)
        await this.writePart(new Map(entries.slice(i, i + this.settings.batchSize)), totals)
    }
    await this.checkpoints.commit(
      this.settings.writer,
      this.gathering.checkpoint,
      totals,
      this.totals.whole !== undefined,
    )
  }

  private async writePart(
    pending: ReadonlyMap<string, Pending>,
    totals: SyslogAggregates,
  ): Promise<void> {
    const { summary, settings } = this
    const plan = planPart(
      pending,
      totals,
      this.context as ImportContext,
      settings.loopAttributes,
      this.written,
    )
    for (const s of plan.skipped) {
      summary.skipped.add('invalid indicator value')
      this.unimported.add(s.reason, { value: s.value })
    }
    summary.sent.add('indicator', plan.write.indicators.length)
    summary.sent.add('event', plan.created)
    summary.updated.add('event', plan.updated)
    const out = await settings.writer.prepare(plan.write)()
    for (const _ of out.unlinked)
      summary.skipped.add('indicator not linked: no id in the ThreatQ answer')
    for (const title of out.unanswered)
      this.deps.logger.warn(
        { title },
        'ThreatQ answered the events without this one: its counts are not updated',
      )
    summary.sent.add('exported indicator block count', out.indicatorsSet)
    applyPart(plan, totals, this.written)
    this.eventsWritten += plan.write.events.length
  }

  report(started: number): SyslogImportOutcome {
    const { summary, gathering, slot } = this
    const { logger } = this.deps
    if (gathering.badLines > LOGGED_BAD_LINES)
      summary.notes.push(SOURCE_TEXT[slot].unread(gathering.badLines, LOGGED_BAD_LINES))
    gathering.fieldProblems.flush(logger)
    this.unimported.flush(logger)
    summary.durationMs = Date.now() - started
    logger.info(
      {
        fetched: summary.fetched.toJSON(),
        sent: summary.sent.toJSON(),
        skipped: summary.skipped.toJSON(),
      },
      `${SOURCE_TEXT[slot].name} import finished`,
    )
    return { summary, eventsWritten: this.eventsWritten }
  }
}

/** Drops the aggregates of hours no longer kept (blocked-events.ts keptFrom). */
function prune(events: Record<string, Aggregate>): void {
  let newest = 0
  for (const key in events) newest = Math.max(newest, events[key]?.last ?? 0)
  const from = keptFrom(newest)
  for (const key in events)
    if ((events[key]?.last ?? from) < from) Reflect.deleteProperty(events, key)
}
