/**
 * What a sync plan holds, and the rules every phase of the export applies the same way: when a
 * wanted object is sent again, which id generation an object or relationship goes under, and
 * what a report's object refs digest to. Pure functions of the ledger and the settings.
 */
import { createHash } from 'node:crypto'
import type { Logger } from '../../log/logger.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { TqCollection, TqObject, TqRef } from '../../threatq/model.js'
import type { ScanSinks } from '../scan-report.js'
import type { ExportContext } from './convert.js'
import { DROPPED, LIVE, REVOKED } from './key-table.js'
import { type Ledger, objectKey, UNKNOWN_VERSION } from './ledger.js'
import { NumberList } from './number-list.js'
import type { ExportPolicy } from '../policy/verdict.js'

/** Collections followed from an object to its related objects (indicators outside the collection are not exported). */
export const RELATED: readonly TqCollection[] = [
  'adversaries',
  'malware',
  'tool',
  'report',
  'attack_pattern',
]

export interface RelatedEntry {
  object: TqObject
  refs: TqRef[]
  /** Relationship levels from the collection's indicators (1 = linked to one). */
  level: number
}

export interface ReportPlan {
  key: number
  object: TqObject
  refs: string[]
  digest: number
  /** Epoch seconds of the version to send (after the ledger's when only the refs changed). */
  version: number
}

export interface SyncPlan {
  members: number
  exportable: number
  /** Earliest `updated_at` (ms) of an indicator to send; undefined when none is. */
  sendFrom: number | undefined
  indicatorsToSend: number
  related: Map<number, RelatedEntry>
  /** Related objects (not reports) to send, by ledger key. */
  relatedToSend: number[]
  /** Relationships to send: (source key, target key, created ms, generation) tuples. */
  relationships: NumberList
  reports: ReportPlan[]
}

export function emptyPlan(): SyncPlan {
  return {
    members: 0,
    exportable: 0,
    sendFrom: undefined,
    indicatorsToSend: 0,
    related: new Map(),
    relatedToSend: [],
    relationships: new NumberList(),
    reports: [],
  }
}

export interface PlanDeps extends ScanSinks {
  threatq: ThreatqClient
  logger: Logger
  onProgress?: ((done: number, total: number | undefined) => void) | undefined
}

export interface PlanSettings {
  collection: DataCollection
  depth: number
  pageSize: number
  /** --full: send every wanted object again. */
  full: boolean
  /** --since: send every member updated at or after it (epoch ms). */
  sendSince: number | undefined
  policy: ExportPolicy
  ctx: ExportContext
}

/** What forces a wanted object out again although AED holds it: --full, --since. */
export type SendForce = Pick<PlanSettings, 'full' | 'sendSince'>

export const seconds = (ms: number): number => Math.floor(ms / 1000)

/** Two generations in one ledger version: a relationship is re-sent when an end's id changed. */
export const endsVersion = (sourceGen: number, targetGen: number): number =>
  sourceGen * 0x10000 + targetGen

/** The generation an object is (or will be) exported with: a revoked id is never reused. */
export function generationOf(ledger: Ledger, ref: TqRef): number {
  const slot = ledger.objects.find(objectKey(ref.collection, ref.id))
  if (slot < 0) return 0
  return ledger.objects.gen(slot) + (ledger.objects.state(slot) === REVOKED ? 1 : 0)
}

/** Whether a wanted object must be sent (again): new, revoked, changed, or forced. */
export function wantsSend(
  ledger: Ledger,
  slot: number,
  updatedMs: number,
  settings: SendForce,
): boolean {
  const objects = ledger.objects
  return (
    settings.full ||
    slot < 0 ||
    objects.state(slot) !== LIVE ||
    objects.version(slot) !== seconds(updatedMs) ||
    (settings.sendSince !== undefined && updatedMs >= settings.sendSince)
  )
}

/**
 * The generation a wanted relationship is sent under. A revoked one, or one whose ends have new
 * ids, needs an id of its own; one the ledger knows only as sent in an unknown version (a run
 * killed before AED answered) is sent again under the same id, as an indicator would be: AED
 * holds that very relationship or nothing, and a new id would leave the stored copy unrevocable.
 */
export function relationshipGeneration(
  state: number,
  gen: number,
  heldVersion: number,
  version: number,
): number {
  if (state === DROPPED) return gen
  if (state === LIVE && (heldVersion === version || heldVersion === UNKNOWN_VERSION)) return gen
  return gen + 1
}

export function refsDigest(refs: readonly string[]): number {
  return createHash('sha256')
    .update([...refs].sort().join('\n'))
    .digest()
    .readUInt32LE(0)
}
