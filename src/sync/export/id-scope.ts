/**
 * Which id scope an instance's export ledger starts with when none is read from its file
 * (docs/architecture.md, "Instances sharing a collection"). The default instance keeps the shared
 * ids every export had (scope `''`), so existing deployments re-send nothing; a named instance
 * gets ids of its own. A ledger file carries its scope; one written before scopes is shared.
 */
import type { ScopeChoice } from './ledger.js'

export function scopeChoice(
  instance: string,
  isDefault: boolean,
  /** What the state file says the last saved ledger was; undefined when none was saved. */
  saved: { ids?: string | undefined } | undefined,
): ScopeChoice {
  const fresh = isDefault ? '' : instance
  // A ledger was saved: AED may hold its entries under its scope (shared, if it predates scopes).
  return { fresh, known: saved === undefined ? fresh : (saved.ids ?? '') }
}
