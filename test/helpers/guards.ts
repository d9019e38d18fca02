/** Guards as the guard tests build them: an AED and a ThreatQ host, options overridable. */
import { type GuardOptions, Guards } from '../../src/sync/policy/guards.js'

export const testGuards = (over: Partial<GuardOptions> = {}): Guards =>
  new Guards({
    neverBlock: [],
    blockPrivateRanges: false,
    minPrefixV4: 16,
    minPrefixV6: 48,
    ownHosts: [
      { host: 'aed.corp.example:8443', who: 'the AED' },
      { host: '203.0.113.9', who: 'ThreatQ' },
    ],
    ...over,
  })

/** The STIX object paths the guards judge. */
export const IP = 'ipv4-addr:value'
export const IP6 = 'ipv6-addr:value'
export const DNS = 'domain-name:value'
export const URL_PATH = 'url:value'
