/** Protection groups (docs/aed-api.md, "Protection groups"). */
import { AedError, badField, notFound } from './json.js'
import { parseHostRange, rangeContains, type HostRange } from './net.js'
import type { Params } from './params.js'
import ipaddr from 'ipaddr.js'

export interface ProtectionGroup {
  active: 0 | 1
  bpsDropped: number
  bpsPassed: number
  bytesDropped: number
  bytesPassed: number
  cid: number | null
  description: string
  name: string
  packetsDropped: number
  packetsPassed: number
  pgid: number
  ppsDropped: number
  ppsPassed: number
  prefixes: string[]
  profiling: boolean
  profilingDuration: number
  profilingStart: number
  protectionLevel: 1 | 2 | 3 | null
  serverName: string
  serverType: number
  timeCreated: number
}

/**
 * [SIM] Server types (only `0` "Generic Server" is attested: docs/aed-api.md, "Protection groups").
 */
export const SERVER_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'Generic Server'],
  [1, 'Web Server'],
  [2, 'DNS Server'],
  [3, 'Mail Server'],
  [4, 'VoIP Server'],
  [5, 'File Server'],
])

const LEVELS: Record<string, 1 | 2 | 3 | null> = {
  '1': 1,
  '2': 2,
  '3': 3,
  low: 1,
  medium: 2,
  high: 3,
  none: null,
  null: null,
}

function protectionLevel(params: Params): 1 | 2 | 3 | null | undefined {
  const raw = params.raw('protectionLevel')
  if (raw === undefined || raw === '') return undefined
  if (raw === null) return null // "use the global protection level"
  const text = params.string('protectionLevel') ?? ''
  const level = LEVELS[text.toLowerCase()]
  if (level === undefined) {
    throw badField('protectionLevel', `"protectionLevel" must be 1, 2, 3 or null, got "${text}".`)
  }
  return level
}

function prefixes(params: Params): string[] {
  return params.list('prefixes').map((p) => {
    const range = parseHostRange(p)
    if (range === undefined) throw badField('prefixes', `"${p}" is not a valid prefix.`)
    return range.bits === (range.family === 4 ? 32 : 128)
      ? `${range.text}/${String(range.bits)}`
      : range.text
  })
}

export class ProtectionGroups {
  private readonly groups = new Map<number, ProtectionGroup>()
  private nextId = 1

  get size(): number {
    return this.groups.size
  }

  all(): ProtectionGroup[] {
    return [...this.groups.values()]
  }

  get(pgid: number): ProtectionGroup | undefined {
    return this.groups.get(pgid)
  }

  require(pgid: number): ProtectionGroup {
    const group = this.groups.get(pgid)
    if (group === undefined) throw notFound(String(pgid))
    return group
  }

  clear(): void {
    this.groups.clear()
    this.nextId = 1
    this.ranges = undefined
  }

  /** Every install has a default group on 0.0.0.0/0 (docs/aed-api.md, "Protection groups"). */
  addDefault(now: number): ProtectionGroup {
    return this.insert({
      name: 'Default Protection Group',
      description: 'The default protection group on 0.0.0.0/0',
      prefixes: ['0.0.0.0/0'],
      serverType: 0,
      active: 0,
      protectionLevel: 1,
      now,
    })
  }

  insert(spec: {
    name: string
    description: string
    prefixes: string[]
    serverType: number
    active: 0 | 1
    protectionLevel: 1 | 2 | 3 | null
    now: number
  }): ProtectionGroup {
    const group: ProtectionGroup = {
      active: spec.active,
      bpsDropped: 0,
      bpsPassed: 0,
      bytesDropped: 0,
      bytesPassed: 0,
      cid: null,
      description: spec.description,
      name: spec.name,
      packetsDropped: 0,
      packetsPassed: 0,
      pgid: this.nextId++,
      ppsDropped: 0,
      ppsPassed: 0,
      prefixes: spec.prefixes,
      profiling: false,
      profilingDuration: 0,
      profilingStart: 0,
      protectionLevel: spec.protectionLevel,
      serverName: SERVER_TYPES.get(spec.serverType) ?? 'Generic Server',
      serverType: spec.serverType,
      timeCreated: spec.now,
    }
    this.groups.set(group.pgid, group)
    this.ranges = undefined
    return group
  }

  /** POST /protection-groups/ (FortiSOAR's body: docs/aed-api.md, "Protection groups"). */
  create(params: Params, now: number): ProtectionGroup {
    const name = params.string('name')
    if (name === undefined) throw badField('name', '"name" is required.')
    if (this.all().some((g) => g.name === name)) {
      throw new AedError(
        422,
        'duplicateName',
        `A protection group named "${name}" already exists.`,
        'name',
      )
    }
    const serverType = params.int('serverType') ?? 0
    if (!SERVER_TYPES.has(serverType))
      throw badField('serverType', `Unknown server type ${String(serverType)}.`)
    const active = params.bool('active')
    return this.insert({
      name,
      description: params.string('description') ?? '',
      prefixes: prefixes(params),
      serverType,
      active: active === false ? 0 : 1,
      protectionLevel: protectionLevel(params) ?? null,
      now,
    })
  }

  /** PATCH one group (the pgid list is resolved by the caller). */
  update(group: ProtectionGroup, params: Params, now: number): void {
    const active = params.bool('active')
    const level = protectionLevel(params)
    const profiling = params.bool('profiling')
    const duration = params.int('profilingDuration', 0, 14)
    if (profiling === true && (duration === undefined || duration < 1)) {
      throw badField(
        'profilingDuration',
        'A profiling duration of 1 to 14 days is required when profiling.',
      )
    }
    const name = params.string('name')
    const description = params.string('description')
    if (params.has('prefixes')) group.prefixes = prefixes(params)
    if (name !== undefined) group.name = name
    if (description !== undefined) group.description = description
    if (active !== undefined) group.active = active ? 1 : 0
    if (level !== undefined) group.protectionLevel = level
    if (profiling === true) {
      group.profiling = true
      group.profilingDuration = duration ?? 1
      group.profilingStart = now
    } else if (profiling === false) {
      group.profiling = false
      group.profilingDuration = 0
    }
    this.ranges = undefined
  }

  delete(pgid: number): void {
    this.require(pgid)
    this.groups.delete(pgid)
    this.ranges = undefined
  }

  private ranges: { pgid: number; range: HostRange }[] | undefined

  /** [SIM] The group protecting an address: the most specific prefix that contains it. */
  groupFor(address: ipaddr.IPv4 | ipaddr.IPv6): ProtectionGroup | undefined {
    this.ranges ??= this.all().flatMap((g) =>
      g.prefixes.flatMap((p) => {
        const range = parseHostRange(p)
        return range === undefined ? [] : [{ pgid: g.pgid, range }]
      }),
    )
    let best: { pgid: number; range: HostRange } | undefined
    for (const candidate of this.ranges) {
      if (
        rangeContains(candidate.range, address) &&
        (best === undefined || candidate.range.bits > best.range.bits)
      ) {
        best = candidate
      }
    }
    return best === undefined ? undefined : this.groups.get(best.pgid)
  }

  snapshot(): unknown {
    return { nextId: this.nextId, groups: this.all() }
  }

  restore(data: unknown): void {
    this.clear()
    const d = data as { nextId?: number; groups?: ProtectionGroup[] } | undefined
    for (const g of d?.groups ?? []) this.groups.set(g.pgid, g)
    this.nextId = d?.nextId ?? this.groups.size + 1
    this.ranges = undefined
  }
}
