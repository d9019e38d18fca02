/**
 * `--seed N`: deterministic sample protection groups, list entries and alerts. A small seeded PRNG
 * (mulberry32), never Math.random; alert times fall in the 7 days before the start of the
 * current UTC day, so one day's runs see the same data and first-run lookbacks find it.
 */
import { ALERT_TYPES, type PartialAlert } from './alerts.js'
import { COUNTRIES } from './countries.js'
import { GLOBAL, type Scope } from './lists.js'
import type { AedState } from './state.js'
import { mulberry32 } from '../common/prng.js'

export class Prng {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T
  }
  ipv4(): string {
    return `${String(this.int(11, 223))}.${String(this.int(0, 255))}.${String(this.int(0, 255))}.${String(this.int(1, 254))}`
  }
}

const GROUPS = [
  { name: 'Web Servers', prefixes: ['192.0.2.0/24'], serverType: 1 },
  { name: 'DNS Servers', prefixes: ['198.51.100.0/26'], serverType: 2 },
  { name: 'Mail Servers', prefixes: ['203.0.113.0/27'], serverType: 3 },
  { name: 'IPv6 Services', prefixes: ['2001:db8::/48'], serverType: 0 },
] as const

const PROTOS = ['tcp', 'udp', 'icmp'] as const
const THREATS = [
  ['FormBook', 'Credential Theft'],
  ['Emotet', 'Botnet'],
  ['Mirai', 'DDoS'],
  ['Cobalt Strike', 'Command and Control'],
] as const

export const DEFAULT_SEED_ALERTS = 50

/** Seeded sample data on top of the initial state. */
export function seedState(state: AedState, seed: number, alertCount = DEFAULT_SEED_ALERTS): void {
  const rng = new Prng(seed)
  const now = state.now()
  const pgids: number[] = []
  for (const g of GROUPS) {
    const group = state.protectionGroups.insert({
      name: g.name,
      description: `Sample group (seed ${String(seed)})`,
      prefixes: [...g.prefixes],
      serverType: g.serverType,
      active: 1,
      protectionLevel: rng.pick([1, 2, 3, null] as const),
      now,
    })
    pgids.push(group.pgid)
  }
  const codes = [...COUNTRIES.keys()]
  const scope = (): Scope => (rng.int(0, 2) === 0 ? GLOBAL : { kind: 'pgid', id: rng.pick(pgids) })
  const add = (id: string, values: string[], note: string): void => {
    for (const v of values) state.list(id).add([v], [note], [scope()], now - rng.int(0, 86_400))
  }
  const hosts = (n: number): string[] => Array.from({ length: n }, () => rng.ipv4())
  add('outbound-denied-hosts', hosts(5), 'sample outbound deny')
  add('outbound-allowed-hosts', hosts(2), 'sample outbound allow')
  add('outbound-denied-countries', [rng.pick(codes), rng.pick(codes)], '')
  add(
    'inbound-denied-hosts',
    [...hosts(6), `${rng.ipv4().replace(/\.\d+$/, '.0')}/24`],
    'sample inbound deny',
  )
  add('inbound-allowed-hosts', hosts(2), 'sample inbound allow')
  add('inbound-denied-countries', [rng.pick(codes), rng.pick(codes), rng.pick(codes)], '')
  add(
    'inbound-denied-domains',
    [1, 2, 3].map((i) => `bad-${String(rng.int(100, 999))}-${String(i)}.example`),
    '',
  )
  add(
    'inbound-denied-urls',
    [1, 2].map((i) => `phish-${String(i)}.example/login?id=${String(rng.int(1, 9999))}`),
    '',
  )

  const dayStart = Math.floor(now / 86_400) * 86_400
  const alerts: PartialAlert[] = []
  for (let i = 0; i < alertCount; i++) {
    const startTime = dayStart - rng.int(60, 7 * 86_400)
    const alertType = rng.int(0, 9) < 6 ? 'blocked-host' : rng.pick(ALERT_TYPES)
    const group = state.protectionGroups.get(rng.pick(pgids))
    const base: PartialAlert = {
      alertType,
      severity: rng.int(1, 9),
      startTime,
      updateTime: startTime + rng.int(0, 600),
      pgid: group?.pgid ?? null,
      pgName: group?.name ?? null,
      direction: rng.int(0, 4) === 0 ? 'outbound' : 'inbound',
    }
    if (alertType === 'blocked-host') {
      const [threatName, threatCategory] = rng.pick(THREATS)
      const remote = rng.ipv4()
      const local = `192.0.2.${String(rng.int(1, 254))}`
      const inbound = base.direction === 'inbound'
      alerts.push({
        ...base,
        src: inbound ? remote : local,
        dst: inbound ? local : remote,
        srcPort: rng.int(1024, 65535),
        dstPort: rng.pick([22, 53, 80, 443, 8080]),
        proto: rng.pick(PROTOS),
        matchType: 'ip',
        iocPattern: remote,
        threatName,
        threatCategory,
        description: `Blocked ${base.direction ?? 'inbound'} traffic with ${remote}: ATLAS threat ${threatName}`,
      })
    } else {
      const ongoing = rng.int(0, 4) === 0
      alerts.push({ ...base, endTime: ongoing ? null : startTime + rng.int(60, 7200) })
    }
  }
  alerts.sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0))
  state.alerts.addAll(alerts, now)
}
