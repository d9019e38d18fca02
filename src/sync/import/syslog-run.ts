/**
 * The import with `alert_source: syslog`: what is new in `syslog_file` since the checkpoint →
 * aggregated ThreatQ events (blocked-events.ts), the loop closed on intel this instance exported
 * (own-intel.ts). Lines are gathered (up to 100,000) and written to ThreatQ, then the checkpoint
 * after them and the running aggregates are handed to `commit` together: a crash re-reads at most
 * what was gathered, and since the
 * counts written are totals from the saved aggregates (not increments), re-reading it writes the
 * same values again — never a line counted twice or skipped.
 */
import type { Logger } from '../../log/logger.js'
import { readCheckpoint } from '../../syslog/checkpoint.js'
import {
  readSyslogFile,
  WARNING_NOTICES,
  type SyslogReadOptions,
} from '../../syslog/file-reader.js'
import { parseSyslogLine, type SeverityLevel } from '../../syslog/notification.js'
import type { ThreatqClient } from '../../threatq/client.js'
import type { DryRunOutput } from '../output.js'
import { forEachConcurrent } from '../pool.js'
import { ReasonLog } from '../reasons.js'
import { newSummary, type RunSummary } from '../summary.js'
import {
  add,
  AGGREGATE_ATTRIBUTES,
  aggregateAttributes,
  blockedEvent,
  EVENT_FIELDS,
  eventKey,
  keptFrom,
  type Aggregate,
  type EventFields,
  type Notification,
} from './blocked-events.js'
import type { EventItem, ImportContext, IndicatorItem } from './convert.js'
import { indicatorIds, indicatorKey } from './link.js'
import type { OwnIntel } from './own-intel.js'
import { SOURCE_TEXT, type CheckpointSlot } from './source-names.js'
import type { AggregateSource, SavedSyslog, SyslogAggregates } from './syslog-state.js'

/** Items (lines) gathered before a write, and most keys held meanwhile (memory). */
const FLUSH_ITEMS = 100_000
const FLUSH_KEYS = 30_000

/** Events and indicators whose attributes are set at once (each a GET and a PUT or two). */
const ATTRIBUTE_CONCURRENCY = 8

/** Bad lines logged one by one per run; the rest are counted. */
const LOGGED_BAD_LINES = 100

const AGGREGATE_NAMES: ReadonlySet<string> = new Set(Object.values(AGGREGATE_ATTRIBUTES))

const RANK: Record<SeverityLevel, number> = { low: 1, medium: 2, high: 3 }

export interface SyslogImportDeps {
  threatq: ThreatqClient
  logger: Logger
  now: () => Date
  own: OwnIntel
  /** Saves the state after a batch is in ThreatQ (not called on a dry run). */
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
  dryRun: boolean
  output?: DryRunOutput | undefined
  read?: SyslogReadOptions
}

export interface SyslogImportOutcome {
  summary: RunSummary
  eventsWritten: number
}

