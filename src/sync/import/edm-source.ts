/**
 * `alert_source: edm` as a source of the aggregating import (syslog-run.ts `importNotifications`):
 * EDM's threat records since the checkpoint, mapped to Blocked Host notifications
 * (src/edm/notification.ts), one batch per page with the checkpoint after it.
 */
import { readCheckpoint } from '../../edm/checkpoint.js'
import type { EdmClient, ThreatQuery } from '../../edm/client.js'
import { edmNotification } from '../../edm/notification.js'
import type { Logger } from '../../log/logger.js'
import type { SourceBatch, SourceItem } from './syslog-run.js'

export type EdmSourceQuery = Omit<ThreatQuery, 'checkpoint'>

/**
 * The records after the saved checkpoint, else from `query.start` (the first run's lookback).
 * `q` is not sent: `query_keywords` filters the notifications as for syslog, so it means the same
 * for both sources.
 */
export async function* edmSource(
  edm: Pick<EdmClient, 'threats'>,
  query: EdmSourceQuery,
  saved: unknown,
  logger: Logger,
): AsyncGenerator<SourceBatch> {
  const checkpoint = readCheckpoint(saved)
  if (saved !== undefined && checkpoint === undefined)
    logger.warn({}, 'the saved EDM checkpoint is unreadable: reading from first_run_lookback_hours')
  logger.info(
    { from: new Date(checkpoint?.time ?? query.start).toISOString(), aed: query.aedName },
    'EDM import started',
  )
  for await (const page of edm.threats({ ...query, checkpoint })) {
    const items: SourceItem[] = page.records.map(({ record }) => ({
      kind: 'blocked-host',
      notification: edmNotification(record),
      where: { edmId: record._id, time: record.time },
    }))
    for (const bad of page.invalid)
      items.push({
        kind: 'bad',
        reason: bad.reason,
        where: { edmId: bad.id },
        what: 'invalid EDM record',
      })
    yield { items, checkpoint: page.checkpoint }
  }
}
