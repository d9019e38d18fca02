/**
 * The import direction: AED alerts in a time window → ThreatQ events with related indicators,
 * consumed (upserted) in batches. The checkpoint moves to the window's end only after every
 * batch is committed.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { AedClient } from '../../aed/client.js'
import { MIN_SEVERITY } from '../../aed/client.js'
import { RemoteError } from '../../http/errors.js'
import type { Logger } from '../../log/logger.js'
import { readAhead } from '../../http/read-ahead.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { parseThreatqTime } from '../../threatq/model.js'
import type { DryRunOutput } from '../output.js'
import { ReasonLog } from '../reasons.js'
import { newSummary, type RunSummary } from '../summary.js'
import { convertAlert, type EventItem, type ImportContext, type IndicatorItem } from './convert.js'
import { eventPart, indicatorIds, indicatorKey, linkedEventsJson } from './link.js'

/** Alerts converted between turns of the event loop (each ~9 µs). */
const YIELD_EVERY = 100

/** [I: A-TQ-EVENT-FALLBACK] Used when the instance refuses to create the configured event type. */
export const FALLBACK_EVENT_TYPE = 'Incident'

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
  dryRun: boolean
  output?: DryRunOutput | undefined
}

export interface ImportOutcome {
  summary: RunSummary
  /** Epoch seconds the next window starts at; undefined when it must not move. */
  until: number | undefined
  eventsWritten: number
}

/** The configured event type, created when missing; the fallback when ThreatQ refuses. */
export async function importEventType(
  threatq: ThreatqClient,
  logger: Logger,
  wanted: string,
  dryRun: boolean,
): Promise<string> {
  if (dryRun) return wanted
  try {
    const { created } = await threatq.ensureEventType(wanted)
    if (created) logger.info({ eventType: wanted }, 'created the ThreatQ event type')
    return wanted
  } catch (error) {
    if (!(error instanceof RemoteError) || error.status === undefined || error.status >= 500)
      throw error
    logger.warn(
      { eventType: wanted, fallback: FALLBACK_EVENT_TYPE, error: error.message },
      'cannot create the event type; using the fallback',
    )
    return FALLBACK_EVENT_TYPE
  }
}