/** `query_keywords`: every keyword appears (case-insensitively) in one of the text fields. */
function matchesKeywords(n: Notification, keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true
  const text = [
    n.iocPattern,
    n.src,
    n.dst,
    n.pgName,
    n.threatName,
    n.threatCategory,
    n.taxiiCollectionTitle,
    n.name,
  ]
    .filter((v) => v !== undefined)
    .join('\n')
    .toLowerCase()
  return keywords.every((k) => text.includes(k.toLowerCase()))
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

/** One key's blocks gathered since the last write (its counts inline: no object per block). */
interface Pending {
  first: EventFields
  count: number
  firstMs: number
  lastMs: number
  /** Exported indicators it fired on (NO_OWN, shared, while none). */
  own: number[]
}

const NO_OWN: readonly number[] = Object.freeze([])

const aggregateOf = (p: Pending): Aggregate => ({
  count: p.count,
  first: p.firstMs,
  last: p.lastMs,
})

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
  const summary = newSummary('import', settings.dryRun)
  const { logger } = deps
  const saved: SavedSyslog = {
    checkpoint: settings.saved?.checkpoint,
    edmCheckpoint: settings.saved?.edmCheckpoint,
  }
  // Handed in whole (tests), they are copied: a failed run must not change them. Otherwise each
  // write reads the saved totals of its keys, and `commit` gets those keys' new totals only.
  const given = settings.saved?.events
  const whole: SyslogAggregates | undefined =
    given === undefined
      ? undefined
      : { events: { ...given }, indicators: { ...settings.saved?.indicators } }
  const stored: AggregateSource = settings.aggregates ?? {
    events: () => Promise.resolve({}),
    indicators: () => Promise.resolve({}),
  }
  let indicatorTotals: Record<string, Aggregate> | undefined
  /** A dry run saves nothing: the totals it would have saved, for its later writes. */
  const unsaved: Record<string, Aggregate> = {}
  const aggregatesOf = async (keys: readonly string[]): Promise<SyslogAggregates> => {
    if (whole !== undefined) return whole
    indicatorTotals ??= await stored.indicators()
    const events = await stored.events(keys)
    if (settings.dryRun)
      for (const key of keys) {
        const total = unsaved[key]
        if (total !== undefined) events[key] = total
      }
    return { events, indicators: indicatorTotals }
  }
  /** The checkpoint as last saved, to tell a run that read nothing new. */
  let savedMark = JSON.stringify(settings.saved?.[slot] ?? null)
  const minRank = RANK[settings.severity.toLowerCase() as SeverityLevel]
  let badLogged = 0
  // Per-notification findings, once per reason with a few examples: a busy edge writes a million
  // lines, and -v 3 must not turn them into a million log lines.
  const fieldProblems = new ReasonLog('notification field')
  const unimported = new ReasonLog('notification value not imported as an indicator')
  let written = 0
  let done = 0
  const dryEvents: EventItem[] = []
  const dryIndicators: IndicatorItem[] = []

  // Blocks of one key arrive all hour: a write per reader batch would update the same events
  // again and again. Batches are gathered until FLUSH_ITEMS items or FLUSH_KEYS keys.
  let pending = new Map<string, Pending>()
  let gathered = 0
  let checkpoint: unknown
  let context: ImportContext | undefined
  const flush = async (): Promise<void> => {
    // ThreatQ takes them `consume_batch_size` events at a time.
    const entries = [...pending]
    pending = new Map()
    const wrote = entries.length > 0
    const totals = wrote ? await aggregatesOf(entries.map(([key]) => key)) : undefined
    if (wrote)
      context ??=
        typeof settings.context === 'function' ? await settings.context() : settings.context
    for (let i = 0; totals !== undefined && i < entries.length; i += settings.batchSize) {
      const chunk = new Map(entries.slice(i, i + settings.batchSize))
      const out = await writeBatch(deps, settings, context as ImportContext, totals, chunk, {
        summary,
        unimported,
      })
      written += out.events.length
      if (settings.dryRun) {
        dryEvents.push(...out.events)
        dryIndicators.push(...out.indicators)
      }
    }
    gathered = 0
    if (settings.dryRun && totals !== undefined && whole === undefined)
      Object.assign(unsaved, totals.events)
    if (settings.dryRun || checkpoint === undefined) return
    // Nothing read and nothing written since the last save: nothing to save (a rerun ≈ a stat).
    const mark = JSON.stringify(checkpoint)
    if (!wrote && mark === savedMark) return
    saved[slot] = checkpoint
    if (whole !== undefined) prune(whole.events)
    await deps.commit(totals === undefined ? saved : { ...saved, ...totals })
    savedMark = mark
  }
  for await (const batch of source) {
    for (const item of batch.items) {
      if (item.kind === 'bad') {
        summary.skipped.add(item.what ?? 'bad syslog line')
        if (badLogged++ < LOGGED_BAD_LINES)
          logger.warn({ ...item.where, reason: item.reason }, SOURCE_TEXT[slot].skipped)
        continue
      }
      if (item.kind === 'other') {
        summary.skipped.add(`not imported: ${item.other} notification`)
        continue
      }
      const n = item.notification
      summary.fetched.add('blocked-host notification')
      for (const f of n.flags) fieldProblems.add(`${f.field} ${f.problem}`, item.where)
      if (n.time === undefined) {
        summary.skipped.add('Blocked Host without a usable rt')
        continue
      }
      if (n.severity !== undefined ? RANK[n.severity] < minRank : minRank > 1) {
        summary.skipped.add('below alert_severity')
        continue
      }
      if (!matchesKeywords(n, settings.keywords)) {
        summary.skipped.add('no query_keywords match')
        continue
      }
      const timed = n as Notification & { time: number }
      const key = eventKey(timed)
      const p = pending.get(key)
      const own = await deps.own.indicatorsOf(n)
      if (p === undefined)
        pending.set(detached(key), {
          first: eventFields(n),
          count: 1,
          firstMs: n.time,
          lastMs: n.time,
          own: own.length === 0 ? (NO_OWN as number[]) : [...own],
        })
      else {
        p.count++
        if (n.time < p.firstMs) p.firstMs = n.time
        if (n.time > p.lastMs) p.lastMs = n.time
        for (const id of own) {
          if (p.own.includes(id)) continue
          if (p.own === NO_OWN) p.own = []
          p.own.push(id)
        }
      }
    }
    done += batch.items.length
    gathered += batch.items.length
    deps.onProgress?.(done)
    if (batch.checkpoint !== undefined) checkpoint = batch.checkpoint
    if (gathered >= (settings.flushItems ?? FLUSH_ITEMS) || pending.size >= FLUSH_KEYS)
      await flush()
  }
  await flush()

  if (settings.dryRun && settings.output !== undefined) {
    await settings.output.beginSection('import')
    await settings.output.beginList('indicators')
    for (const item of dryIndicators) await settings.output.item(item)
    await settings.output.beginList('events')
    for (const item of dryEvents) await settings.output.item(item)
  }
  if (badLogged > LOGGED_BAD_LINES)
    summary.notes.push(SOURCE_TEXT[slot].unread(badLogged, LOGGED_BAD_LINES))
  fieldProblems.flush(logger)
  unimported.flush(logger)
  summary.durationMs = Date.now() - started
  logger.info(
    {
      fetched: summary.fetched.toJSON(),
      sent: summary.sent.toJSON(),
      skipped: summary.skipped.toJSON(),
    },
    `${SOURCE_TEXT[slot].name} import finished`,
  )
  return { summary, eventsWritten: written }
}

