/**
 * [SIM] SIM-AED-66: which REST requests change AED's configuration, so aed-sim notifies them as AED
 * notifies configuration changes (a notification with a `msg`, docs/aed-api.md, "Syslog
 * notifications"): a successful write to a deny or allow list (entries added, replaced or removed)
 * or to a TAXII collection's configuration. Reads, refused writes and other resources change
 * nothing.
 */

const WRITES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The resource under an API root (`/api/aed/v3/`, `/api/aps/v2/`, …) whose writes are config. */
const CONFIG_RESOURCE =
  /^\/api\/(?:aed|aps)\/v\d+\/((?:otf|protection-groups(?:\/\d+)?)\/(?:blacklisted|whitelisted|denied|allowed)-(?:hosts|countries|domains|urls)|taxii\/configuration\/collections)(?:\/|$)/

/** What a request changed in the configuration (e.g. `otf/denied-hosts`), or undefined. */
export function configChangeOf(method: string, path: string, status: number): string | undefined {
  if (!WRITES.has(method.toUpperCase()) || status < 200 || status >= 300) return undefined
  return CONFIG_RESOURCE.exec(path)?.[1]
}
