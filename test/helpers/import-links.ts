import assert from 'node:assert/strict'
import { threatqApi } from '../../sim/world/threatq-api.js'
import type { World } from '../../sim/world/world.js'

export interface ImportedAlert {
  alertId: number
  direction: string | null
  src: string | null
  dst: string | null
  matchType: string | null
  iocPattern: string | null
}

/**
 * Each alert's event is related to its remote host and, for a host-name match, its IOC pattern:
 * linked by id, so also on a ThreatQ that ignores `{value, type}` refs (threatq-sim's default).
 */
export async function assertLinked(
  world: World,
  alerts: readonly ImportedAlert[],
  imported: readonly { id: number; title: string }[],
): Promise<void> {
  const api = await threatqApi(world.threatq)
  for (const alert of alerts) {
    const event = imported.find((e) => e.title.includes(` alert ${String(alert.alertId)}:`))
    assert.ok(event !== undefined, `no event for alert ${String(alert.alertId)}`)
    const related = await api<{ data: { value: string }[] }>(
      'GET',
      `/api/events/${String(event.id)}/indicators`,
    )
    const values = new Set(related.data.map((i) => i.value))
    const remote = alert.direction === 'outbound' ? alert.dst : alert.src
    if (remote !== null) assert.ok(values.has(remote), `${remote} in ${[...values].join(', ')}`)
    if (alert.matchType === 'dns' && alert.iocPattern !== null)
      assert.ok(values.has(alert.iocPattern), `${alert.iocPattern} in ${[...values].join(', ')}`)
  }
}
