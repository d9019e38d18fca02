/**
 * Revocations: what the ledger holds live that this run did not mark wanted. The
 * revoked version is AED's own latest copy, read back over TAXII, with `revoked: true` and a
 * newer `modified`: the object may be gone from ThreatQ, and STIX wants every property of the
 * object in its new version.
 */
import type { AuditEvent } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import type { StixObject } from '../../stix/types.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import { isoMillis } from '../../utc.js'
import { ReasonLog } from '../reasons.js'
import type { RunSummary } from '../summary.js'
import { relationshipId, stixIdOf } from './convert.js'
import { DROPPED, LIVE, REVOKED } from './key-table.js'
import { type Ledger, type LedgerUpdate, refOfKey, UPDATE } from './ledger.js'
import { NumberList } from './number-list.js'
import { type ExportPolicy, MARK, markReason } from '../policy/verdict.js'

/** Ids per read-back request (`match[id]` is a comma list in the query string). */
export const READ_BACK_IDS = 100

export interface Revocation {
  id: string
  /** `indicators:12`, or `relationship indicators:12 > malware:3`. */
  threatq: string
  reason: string
  update: Omit<LedgerUpdate, 'state' | 'version'>
}

export interface RevocationSet {
  /** Ledger slots: objects, then relationships (table 1 / 2 in `kinds`). */
  slots: NumberList
  total: number
  /** Those that count toward the mass-revocation guard (expiry does not: AED stopped already). */
  guarded: number
  byReason: Map<string, number>
}

export function findRevocations(
  ledger: Ledger,
  policy: Pick<ExportPolicy, 'revokeStatuses'>,
): RevocationSet {
  const set: RevocationSet = { slots: new NumberList(), total: 0, guarded: 0, byReason: new Map() }
  const add = (kind: number, slot: number, reason: string, guarded: boolean): void => {
    set.slots.push(kind, slot)
    set.total++
    if (guarded) set.guarded++
    set.byReason.set(reason, (set.byReason.get(reason) ?? 0) + 1)
  }
  const objects = ledger.objects
  objects.forEach((slot) => {
    const mark = objects.mark(slot)
    if (objects.state(slot) !== LIVE || mark === MARK.exportable) return
    add(UPDATE.OBJECT, slot, reasonOf(ledger, slot, policy), mark !== MARK.expired)
  })
  const relationships = ledger.relationships
  relationships.forEach((slot) => {
    if (relationships.state(slot) !== LIVE || relationships.mark(slot) === MARK.exportable) return
    add(UPDATE.RELATIONSHIP, slot, 'link removed, or an end left the export', true)
  })
  return set
}

function reasonOf(
  ledger: Ledger,
  slot: number,
  policy: Pick<ExportPolicy, 'revokeStatuses'>,
): string {
  const ref = refOfKey(ledger.objects.keyA(slot))
  const mark = ledger.objects.mark(slot)
  return ref.collection === 'indicators' || mark !== 0
    ? markReason(mark, policy)
    : 'no longer related to the collection'
}

/** The revocations of a set, with the ids AED knows them by. */
export function* revocations(
  ledger: Ledger,
  set: RevocationSet,
  host: string,
  policy: Pick<ExportPolicy, 'revokeStatuses'>,
): Generator<Revocation> {
  for (let i = 0; i < set.slots.length; i += 2) {
    const kind = set.slots.at(i)
    const slot = set.slots.at(i + 1)
    if (kind === UPDATE.OBJECT) {
      const table = ledger.objects
      const ref = refOfKey(table.keyA(slot))
      yield {
        id: stixIdOf(ref, host, table.gen(slot)),
        threatq: `${ref.collection}:${String(ref.id)}`,
        reason: reasonOf(ledger, slot, policy),
        update: { kind: UPDATE.OBJECT, a: table.keyA(slot), b: 0, gen: table.gen(slot) },
      }
    } else {
      const table = ledger.relationships
      const source = refOfKey(table.keyA(slot))
      const target = refOfKey(table.keyB(slot))
      yield {
        id: relationshipId(source, target, host, table.gen(slot)),
        threatq: `relationship ${source.collection}:${String(source.id)} > ${target.collection}:${String(target.id)}`,
        reason: 'link removed, or an end left the export',
        update: {
          kind: UPDATE.RELATIONSHIP,
          a: table.keyA(slot),
          b: table.keyB(slot),
          gen: table.gen(slot),
        },
      }
    }
  }
}

