/**
 * The import direction: AED alerts in a time window → ThreatQ events with related indicators,
 * consumed (upserted) in batches. The checkpoint moves to the window's end only after every
 * batch is committed. Its phases: read and convert the alerts (`convertedAlerts`), gather them in
 * batches (`AlertBatches`), write each to the writer the caller chose (writer.ts), count what the
 * answers say (`countWrite`), report.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { AedClient } from '../../aed/client.js'
import { MIN_SEVERITY } from '../../aed/client.js'
import type { Logger } from '../../log/logger.js'
import { readAhead } from '../../http/read-ahead.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { parseThreatqTime } from '../../threatq/model.js'
import { ReasonLog } from '../reasons.js'
import { newSummary, type RunSummary } from '../summary.js'
import {
  convertAlert,
  type ConvertedAlert,
  type EventItem,
  type ImportContext,
  type IndicatorItem,
} from './convert.js'
import { indicatorKey } from './link.js'
import { threatqWriter, type ImportWriter, type ImportWritten } from './writer.js'

/** Alerts converted between turns of the event loop (each ~9 µs). */
const YIELD_EVERY = 100

/** Event ids named in the summary's note. */
const NOTED_IDS = 20

/**
 * [I: A-TQ-CONSUME-UPDATED] Whether an item of a consume answer is an object ThreatQ held before
 * this write: its `created_at` is earlier than its `updated_at` (ThreatQ writes both in whole
 * seconds; a new object has them equal). An answer without them counts as new.
 */
export function existedBefore(item: unknown): boolean {
  if (typeof item !== 'object' || item === null) return false
  const { created_at: created, updated_at: updated } = item as Record<string, unknown>
  if (typeof created !== 'string' || typeof updated !== 'string') return false
  const [c, u] = [parseThreatqTime(created), parseThreatqTime(updated)]
  return c !== undefined && u !== undefined && c.getTime() < u.getTime()
}

export interface ImportDeps {
  threatq: ThreatqClient
  aed: AedClient
  logger: Logger
  now: () => Date
  onProgress?: (done: number) => void
}

export interface ImportSettings {
  context: Omit<ImportContext, 'eventType'>
  eventType: string
  severity: keyof typeof MIN_SEVERITY
  keywords: readonly string[]
  /** Epoch seconds. */
  from: number
  batchSize: number
  perPage: number
  /** ThreatQ (the default: `deps.threatq`), or the dry run's recording (writer.ts). */
  writer?: ImportWriter
}

export interface ImportOutcome {
  summary: RunSummary
  /** Epoch seconds the next window starts at; undefined when it must not move (a dry run). */
  until: number | undefined
  eventsWritten: number
}

/** One consume's worth: indicators keyed by type and value, sent once per batch. */
export interface AlertBatch {
  indicators: IndicatorItem[]
  events: EventItem[]
}

/**
 * Converted alerts gathered into batches of `size` events; alerts of one attacker share
 * indicators, each sent once per batch.
 */
export class AlertBatches {
  private indicators = new Map<string, IndicatorItem>()
  private events: EventItem[] = []

  constructor(private readonly size: number) {}

  /** Adds one alert's objects; a full batch when this filled one. */
  add(converted: Pick<ConvertedAlert, 'event' | 'indicators'>): AlertBatch | undefined {
    this.events.push(converted.event)
    for (const i of converted.indicators) this.indicators.set(indicatorKey(i.type.name, i.value), i)
    return this.events.length >= this.size ? this.take() : undefined
  }

  /** What is left, if anything. */
  take(): AlertBatch | undefined {
    if (this.indicators.size === 0 && this.events.length === 0) return undefined
    const batch = { indicators: [...this.indicators.values()], events: this.events }
    this.indicators = new Map()
    this.events = []
    return batch
  }
}

/** What a write's answer says: events ThreatQ held before it, and the ids it named. */
export function readAnswer(
  answer: readonly unknown[],
  events: number,
): { updated: number; ids: number[] } {
  let updated = 0
  const ids: number[] = []
  for (const item of answer) {
    const id = (item as { id?: unknown } | null)?.id
    if (typeof id === 'number') ids.push(id)
    if (existedBefore(item)) updated++
  }
  return { updated: Math.min(updated, events), ids }
}

/** The figures and notes of a run, filled in as its writes are answered. */
class ImportTally {
  written = 0
  readonly eventIds: number[] = []

  constructor(
    readonly summary: RunSummary,
    private readonly logger: Logger,
  ) {}

  /** `updated`: events ThreatQ already held (an alert still ongoing, read again). */
  count(batch: AlertBatch, out: ImportWritten): void {
    const { updated, ids } = readAnswer(out.answer, batch.events.length)
    const { summary } = this
    for (const ref of out.unlinked) {
      summary.skipped.add('indicator not linked: no id in the ThreatQ answer')
      this.logger.warn(
        { value: ref.value, type: ref.type },
        'ThreatQ answered the indicators without this one: its events are not linked to it',
      )
    }
    summary.sent.add('indicator', batch.indicators.length)
    summary.sent.add('event', batch.events.length - updated)
    summary.updated.add('event', updated)
    this.written += batch.events.length
    this.eventIds.push(...ids.slice(0, NOTED_IDS - this.eventIds.length))
  }

