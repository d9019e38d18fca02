/**
 * What AED's answer to a lookup means for each planned value: pure decisions of the answer, the
 * plan and the instance name, so they are tested without a socket (triage.test.ts). An entry whose
 * annotations are not all this instance's is someone else's and is never written or removed.
 */
import type { ListEntry, Scope } from '../../aed/lists.js'

export const annotationOf = (instance: string, owner: number): string =>
  `tq:${instance}:${String(owner)}`

/** The owner an annotation of this instance names, else undefined. */
export function ownerOf(instance: string, annotation: string): number | undefined {
  const prefix = `tq:${instance}:`
  if (!annotation.startsWith(prefix)) return undefined
  const rest = annotation.slice(prefix.length)
  return /^[1-9][0-9]{0,15}$/.test(rest) ? Number(rest) : undefined
}

/**
 * Only a value every annotation of which is ours is ours to write or remove: AED's arrays do not
 * say which scope holds whose annotation, and no annotation at all is someone else's (AED shows []
 * for an unannotated domain).
 */
export function onlyOurs(entry: ListEntry, instance: string): boolean {
  return (
    entry.annotations.length > 0 &&
    entry.annotations.every((a) => ownerOf(instance, a) !== undefined)
  )
}

/** Whether the entry is in force in every protection group of `scope` (undefined: outbound). */
export function holdsScope(entry: ListEntry, scope: Scope | undefined): boolean {
  if (scope === undefined) return true
  return scope.split(',').every((id) => entry.pgids.includes(Number(id)))
}

/** What AED said of one value: its entry, or that the answers about it were cut off. */
export interface Answer {
  there: ListEntry | undefined
  unknown: boolean
}

/**
 * A planned removal, by what AED holds:
 * - `unconfirmed`: the answers were cut off: neither removed nor forgotten, the next run looks again;
 * - `remove`: still ours alone: removed;
 * - `replaced`: a scope change whose value is not ours alone now: its add decides what the ledger keeps;
 * - `gone`: no longer in AED (removed by hand, or stored in another form): forgotten;
 * - `shared`: now sharing its value with someone else: left as it is, forgotten.
 */
export type RemovalStep = 'unconfirmed' | 'remove' | 'replaced' | 'gone' | 'shared'

export function removalStep(replaced: boolean, answer: Answer, instance: string): RemovalStep {
  const { there } = answer
  if (answer.unknown) return 'unconfirmed'
  if (there !== undefined && onlyOurs(there, instance)) return 'remove'
  if (replaced) return 'replaced'
  return there === undefined ? 'gone' : 'shared'
}

/**
 * A planned add, by what AED holds:
 * - `unconfirmed`: the answers were cut off: not added, the next run looks again;
 * - `foreign`: held by a person or another tool: in force already, never ours to change;
 * - `adopt`: held under this owner's annotation in the scope wanted: kept without a write;
 * - `add`: missing (or not in the scope wanted): written.
 * `rescoped`: the value loses some scopes this run, after the lookup: never adopted from it.
 */
export type AddStep = 'unconfirmed' | 'foreign' | 'adopt' | 'add'

export function addStep(
  want: { owner: number; scope: Scope | undefined },
  answer: Answer,
  rescoped: boolean,
  instance: string,
): AddStep {
  const { there } = answer
  if (answer.unknown) return 'unconfirmed'
  if (there === undefined) return 'add'
  if (!onlyOurs(there, instance)) return 'foreign'
  if (!rescoped && heldAsWanted(there, want, instance)) return 'adopt'
  return 'add'
}

/** Held under this owner's annotation, in every group of the scope wanted. */
export function heldAsWanted(
  entry: ListEntry,
  want: { owner: number; scope: Scope | undefined },
  instance: string,
): boolean {
  return (
    entry.annotations.includes(annotationOf(instance, want.owner)) && holdsScope(entry, want.scope)
  )
}

/**
 * A value AED refused when sent alone, looked up again (a real AED may refuse a re-add): `foreign`
 * when someone else holds it now, `adopt` when it is ours as wanted, else `refused`.
 */
export function refusedStep(
  there: ListEntry | undefined,
  want: { owner: number; scope: Scope | undefined },
  instance: string,
): 'foreign' | 'adopt' | 'refused' {
  if (there === undefined) return 'refused'
  if (!onlyOurs(there, instance)) return 'foreign'
  return heldAsWanted(there, want, instance) ? 'adopt' : 'refused'
}
