/**
 * Where the objects of an export go, chosen once by the caller: AED's TAXII collection
 * (taxii-writer.ts), or, for a dry run, a recording of what would be sent (recording-writer.ts).
 * The delivery (delivery.ts) hands every object and ledger fact to the writer and never asks
 * which one it has (docs/architecture.md, "One delivery pipeline").
 */
import type { AuditEvent, AuditSink } from '../../audit/trail.js'
import type { Logger } from '../../log/logger.js'
import type { StixObject } from '../../stix/types.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import type { RunSummary } from '../summary.js'
import type { DeliveryProgress } from './delivery-progress.js'
import type { Ledger, LedgerUpdate } from './ledger.js'
import type { Revocation } from './revoke.js'

/** What a writer writes into: this run's ledger, AED's collection, its figures and its trail. */
export interface WriteTarget {
  taxii: TaxiiClient
  collection: TaxiiCollection
  ledger: Ledger
  summary: RunSummary
  logger: Logger
  audit: AuditSink
  /** Objects per request at most (`taxii_max_objects`). */
  maxObjects: number
}

/** A refused value, as the dry-run file lists it. */
export interface Refusal {
  id: number
  value: string
  reason: string
}

export interface ExportWriter {
  /**
   * An object about to be sent: its ledger updates land, and its audit event (a block or an
   * unblock) is recorded, once AED stored it.
   */
  track(id: string, updates: LedgerUpdate[], event?: AuditEvent): void
  /** Ledger facts learnt without sending (AED lacks the object, or has it revoked already). */
  settle(updates: LedgerUpdate[]): Promise<void>
  /** A value the policy refused. */
  refused(refusal: Refusal): void
  /** A revocation about to be read back from AED and sent. */
  revoking(revocation: Revocation): void
  /**
   * Writes the stream of objects. `revoked`: the ids sent as revocations, counted in `sent`
   * under `<type> (revoked)` (sentFigure); `progress`: told what AED acknowledged.
   */
  write(
    objects: AsyncIterable<StixObject[]>,
    revoked: ReadonlySet<string>,
    progress: Pick<DeliveryProgress, 'acknowledged'>,
  ): Promise<void>
}

/** A writer as the caller chooses it, made once the run knows its target. */
export interface WriterChoice {
  /** The ledger is opened read-only and never saved: nothing is written to AED. */
  readonly readOnly: boolean
  open(target: WriteTarget): ExportWriter
}

/** The STIX type of an object by its id (`indicator--…`). */
export const typeOf = (id: string): string => id.split('--')[0] ?? id

/**
 * The `sent` figure an object was counted under when it was queued (revoke.ts, collect.ts): an
 * object that does not reach AED after all is taken back from the same one.
 */
export const sentFigure = (id: string, revoked: ReadonlySet<string>): string =>
  revoked.has(id) ? `${typeOf(id)} (revoked)` : typeOf(id)
