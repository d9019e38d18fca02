/**
 * `--full` restores what the ledger says AED should hold, even where AED's copy changed behind
 * the ledger's back: an object someone else revoked, or one AED lost. Each live
 * entry's copy is read back (100 ids a request); a revoked copy makes the entry revoked, so the
 * plan exports the object under its next id generation (a revoked STIX id is final); a missing
 * copy drops the entry, so the plan sends it again under the same id.
 */
import type { StixObject } from '../../stix/types.js'
import type { TaxiiClient, TaxiiCollection } from '../../taxii/client.js'
import { relationshipId, stixIdOf } from './convert.js'
import { DROPPED, type EntryState, LIVE, REVOKED } from './key-table.js'
import { type Ledger, refOfKey } from './ledger.js'
import { NumberList } from './number-list.js'
import { READ_BACK_IDS, readBack } from './revoke.js'

/** The state a live entry takes from AED's latest copy; undefined: as the ledger says. */
export function stateFromCopy(copy: StixObject | undefined): EntryState | undefined {
  if (copy === undefined) return DROPPED
  return copy.revoked === true ? REVOKED : undefined
}

export interface VerifyDeps {
  taxii: TaxiiClient
  collection: TaxiiCollection
  /** The id namespace of the ledger's entries (ids.ts idNamespace). */
  idHost: string
}

/** Checks every live entry against AED; returns how many were revoked or missing there. */
export async function verifyLive(
  deps: VerifyDeps,
  ledger: Ledger,
): Promise<{ revoked: number; missing: number }> {
  const found = { revoked: 0, missing: 0 }
  for (const table of [ledger.objects, ledger.relationships]) {
    const idOf = (slot: number): string => {
      const gen = table.gen(slot)
      return table === ledger.objects
        ? stixIdOf(refOfKey(table.keyA(slot)), deps.idHost, gen)
        : relationshipId(refOfKey(table.keyA(slot)), refOfKey(table.keyB(slot)), deps.idHost, gen)
    }
    let slots: number[] = []
    const flush = async (): Promise<void> => {
      const ids = slots.map(idOf)
      const latest = await readBack(deps.taxii, deps.collection, ids)
      slots.forEach((slot, i) => {
        const state = stateFromCopy(latest.get(ids[i] ?? ''))
        if (state === undefined) return
        if (state === REVOKED) found.revoked++
        else found.missing++
        // The version is AED's business now: the plan re-sends whatever is not live.
        table.set(slot, state, table.gen(slot), 0)
      })
      slots = []
    }
    // The live slots first (a typed list, no object each): the read-backs cannot run inside forEach.
    const live = new NumberList()
    table.forEach((slot) => {
      if (table.state(slot) === LIVE) live.push(slot)
    })
    for (let i = 0; i < live.length; i++) {
      slots.push(live.at(i))
      if (slots.length >= READ_BACK_IDS) await flush()
    }
    if (slots.length > 0) await flush()
  }
  return found
}