/** Drops the aggregates of hours no longer kept (blocked-events.ts keptFrom). */
function prune(events: Record<string, Aggregate>): void {
  let newest = 0
  for (const key in events) newest = Math.max(newest, events[key]?.last ?? 0)
  const from = keptFrom(newest)
  for (const key in events)
    if ((events[key]?.last ?? from) < from) Reflect.deleteProperty(events, key)
}

/**
 * One batch: indicators, then the events linked to them by id (and to the exported indicators
 * they fired on), then the aggregates of events and exported indicators that already held
 * values, set in place. `saved` takes the new totals.
 */
async function writeBatch(
  deps: SyslogImportDeps,
  settings: Omit<SyslogImportSettings, 'file' | 'read'>,
  context: ImportContext,
  saved: SyslogAggregates,
  pending: ReadonlyMap<string, Pending>,
  { summary, unimported }: { summary: RunSummary; unimported: ReasonLog },
): Promise<{ events: EventItem[]; indicators: IndicatorItem[] }> {
  const { threatq, logger } = deps
  const indicators = new Map<string, IndicatorItem>()
  const events: EventItem[] = []
  const ownOf: number[][] = []
  /** Events ThreatQ may already hold with aggregate values: set in place after the consume. */
  const known = new Map<string, Aggregate>()
  const totals = new Map<string, Aggregate>()
  const ownTotals = new Map<number, Aggregate>()
  /** Events ThreatQ held before this run (its saved totals): counted as updated, not new. */
  let updated = 0
  for (const [key, p] of pending) {
    const before = saved.events[key]
    if (before !== undefined) updated++
    const aggregate = aggregateOf(p)
    const total = add(before, aggregate)
    totals.set(key, total)
    const built = blockedEvent(key, p.first, total, context, p.own.length > 0)
    for (const s of built.skipped) {
      summary.skipped.add('invalid indicator value')
      unimported.add(s.reason, { value: s.value })
    }
    for (const i of built.indicators) indicators.set(indicatorKey(i.type.name, i.value), i)
    // An event ThreatQ already holds gets its totals set in place below: consume would add values.
    if (before !== undefined)
      built.event.attributes = built.event.attributes.filter((a) => !AGGREGATE_NAMES.has(a.name))
    events.push(built.event)
    ownOf.push(p.own)
    if (before !== undefined) known.set(built.event.title, total)
    for (const id of p.own) ownTotals.set(id, add(ownTotals.get(id), aggregate))
  }
  summary.sent.add('indicator', indicators.size)
  summary.sent.add('event', events.length - updated)
  summary.updated.add('event', updated)
  const list = [...indicators.values()]
  if (settings.dryRun) return { events, indicators: list }

  const ids =
    list.length > 0
      ? indicatorIds(list, await threatq.consume('indicators', JSON.stringify(list)))
      : new Map<string, number>()
  const body = events.map((event, i) => {
    const refs = new Set<number>(ownOf[i])
    for (const ref of event.indicators) {
      const id = ids.get(indicatorKey(ref.type, ref.value))
      if (id !== undefined) refs.add(id)
      else summary.skipped.add('indicator not linked: no id in the ThreatQ answer')
    }
    return { ...event, indicators: [...refs].map((id) => ({ id })) }
  })
  const answer = await threatq.consume('events', JSON.stringify(body))
  // [I: A-TQ-EVENT-TITLE-UPSERT] consume upserts an event by title; its answer names each by title.
  const eventIds = new Map<string, number>()
  for (const item of answer) {
    const { id, title } = (item ?? {}) as { id?: unknown; title?: unknown }
    if (typeof id === 'number' && typeof title === 'string') eventIds.set(title, id)
  }
  await forEachConcurrent([...known], ATTRIBUTE_CONCURRENCY, async ([title, total]) => {
    const id = eventIds.get(title)
    if (id === undefined)
      logger.warn(
        { title },
        'ThreatQ answered the events without this one: its counts are not updated',
      )
    else await threatq.setAttributes('events', id, aggregateAttributes(total))
  })
  await forEachConcurrent([...ownTotals], ATTRIBUTE_CONCURRENCY, async ([id, batchTotal]) => {
    const total = add(saved.indicators[String(id)], batchTotal)
    await threatq.setAttributes('indicators', id, {
      [settings.loopAttributes.count]: String(total.count),
      [settings.loopAttributes.last]: new Date(total.last).toISOString(),
    })
    saved.indicators[String(id)] = total
    summary.sent.add('exported indicator block count', 1)
  })
  for (const [key, total] of totals) saved.events[key] = total
  return { events, indicators: list }
}