  /** The event ids note and the closing log line. */
  report(started: number): void {
    const { summary, eventIds, written } = this
    if (eventIds.length > 0)
      summary.notes.push(
        `ThreatQ event ids: ${eventIds.join(', ')}${written > eventIds.length ? ', …' : ''}`,
      )
    summary.durationMs = Date.now() - started
    this.logger.info(
      {
        fetched: summary.fetched.toJSON(),
        sent: summary.sent.toJSON(),
        updated: summary.updated.toJSON(),
        skipped: summary.skipped.toJSON(),
      },
      'import finished',
    )
  }
}

/**
 * Batches written in order, one while the next is fetched, converted and serialised: serialising
 * before waiting keeps it off the path ThreatQ waits on (~10 µs an alert).
 */
class OrderedWrites {
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly writer: ImportWriter,
    private readonly tally: ImportTally,
  ) {}

  async send(batch: AlertBatch): Promise<void> {
    // Indicators first: their answer gives the ids the events link to (by id, as real clients
    // do; a server may ignore `{value, type}` refs on an event).
    const send = this.writer.prepare(batch)
    await this.writing
    this.writing = readAhead(
      send().then((out) => {
        this.tally.count(batch, out)
      }),
    )
  }

  /** Waits for the last write; `quiet`: whatever happened, none is left running unobserved. */
  async settle(quiet = false): Promise<void> {
    await (quiet ? this.writing.catch(() => undefined) : this.writing)
  }
}

/**
 * Reads the window's alerts and converts them: an id AED lists twice (within or across pages) is
 * taken once; malformed alerts and invalid values are counted and logged once per reason.
 */
async function* convertedAlerts(
  deps: ImportDeps,
  settings: ImportSettings,
  window: { until: number; context: ImportContext },
  summary: RunSummary,
): AsyncGenerator<ConvertedAlert> {
  const seen = new Set<number>()
  const malformed = new ReasonLog('skipped an alert AED sent malformed', 'warn')
  const invalidValues = new ReasonLog('alert value not imported as an indicator')
  let done = 0
  let processed = 0
  try {
    for await (const page of deps.aed.alerts({
      startTime: settings.from,
      endTime: window.until,
      minSeverity: MIN_SEVERITY[settings.severity],
      keywords: settings.keywords,
      perPage: settings.perPage,
    })) {
      for (const bad of page.invalid) {
        summary.skipped.add('invalid AED alert')
        malformed.add(bad.reason, { id: bad.id })
      }
      for (const alert of page.alerts) {
        if (seen.has(alert.alertId)) {
          summary.skipped.add('duplicate AED alert')
          deps.logger.warn({ id: alert.alertId }, 'skipped an alert AED listed twice')
          continue
        }
        seen.add(alert.alertId)
        summary.fetched.add('alert')
        // A page converts in ~9 ms without a turn of the event loop; meanwhile ThreatQ's answer to
        // the indicators of the batch being written would wait to be read, and ThreatQ would idle
        // before the events that follow it.
        if (++processed % YIELD_EVERY === 0) await nextTurn()
        const converted = convertAlert(alert, window.context)
        for (const s of converted.skipped) {
          summary.skipped.add('invalid indicator value')
          invalidValues.add(s.reason, { alert: alert.alertId, value: s.value })
        }
        yield converted
      }
      done += page.alerts.length + page.invalid.length
      deps.onProgress?.(done)
    }
  } finally {
    malformed.flush(deps.logger)
    invalidValues.flush(deps.logger)
  }
}

export async function runImport(
  deps: ImportDeps,
  settings: ImportSettings,
): Promise<ImportOutcome> {
  const started = Date.now()
  const writer = settings.writer ?? threatqWriter(deps.threatq, deps.logger)
  const tally = new ImportTally(newSummary('import', writer.dryRun), deps.logger)
  const until = Math.floor(deps.now().getTime() / 1000)
  const context: ImportContext = {
    ...settings.context,
    eventType: await writer.eventType(settings.eventType),
  }
  deps.logger.info(
    { from: settings.from, until, severity: settings.severity, keywords: settings.keywords },
    'import started',
  )
  const batches = new AlertBatches(settings.batchSize)
  const writes = new OrderedWrites(writer, tally)
  try {
    for await (const converted of convertedAlerts(
      deps,
      settings,
      { until, context },
      tally.summary,
    )) {
      const full = batches.add(converted)
      if (full !== undefined) await writes.send(full)
    }
    const rest = batches.take()
    if (rest !== undefined) await writes.send(rest)
  } finally {
    await writes.settle(true)
  }
  await writes.settle()
  await writer.finish()
  tally.report(started)
  return {
    summary: tally.summary,
    until: writer.dryRun ? undefined : until,
    eventsWritten: tally.written,
  }
}
