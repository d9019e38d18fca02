/**
 * The final state a run leaves in the simulators, as the fault matrix and the crash tests compare
 * it with that of a clean run: what AED holds after an export, what ThreatQ holds after an import.
 */
import { threatqApi } from '../../sim/world/threatq-api.js'
import { aedObjects, simState, type World } from '../../sim/world/world.js'

export interface ExportState {
  /** Distinct ids of indicator objects in AED's collection, sorted. */
  indicatorIds: string[]
  /** Indicator versions stored more than once (the same id and `modified`). */
  duplicateVersions: number
  /** What AED enforces from TAXII. */
  enforcementEntries: number
  /**
   * Every object version AED holds, of every type (relationships included), as `id modified`
   * with `revoked` when it is a revocation, sorted: a duplicate under a new id, a missed
   * revocation or a version stored twice shows.
   */
  objectVersions: string[]
}

export async function exportState(world: World): Promise<ExportState> {
  const all = await aedObjects(world, '2.0')
  const indicators = all.filter((o) => o.type === 'indicator')
  const versions = indicators.map((o) => `${o.id} ${String(o.modified)}`)
  return {
    indicatorIds: [...new Set(indicators.map((o) => o.id))].sort(),
    duplicateVersions: versions.length - new Set(versions).size,
    enforcementEntries: (await simState(world.aed)).objects.stixEnforcementEntries ?? 0,
    objectVersions: all
      .map((o) => `${o.id} ${String(o.modified)}${o.revoked === true ? ' revoked' : ''}`)
      .sort(),
  }
}

/** At most this many of a kind are read back (ThreatQ's list limit). */
const LIST_LIMIT = 10_000

/** The alert ids in the titles of ThreatQ's events, sorted (a duplicate event shows twice). */
export async function importedAlertIds(world: World): Promise<number[]> {
  const api = await threatqApi(world.threatq)
  const { data } = await api<{ data: { title: string }[] }>(
    'GET',
    `/api/events?limit=${String(LIST_LIMIT)}`,
  )
  return data.map((e) => Number(/ alert (\d+):/.exec(e.title)?.[1])).sort((a, b) => a - b)
}

/** ThreatQ's indicators as `type value`, sorted (a duplicate shows twice). */
export async function threatqIndicators(world: World): Promise<string[]> {
  const api = await threatqApi(world.threatq)
  const { data } = await api<{ data: { value: string; type?: { name?: string } }[] }>(
    'GET',
    `/api/indicators?limit=${String(LIST_LIMIT)}&with=type`,
  )
  return data.map((i) => `${i.type?.name ?? '?'} ${i.value}`).sort()
}
