/**
 * A run's export policy, built from the options: what the verdicts (verdict.ts) judge by, and the
 * fingerprint a ledger keeps to know whether the value checks its members passed still hold.
 */
import type { Options } from '../../config/options.js'
import { GUARDS_VERSION, Guards } from './guards.js'
import type { ExportPolicy } from './verdict.js'

/** The options a verdict depends on. */
export type PolicyOptions = Pick<
  Options,
  | 'revoke_statuses'
  | 'never_block'
  | 'block_private_ranges'
  | 'min_cidr_prefix'
  | 'min_cidr_prefix_ipv6'
  | 'export_all_types'
>

/** The hosts the connector talks to: never blocked. */
export interface OwnHosts {
  aed: string
  threatq: string
}

/** Everything but the clock the verdicts depend on (ExportPolicy.fingerprint). */
export function policyFingerprint(options: PolicyOptions, hosts: OwnHosts): string {
  return JSON.stringify([
    GUARDS_VERSION,
    options.revoke_statuses.map((s) => s.toLowerCase()).sort(),
    options.never_block,
    options.block_private_ranges,
    options.min_cidr_prefix,
    options.min_cidr_prefix_ipv6,
    options.export_all_types,
    hosts.aed,
    hosts.threatq,
  ])
}

/** The policy of a run at `now` (epoch ms): statuses, expiry and the never-block guards. */
export function buildPolicy(options: PolicyOptions, hosts: OwnHosts, now: number): ExportPolicy {
  return {
    revokeStatuses: options.revoke_statuses,
    guards: new Guards({
      neverBlock: options.never_block,
      blockPrivateRanges: options.block_private_ranges,
      minPrefixV4: options.min_cidr_prefix,
      minPrefixV6: options.min_cidr_prefix_ipv6,
      ownHosts: [
        { host: hosts.aed, who: 'the AED' },
        { host: hosts.threatq, who: 'ThreatQ' },
      ],
    }),
    exportAllTypes: options.export_all_types,
    now,
    fingerprint: policyFingerprint(options, hosts),
  }
}
