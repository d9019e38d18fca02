/**
 * What the aggregating-import e2e tests share (alert_source syslog and edm): blocked traffic
 * driven through aed-sim, and the events' block counts read back from threatq-sim.
 */
import assert from 'node:assert/strict'
import type { World } from '../../sim/world/world.js'

export interface TqAttribute {
  name?: string
  attribute?: { name: string }
  value: string
}
export interface TqEvent {
  id: number
  title: string
  attributes?: TqAttribute[]
}
export type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>

export const attrs = (o: { attributes?: TqAttribute[] }, name: string): string[] =>
  (o.attributes ?? []).filter((a) => (a.name ?? a.attribute?.name) === name).map((a) => a.value)

/** The AIF rule that blocks 203.0.113.0/24 (the `aif` connections of `blockTraffic`). */
export async function addAifRule(world: World): Promise<void> {
  await world.aed.admin('POST', '/_sim/aif', {
    rules: [
      {
        matchType: 'ip',
        value: '203.0.113.0/24',
        threatName: 'Test Botnet',
        threatCategory: 'Botnet',
      },
    ],
  })
}

/** Blocks `own` connections to the exported `domain` and `aif` by the AIF rule. */
export async function blockTraffic(
  world: World,
  domain: string,
  own: number,
  aif: number,
): Promise<void> {
  await world.aed.admin('POST', '/_sim/traffic', {
    flows: [
      {
        src: '10.1.1.1',
        dst: '10.9.9.9',
        dstPort: 443,
        proto: 'tcp',
        host: domain,
        direction: 'outbound',
        connections: own,
      },
      { src: '203.0.113.77', dst: '10.0.0.1', dstPort: 22, proto: 'tcp', connections: aif },
    ],
  })
}

export const eventsOf = async (api: Api): Promise<TqEvent[]> =>
  (await api<{ data: TqEvent[] }>('GET', '/api/events?limit=1000&with=attributes')).data

/** Every event's one Block Count value, summed; fails on an event holding two. */
export async function blockCount(api: Api): Promise<number> {
  let total = 0
  for (const e of await eventsOf(api)) {
    const counts = attrs(e, 'Block Count')
    assert.equal(counts.length, 1, `${e.title}: Block Count ${JSON.stringify(counts)}`)
    total += Number(counts[0])
  }
  return total
}

/** One import run of the real CLI, which must succeed. */
export async function importOnce(world: World): Promise<void> {
  const result = await world.run(['-i'])
  assert.equal(result.code, 0, result.stderr)
}
