/**
 * Rebuilding a lost or corrupt lists ledger from AED itself, as export/recover.ts does for the
 * export ledger: this instance's entries are found again by their annotations. An inbound record
 * that mixes ours with others' cannot tell which scopes are ours (AED's arrays do not line up,
 * docs/architecture.md "AED lists"): it is kept as foreign, never removed, and said so.
 */
import { ALL_LISTS, GLOBAL_SCOPE, type ListCalls, scopeEntries } from '../../aed/lists.js'
import type { Logger } from '../../log/logger.js'
import type { LedgerProblem, LedgerWording, Recovery } from '../ledger-file.js'
import { ownerOf } from './deliver.js'
import type { ListLedger } from './ledger.js'
import { canonicalValue } from './lookup.js'

/** How the lists ledger's problems are told (../ledger-file.ts describeLedgerProblem). */
export const LISTS_LEDGER: LedgerWording = {
  name: 'the AED lists ledger',
  other: 'another AED',
  rebuilds: "this run rebuilds it from AED's lists, by this instance's annotations",
  rebuilt: 'lists ledger rebuilt from AED:',
  found: 'entries found',
}

/**
 * What a run does about a lists ledger problem. Another AED is a fresh start, not a fault: its
 * entries are not this AED's. A lost or corrupt ledger is a fault (exit 3), always rebuilt: the
 * list calls that deliver can also read, and the annotations say which entries are ours.
 */
export function listsRecovery(problem: LedgerProblem): Recovery {
  if (problem.kind === 'retargeted') return { fault: false, step: 'start-empty' }
  return { fault: true, step: 'rebuild' }
}

/** Reads every list and fills the ledger with this instance's entries; returns how many. */
export async function recoverListLedger(
  lists: ListCalls,
  ledger: ListLedger,
  instance: string,
  logger: Logger,
): Promise<number> {
  for (const list of ALL_LISTS)
    for await (const page of lists.readAll(list))
      for (const entry of page) {
        const owners = entry.annotations.map((a) => ownerOf(instance, a))
        const owner = owners.find((o) => o !== undefined)
        if (owner === undefined) continue
        // Under our annotation, but no value the connector writes: removing it would remove
        // the values AED reads in it (`a.example,b.example` is two).
        if (canonicalValue(list.kind, entry.value) === undefined) {
          logger.warn(
            { list: list.id, value: entry.value },
            "an entry under this instance's annotation holds a value the connector never writes (a comma, white space, a control or bidirectional character): it is left in AED, never removed by the connector",
          )
          continue
        }
        if (list.direction === 'outbound') {
          ledger.set({ list: list.id, value: entry.value, owner, scope: undefined })
          continue
        }
        const onlyOurs =
          owners.every((o) => o !== undefined) && owners.length === scopeEntries(entry)
        if (onlyOurs && entry.cids.every((c) => c === -1) && entry.pgids.length > 0)
          ledger.set({
            list: list.id,
            value: entry.value,
            owner,
            scope: [...new Set(entry.pgids)].sort((a, b) => a - b).join(','),
          })
        else {
          ledger.set({
            list: list.id,
            value: entry.value,
            owner,
            scope: GLOBAL_SCOPE,
            foreign: true,
          })
          logger.warn(
            { list: list.id, value: entry.value },
            "an entry this instance made shares its record with others' scopes: it is left in AED, never removed by the connector",
          )
        }
      }
  return ledger.own
}