export async function runImport(
  deps: ImportDeps,
  settings: ImportSettings,
): Promise<ImportOutcome> {
  const started = Date.now()
  const summary = newSummary('import', settings.dryRun)
  const { threatq, aed, logger } = deps
  const until = Math.floor(deps.now().getTime() / 1000)
  const context: ImportContext = {
    ...settings.context,
    eventType: await importEventType(
      deps.threatq,
      deps.logger,
      settings.eventType,
      settings.dryRun,
    ),
  }
  logger.info(
    { from: settings.from, until, severity: settings.severity, keywords: settings.keywords },
    'import started',
  )

  // Keyed by type and value: alerts of one attacker share indicators, sent once per batch.
  let indicators = new Map<string, IndicatorItem>()
  let events: EventItem[] = []
  const eventIds: number[] = []
  let written = 0

  if (settings.dryRun) {
    await settings.output?.beginSection('import')
  }
  const dryIndicators: IndicatorItem[] = []
  const dryEvents: EventItem[] = []

  type Batch = { indicators: IndicatorItem[]; events: EventItem[] }
  /** `updated`: events ThreatQ already held (an alert still ongoing, read again). */
  const count = (batch: Batch, updated = 0): void => {
    summary.sent.add('indicator', batch.indicators.length)
    summary.sent.add('event', batch.events.length - updated)
    summary.updated.add('event', updated)
    written += batch.events.length
  }
  /**
   * Indicators first: their answer gives the ids the events link to (by id, as real clients do;
   * a server may ignore `{value, type}` refs on an event).
   */
  const write = async (batch: Batch, indicatorsJson: string, eventParts: string[]) => {
    const ids =
      batch.indicators.length > 0
        ? indicatorIds(batch.indicators, await threatq.consume('indicators', indicatorsJson))
        : new Map<string, number>()
    const eventsJson = linkedEventsJson(batch.events, eventParts, ids, (ref) => {
      summary.skipped.add('indicator not linked: no id in the ThreatQ answer')
      logger.warn(
        { value: ref.value, type: ref.type },
        'ThreatQ answered the indicators without this one: its events are not linked to it',
      )
    })
    const answer = await threatq.consume('events', eventsJson)
    let updated = 0
    for (const item of answer) {
      const id = (item as { id?: unknown } | null)?.id
      if (typeof id === 'number' && eventIds.length < 20) eventIds.push(id)
      if (existedBefore(item)) updated++
    }
    count(batch, Math.min(updated, batch.events.length))
  }
  // One batch is written while the next is fetched, converted and serialised; batches stay in
  // order. Serialising before waiting keeps it off the path ThreatQ waits on (~10 µs an alert).
  let writing: Promise<void> = Promise.resolve()

  const flush = async (): Promise<void> => {
    if (indicators.size === 0 && events.length === 0) return
    const batch = { indicators: [...indicators.values()], events }
    indicators = new Map()
    events = []
    if (settings.dryRun) {
      dryIndicators.push(...batch.indicators)
      dryEvents.push(...batch.events)
      count(batch)
      return
    }
    const indicatorsJson = JSON.stringify(batch.indicators)
    const eventParts = batch.events.map(eventPart)
    await writing
    writing = readAhead(write(batch, indicatorsJson, eventParts))
  }

  // One event per alert: an id AED lists twice (within or across pages) is taken once.
  const seen = new Set<number>()
  // Per-alert reasons: one log line per reason at the end (src/sync/reasons.ts).
  const malformed = new ReasonLog('skipped an alert AED sent malformed', 'warn')
  const invalidValues = new ReasonLog('alert value not imported as an indicator')
  try {
    let done = 0
    let processed = 0
    for await (const page of aed.alerts({
      startTime: settings.from,
      endTime: until,
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
          logger.warn({ id: alert.alertId }, 'skipped an alert AED listed twice')
          continue
        }
        seen.add(alert.alertId)
        summary.fetched.add('alert')
        // A page converts in ~9 ms without a turn of the event loop; meanwhile ThreatQ's answer to
        // the indicators of the batch being written would wait to be read, and ThreatQ would idle
        // before the events that follow it.
        if (++processed % YIELD_EVERY === 0) await nextTurn()
        const converted = convertAlert(alert, context)
        for (const s of converted.skipped) {
          summary.skipped.add('invalid indicator value')
          invalidValues.add(s.reason, { alert: alert.alertId, value: s.value })
        }
        events.push(converted.event)
        for (const i of converted.indicators) indicators.set(indicatorKey(i.type.name, i.value), i)
        if (events.length >= settings.batchSize) await flush()
      }
      done += page.alerts.length + page.invalid.length
      deps.onProgress?.(done)
    }
    await flush()
  } finally {
    // Whatever happened, no write is left running unobserved when this returns.
    await writing.catch(() => undefined)
    malformed.flush(logger)
    invalidValues.flush(logger)
  }
  await writing

  if (settings.dryRun && settings.output !== undefined) {
    await settings.output.beginList('indicators')
    for (const item of dryIndicators) await settings.output.item(item)
    await settings.output.beginList('events')
    for (const item of dryEvents) await settings.output.item(item)
  }
  if (eventIds.length > 0)
    summary.notes.push(
      `ThreatQ event ids: ${eventIds.join(', ')}${written > eventIds.length ? ', …' : ''}`,
    )
  summary.durationMs = Date.now() - started
  logger.info(
    {
      fetched: summary.fetched.toJSON(),
      sent: summary.sent.toJSON(),
      updated: summary.updated.toJSON(),
      skipped: summary.skipped.toJSON(),
    },
    'import finished',
  )
  return { summary, until: settings.dryRun ? undefined : until, eventsWritten: written }
}
