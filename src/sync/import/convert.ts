/**
 * AED alert → ThreatQ event (docs/mapping.md, "Import: AED alert → ThreatQ"): one event per alert
 * whose title carries the AED host and alert id, so a re-import upserts the same event; the remote
 * host and the IOC pattern become related indicators with the configured status.
 */
import { isIPv4 } from 'node:net'
import type { AedAlert } from '../../aed/client.js'
import { isV6, iocType, validated } from '../../aed/ioc.js'
import { formatThreatqTime } from '../../threatq/model.js'

export interface ImportContext {
  /** AED host[:port], part of event titles. */
  aedHost: string
  /** The connector's name: the source of everything it writes. */
  sourceName: string
  eventType: string
  indicatorStatus: string
}

export interface IndicatorItem {
  value: string
  type: { name: string }
  status: { name: string }
  sources: { name: string }[]
}

export interface EventItem {
  title: string
  type: { name: string }
  happened_at: string
  description: string
  sources: { name: string }[]
  attributes: { name: string; value: string }[]
  indicators: { value: string; type: string }[]
}

export interface ConvertedAlert {
  event: EventItem
  indicators: IndicatorItem[]
  /** Values found on the alert that are not valid indicators: reported, never sent. */
  skipped: { value: string; reason: string }[]
}

/**
 * The indicators of one event and the values that are none, gathered as the event's values are
 * considered: a value of no known type, or one its type refuses, is counted as skipped, never
 * dropped unsaid.
 */
export function indicatorGatherer(
  status: string,
  sources: { name: string }[],
): {
  indicators: Map<string, IndicatorItem>
  skipped: { value: string; reason: string }[]
  consider: (type: string | undefined, value: string) => void
} {
  const indicators = new Map<string, IndicatorItem>()
  const skipped: { value: string; reason: string }[] = []
  const consider = (type: string | undefined, value: string): void => {
    if (type === undefined) {
      skipped.push({ value, reason: 'not an IP address, host name or URL' })
      return
    }
    const checked = validated(type, value)
    if (!checked.ok) skipped.push({ value, reason: checked.reason })
    else
      indicators.set(`${type}\n${checked.value}`, {
        value: checked.value,
        type: { name: type },
        status: { name: status },
        sources,
      })
  }
  return { indicators, skipped, consider }
}

export function severityName(severity: number): 'Low' | 'Medium' | 'High' {
  return severity >= 7 ? 'High' : severity >= 4 ? 'Medium' : 'Low'
}

export function eventTitle(alert: AedAlert, aedHost: string): string {
  return `AED ${aedHost} alert ${String(alert.alertId)}: ${alert.alertType}`
}

export function convertAlert(alert: AedAlert, ctx: ImportContext): ConvertedAlert {
  const sources = [{ name: ctx.sourceName }]
  const attributes: { name: string; value: string }[] = []
  const add = (name: string, value: string | number | null | undefined): void => {
    if (value === null || value === undefined) return
    const text = typeof value === 'string' ? value : String(value)
    if (text.trim() !== '') attributes.push({ name, value: text })
  }
  add('AED Alert ID', alert.alertId)
  add('AED Host', ctx.aedHost)
  add('Alert Type', alert.alertType)
  add('Category', alert.category)
  add('Severity', severityName(alert.severity))
  add('Severity Score', alert.severity)
  add('Direction', alert.direction)
  add('Protection Group', alert.pgName)
  add('Protection Group ID', alert.pgid)
  add('Match Type', alert.matchType)
  add('IOC Pattern', alert.iocPattern)
  add('Threat Name', alert.threatName)
  add('Threat Category', alert.threatCategory)
  add('TAXII Collection', alert.taxiiCollectionTitle)
  add('TAXII Collection ID', alert.taxiiCollectionId)
  add('Source Port', alert.srcPort)
  add('Destination Port', alert.dstPort)
  add('Protocol', alert.proto)

  const { indicators, skipped, consider: gather } = indicatorGatherer(ctx.indicatorStatus, sources)
  const consider = (type: string | undefined, value: string | null | undefined): void => {
    if (value !== null && value !== undefined && value.trim() !== '') gather(type, value.trim())
  }
  // The remote end: the source of inbound traffic, the destination of outbound traffic.
  const remote = alert.direction === 'outbound' ? alert.dst : alert.src
  consider(
    remote === null || remote === undefined
      ? undefined
      : isIPv4(remote)
        ? 'IP Address'
        : isV6(remote)
          ? 'IPv6 Address'
          : undefined,
    remote,
  )
  if (alert.iocPattern !== null && alert.iocPattern !== undefined)
    consider(iocType(alert.matchType, alert.iocPattern.trim()), alert.iocPattern)

  const list = [...indicators.values()]
  return {
    event: {
      title: eventTitle(alert, ctx.aedHost),
      type: { name: ctx.eventType },
      happened_at: formatThreatqTime(new Date(alert.startTime * 1000)),
      description:
        alert.description ?? `${alert.category ?? alert.alertType} alert from AED ${ctx.aedHost}`,
      sources,
      attributes,
      indicators: list.map((i) => ({ value: i.value, type: i.type.name })),
    },
    indicators: list,
    skipped,
  }
}
