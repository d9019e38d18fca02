/**
 * Rebuilding a lost or corrupt ledger from AED itself (docs/architecture.md): for every member
 * of the data collection and each object it links to, AED's copy is read back by id, generation
 * after generation while the copy is revoked. A live copy becomes a live entry at its version, a
 * revoked one moves to the next generation, none leaves the object new. So the run that follows
 * neither re-sends what AED holds, nor un-revokes an id, and it still revokes members AED holds
 * that are no longer exportable; only objects that left the collection entirely stay unknown.
 */
import type { StixObject } from '../../stix/types.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import type { DataCollection, ThreatqClient } from '../../threatq/client.js'
import type { TqRef } from '../../threatq/model.js'
import type { LedgerProblem, LedgerWording, Recovery } from '../ledger-file.js'
import { relationshipEnds, relationshipId, stixIdOf } from './convert.js'
import { LIVE, REVOKED } from './key-table.js'
import { type Ledger, objectKey, UPDATE } from './ledger.js'
import { endsVersion, generationOf, RELATED } from './sync-plan.js'
import { READ_BACK_IDS, readBack } from './revoke.js'
import { embeddedOf, memberRefs, separateLinks } from './separate-links.js'

/** How the export ledger's problems are told (../ledger-file.ts describeLedgerProblem). */
export const EXPORT_LEDGER: LedgerWording = {
  name: 'the export ledger',
  other: 'another target',
  rebuilds:
    "this run rebuilds it from AED's copies of what the data collection holds now; objects that left the collection while it was missing stay in AED until you remove them there",
  rebuilt: 'ledger rebuilt from AED:',
  found: 'objects found live',
}

/**
 * What a run does about an export ledger problem. Another target (AED, collection, STIX version
 * or ThreatQ host) is a fresh start, not a fault: its objects are not this target's. A lost or
 * corrupt ledger is a fault (exit 3), rebuilt from AED's copies when the collection can be read
 * (can_read); without them the run starts empty and revokes nothing.
 */
export function exportRecovery(problem: LedgerProblem, canRead: boolean): Recovery {
  if (problem.kind === 'retargeted') return { fault: false, step: 'start-empty' }
  return { fault: true, step: canRead ? 'rebuild' : 'start-empty' }
}

/** Generations probed per object: past this many revocations something else is wrong. */
const MAX_GENERATIONS = 64

export interface Probe {
  kind: typeof UPDATE.OBJECT | typeof UPDATE.RELATIONSHIP
  a: number
  b: number
  gen: number
  id: (gen: number) => string
  /** The ledger version of a live copy. */
  version: (copy: StixObject) => number
}

export interface RecoverDeps {
  threatq: ThreatqClient
  taxii: TaxiiClient
  collection: TaxiiCollection
  host: string
}

/** The probe of an object's id: a live copy's version is its `modified` second. */
export function objectProbe(ref: TqRef, host: string): Probe {
  return {
    kind: UPDATE.OBJECT,
    a: objectKey(ref.collection, ref.id),
    b: 0,
    gen: 0,
    id: (gen) => stixIdOf(ref, host, gen),
    version: (copy) => Math.floor(Date.parse(String(copy.modified)) / 1000),
  }
}

/**
 * The probe of a relationship's id, made once its ends' generations are known: a live copy's
 * version is that pair of generations.
 */
export function relationshipProbe(ledger: Ledger, a: TqRef, b: TqRef, host: string): Probe {
  const [source, target] = relationshipEnds(a, b, host)
  return {
    kind: UPDATE.RELATIONSHIP,
    a: objectKey(source.collection, source.id),
    b: objectKey(target.collection, target.id),
    gen: 0,
    id: (gen) => relationshipId(source, target, host, gen),
    version: () => endsVersion(generationOf(ledger, source), generationOf(ledger, target)),
  }
}

/** Reads the membership once more and fills the ledger from AED; returns the entries found live. */
export async function recoverLedger(
  deps: RecoverDeps,
  ledger: Ledger,
  dataCollection: DataCollection,
  depth: number,
  pageSize: number,
): Promise<number> {
  const { host } = deps
  const { found, links } = await recoverObjects(deps, ledger, dataCollection, depth, pageSize)
  // Relationships once their ends' generations are known.
  const relationships = links.map(([a, b]) => relationshipProbe(ledger, a, b, host))
  let live = found
  for (let i = 0; i < relationships.length; i += READ_BACK_IDS)
    live += await probe(deps, ledger, relationships.slice(i, i + READ_BACK_IDS))
  return live
}

/**
 * Probes every member and each object it links to, a hundred ids a request; answers the entries
 * found live and the links to relationships (none to a report: it holds object refs instead).
 */
async function recoverObjects(
  deps: RecoverDeps,
  ledger: Ledger,
  dataCollection: DataCollection,
  depth: number,
  pageSize: number,
): Promise<{ found: number; links: [TqRef, TqRef][] }> {
  let found = 0
  const seen = new Set<number>()
  const links: [TqRef, TqRef][] = []
  let batch: Probe[] = []
  const add = async (ref: TqRef): Promise<void> => {
    const next = objectProbe(ref, deps.host)
    if (seen.has(next.a)) return
    seen.add(next.a)
    batch.push(next)
    if (batch.length >= READ_BACK_IDS) {
      found += await probe(deps, ledger, batch)
      batch = []
    }
  }
  const separate = depth > 0 ? await separateLinks(deps.threatq, RELATED, pageSize) : undefined
  for await (const page of deps.threatq.members(dataCollection, {
    pageSize,
    with: depth > 0 ? embeddedOf(RELATED) : [],
  }))
    for (const record of page.records) {
      const indicator: TqRef = { collection: 'indicators', id: record.id }
      await add(indicator)
      if (depth > 0)
        for (const ref of memberRefs(record, separate)) {
          await add(ref)
          if (ref.collection !== 'report') links.push([indicator, ref])
        }
    }
  found += await probe(deps, ledger, batch)
  return { found, links }
}

/** Reads each probe's id back, following revoked copies to the next generation. */
async function probe(deps: RecoverDeps, ledger: Ledger, probes: Probe[]): Promise<number> {
  let found = 0
  while (probes.length > 0) {
    const ids = probes.map((p) => p.id(p.gen))
    const latest = await readBack(deps.taxii, deps.collection, ids)
    const next: Probe[] = []
    for (const p of probes) {
      const copy = latest.get(p.id(p.gen))
      if (copy === undefined) continue
      const entry = { kind: p.kind, a: p.a, b: p.b, gen: p.gen }
      if (copy.revoked === true) {
        ledger.apply({ ...entry, state: REVOKED, version: 0 })
        if (p.gen + 1 < MAX_GENERATIONS) next.push({ ...p, gen: p.gen + 1 })
        continue
      }
      found++
      ledger.apply({ ...entry, state: LIVE, version: p.version(copy) })
    }
    probes = next
  }
  return found
}
