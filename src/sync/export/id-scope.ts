/**
 * Which id scope an instance's export ledger has (docs/architecture.md, "Instances sharing a
 * collection"). The default instance keeps the shared ids every export had (scope `''`), so
 * existing deployments re-send nothing; a named instance gets ids of its own. A ledger file
 * carries its scope for life; one written before scopes is shared.
 */

/** The scope a new ledger of this instance gets. */
export function instanceScope(instance: string, isDefault: boolean): string {
  return isDefault ? '' : instance
}

/** The scope of a ledger not read from its file: new, lost, corrupt, or of another target. */
export function ledgerScope(
  instance: string,
  isDefault: boolean,
  /** What the state file says the last saved ledger was; undefined when none was saved. */
  saved: { ids?: string | undefined } | undefined,
): string {
  // A ledger was saved: AED may hold its entries under its scope (shared, if it predates scopes),
  // also when it is the same AED under another name.
  if (saved !== undefined) return saved.ids ?? ''
  return instanceScope(instance, isDefault)
}
