/**
 * Where the import writes, chosen once by its caller: ThreatQ (`threatqWriter`), or, on a dry run,
 * a recording that fills the `import` section of `--output` (`recordingImportWriter`). The runs
 * (run.ts, syslog-run.ts) hand both the same writes and never ask which one they have.
 */
import { RemoteError } from '../../http/errors.js'
import type { Logger } from '../../log/logger.js'
import type { ThreatqClient } from '../../threatq/client.js'
import { forEachConcurrent } from '../pool.js'
import type { DryRunOutput } from '../output.js'
import type { Aggregate } from './blocked-events.js'
import type { EventItem, IndicatorItem } from './convert.js'
import { eventPart, indicatorIds, linkedEventsJson } from './link.js'
import type { SavedSyslog } from './syslog-state.js'

/** [I: A-TQ-EVENT-FALLBACK] Used when the instance refuses to create the configured event type. */
export const FALLBACK_EVENT_TYPE = 'Incident'

/** Objects whose values are set in place at once (each a GET and a PUT or two). */
const ATTRIBUTE_CONCURRENCY = 8

/** One write: indicators, then the events linked to them by id, then values set in place. */
export interface ImportWrite {
  indicators: readonly IndicatorItem[]
  events: readonly EventItem[]
  /** Per event, ThreatQ ids it links to besides its own indicators (exported ones it fired on). */
  links?: readonly (readonly number[])[]
  /**
   * Values set in place, by event title, on events ThreatQ holds: consume only ever adds a value,
   * so their totals cannot go in the consume.
   */
  eventValues?: ReadonlyMap<string, Record<string, string>>
  /** Values set in place on ThreatQ indicators, by id. */
  indicatorValues?: ReadonlyMap<number, Record<string, string>>
}

/** What came of a write. */
export interface ImportWritten {
  /** The events' consume answer, item per event (a recording has none). */
  answer: readonly unknown[]
  /** Indicator refs ThreatQ answered no id for: their events are not linked to them. */
  unlinked: readonly { value: string; type: string }[]
  /** Titles in `eventValues` the consume answer did not name: their values are not set. */
  unanswered: readonly string[]
  /** Indicators whose values were set. */
  indicatorsSet: number
}

export interface ImportWriter {
  /** True for the recording: the summary says the run is a dry run. */
  readonly dryRun: boolean
  /** The event type to write: created in ThreatQ when missing, the fallback when refused. */
  eventType(wanted: string): Promise<string>
  /**
   * Serialises the write now (off the path ThreatQ waits on) and returns what sends it: the REST
   * import prepares a batch while the one before is still being written.
   */
  prepare(write: ImportWrite): () => Promise<ImportWritten>
  /**
   * After a part of a syslog or EDM run: ThreatQ's writer saves the checkpoint with the totals
   * (`save`); the recording saves nothing and keeps the totals, for the run's later parts.
   */
  commit(saved: SavedSyslog, save: (saved: SavedSyslog) => Promise<void>): Promise<void>
  /** A total committed by this run that the saved state does not show (the recording's). */
  unsaved(key: string): Aggregate | undefined
  /** At the end of the run: the recording writes its lists to `--output`. */
  finish(): Promise<void>
}

/** The configured event type, created when missing; the fallback when ThreatQ refuses. */
export async function ensureEventType(
  threatq: Pick<ThreatqClient, 'ensureEventType'>,
  logger: Logger,
  wanted: string,
): Promise<string> {
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

/** The ids of the answer's events, by title ([I: A-TQ-EVENT-TITLE-UPSERT]). */
function idsByTitle(answer: readonly unknown[]): Map<string, number> {
  const ids = new Map<string, number>()
  for (const item of answer) {
    const { id, title } = (item ?? {}) as { id?: unknown; title?: unknown }
    if (typeof id === 'number' && typeof title === 'string') ids.set(title, id)
  }
  return ids
}

/** Writes to ThreatQ: consume, then attributes set in place. */
export function threatqWriter(
  threatq: Pick<ThreatqClient, 'consume' | 'setAttributes' | 'ensureEventType'>,
  logger: Logger,
): ImportWriter {
  const send = async (write: ImportWrite, indicatorsJson: string, parts: readonly string[]) => {
    const ids =
      write.indicators.length > 0
        ? indicatorIds(write.indicators, await threatq.consume('indicators', indicatorsJson))
        : new Map<string, number>()
    const unlinked: { value: string; type: string }[] = []
    const body = linkedEventsJson(
      write.events,
      parts,
      ids,
      (ref) => unlinked.push(ref),
      write.links,
    )
    const answer = await threatq.consume('events', body)
    const byTitle = idsByTitle(write.eventValues === undefined ? [] : answer)
    const unanswered: string[] = []
    await forEachConcurrent([...(write.eventValues ?? [])], ATTRIBUTE_CONCURRENCY, async (e) => {
      const id = byTitle.get(e[0])
      if (id === undefined) unanswered.push(e[0])
      else await threatq.setAttributes('events', id, e[1])
    })
    const indicatorValues = [...(write.indicatorValues ?? [])]
    await forEachConcurrent(indicatorValues, ATTRIBUTE_CONCURRENCY, async ([id, values]) => {
      await threatq.setAttributes('indicators', id, values)
    })
    return { answer, unlinked, unanswered, indicatorsSet: indicatorValues.length }
  }
  return {
    dryRun: false,
    eventType: (wanted) => ensureEventType(threatq, logger, wanted),
    prepare(write) {
      const indicatorsJson = JSON.stringify(write.indicators)
      const parts = write.events.map(eventPart)
      return () => send(write, indicatorsJson, parts)
    },
    commit: (saved, save) => save(saved),
    unsaved: () => undefined,
    finish: () => Promise.resolve(),
  }
}

/**
 * An event as ThreatQ would hold it after the write: the values set in place replace its own
 * (a dry run's file shows the block counts a run would leave).
 */
function withValues(event: EventItem, values: Record<string, string> | undefined): EventItem {
  if (values === undefined) return event
  const set = Object.entries(values).map(([name, value]) => ({ name, value }))
  const kept = event.attributes.filter((a) => values[a.name] === undefined)
  return { ...event, attributes: [...kept, ...set] }
}

/**
 * A dry run: what would be written is recorded for `--output` (nothing is held without it), and
 * the totals each part would have saved are kept for the parts after it. Memory: the recorded
 * items, and one total per event key written (about 160 bytes each, measured).
 */
export function recordingImportWriter(output: DryRunOutput | undefined): ImportWriter {
  const indicators: IndicatorItem[] = []
  const events: EventItem[] = []
  const totals = new Map<string, Aggregate>()
  return {
    dryRun: true,
    eventType: (wanted) => Promise.resolve(wanted),
    prepare: (write) => () => {
      if (output !== undefined) {
        indicators.push(...write.indicators)
        for (const event of write.events)
          events.push(withValues(event, write.eventValues?.get(event.title)))
      }
      return Promise.resolve({ answer: [], unlinked: [], unanswered: [], indicatorsSet: 0 })
    },
    commit(saved) {
      for (const [key, total] of Object.entries(saved.events ?? {})) totals.set(key, total)
      return Promise.resolve()
    },
    unsaved: (key) => totals.get(key),
    async finish() {
      if (output === undefined) return
      await output.beginSection('import')
      await output.beginList('indicators')
      for (const item of indicators) await output.item(item)
      await output.beginList('events')
      for (const item of events) await output.item(item)
    },
  }
}