export interface RevokeDeps {
  taxii: TaxiiClient
  collection: TaxiiCollection
  logger: Logger
  summary: RunSummary
  now: number
  /**
   * Records an object about to be sent: its ledger update lands, and its audit event is
   * recorded, when AED commits it.
   */
  track: (id: string, updates: LedgerUpdate[], event?: AuditEvent) => void
  /** Ledger facts learnt without sending (AED lacks the object, or has it revoked already). */
  settle: (updates: LedgerUpdate[]) => Promise<void>
}

/** Reads AED's copies back, a hundred ids a request, and yields their revoked versions. */
export async function* revokedVersions(
  deps: RevokeDeps,
  items: Iterable<Revocation>,
): AsyncGenerator<StixObject[]> {
  let chunk: Revocation[] = []
  // One line per reason at the end, not one per object (src/sync/reasons.ts).
  const revoking = new ReasonLog('revoking')
  const flush = async function* (): AsyncGenerator<StixObject[]> {
    const latest = await readBack(
      deps.taxii,
      deps.collection,
      chunk.map((r) => r.id),
    )
    const out: StixObject[] = []
    const settled: LedgerUpdate[] = []
    for (const r of chunk) {
      const object = latest.get(r.id)
      if (object === undefined) {
        deps.summary.skipped.add('revocation: AED no longer holds the object')
        settled.push({ ...r.update, state: DROPPED, version: 0 })
        continue
      }
      if (object.revoked === true) {
        settled.push({ ...r.update, state: REVOKED, version: 0 })
        continue
      }
      // STIX: a new version's modified is later than every earlier one's.
      const previous = Date.parse(String(object.modified))
      const modified = Math.max(deps.now, Number.isNaN(previous) ? 0 : previous + 1)
      out.push({ ...object, modified: isoMillis(modified), revoked: true })
      deps.track(
        r.id,
        [{ ...r.update, state: REVOKED, version: Math.floor(modified / 1000) }],
        unblockEvent(r, object),
      )
      deps.summary.revoked.add(r.reason)
      deps.summary.sent.add(`${object.type} (revoked)`)
      revoking.add(r.reason, { id: r.id, threatq: r.threatq })
    }
    await deps.settle(settled)
    chunk = []
    if (out.length > 0) yield out
  }
  for (const r of items) {
    chunk.push(r)
    if (chunk.length >= READ_BACK_IDS) yield* flush()
  }
  if (chunk.length > 0) yield* flush()
  revoking.flush(deps.logger)
}

/**
 * The unblock of an indicator (other objects block nothing). Its value and type are AED's copy's:
 * the indicator may be gone from ThreatQ. The type is the pattern's STIX object (`ipv4-addr`).
 */
function unblockEvent(r: Revocation, object: StixObject): AuditEvent | undefined {
  if (object.type !== 'indicator') return undefined
  const pattern = typeof object.pattern === 'string' ? object.pattern : ''
  return {
    action: 'unblock',
    value: typeof object.name === 'string' ? object.name : undefined,
    type: /^\[\s*([a-z0-9-]+):/.exec(pattern)?.[1],
    threatq_id: Number(r.threatq.split(':')[1]),
    stix_id: r.id,
    reason: r.reason,
  }
}

/** The latest version AED holds of each id asked for (a hundred at most). */
export async function readBack(
  taxii: TaxiiClient,
  collection: TaxiiCollection,
  ids: readonly string[],
): Promise<Map<string, StixObject>> {
  const latest = new Map<string, StixObject>()
  if (ids.length === 0) return latest
  for await (const object of taxii.objects(collection, { id: ids })) {
    const held = latest.get(object.id)
    if (held === undefined || String(object.modified) > String(held.modified))
      latest.set(object.id, object)
  }
  return latest
}
