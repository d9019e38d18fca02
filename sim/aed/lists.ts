/**
 * The deny/allow lists (docs/aed-api.md, from "Deny and allow lists: names" to "Inbound scope"):
 * outbound (OTF) lists keep one annotation per
 * value; inbound (protection-group) lists keep one record per value collected across scopes
 * (global, protection groups, central configurations).
 */
import { COUNTRIES } from './countries.js'
import { badField } from './json.js'
import { normalizeDomain, normalizeUrl, parseHostRange } from './net.js'

export type ValueKind = 'host' | 'country' | 'domain' | 'url'

export interface ListDef {
  /** Stable name used in state snapshots and /_sim/state. */
  id: string
  direction: 'outbound' | 'inbound'
  action: 'deny' | 'allow'
  kind: ValueKind
  /** Paths relative to the API version root, without slashes at the ends. */
  v2Path: string
  v3Path: string
  v2Key: string
  v3Key: string
}

/** Item field and multi-item wrapper per kind (docs/aed-api.md, "Deny and allow lists: names"). */
export const KIND_FIELD: Record<ValueKind, string> = {
  host: 'hostAddress',
  country: 'country',
  domain: 'domain',
  url: 'url',
}
export const KIND_WRAPPER: Record<ValueKind, string> = {
  host: 'hosts',
  country: 'countries',
  domain: 'domains',
  url: 'urls',
}

const def = (
  id: string,
  direction: ListDef['direction'],
  action: ListDef['action'],
  kind: ValueKind,
  v2: string,
  v3: string,
): ListDef => {
  const prefix = direction === 'outbound' ? 'otf' : 'protection-groups'
  return {
    id,
    direction,
    action,
    kind,
    v2Path: `${prefix}/${v2}`,
    v3Path: `${prefix}/${v3}`,
    v2Key: v2,
    v3Key: v3,
  }
}

/** The v2 ↔ v3 name mapping (docs/aed-api.md, "Deny and allow lists: names"). */
export const LIST_DEFS: readonly ListDef[] = [
  def('outbound-denied-hosts', 'outbound', 'deny', 'host', 'blacklisted-hosts', 'denied-hosts'),
  def('outbound-allowed-hosts', 'outbound', 'allow', 'host', 'whitelisted-hosts', 'allowed-hosts'),
  def(
    'outbound-denied-countries',
    'outbound',
    'deny',
    'country',
    'blacklisted-countries',
    'denied-countries',
  ),
  def('inbound-denied-hosts', 'inbound', 'deny', 'host', 'blacklisted-hosts', 'denied-hosts'),
  def('inbound-allowed-hosts', 'inbound', 'allow', 'host', 'whitelisted-hosts', 'allowed-hosts'),
  def(
    'inbound-denied-countries',
    'inbound',
    'deny',
    'country',
    'blacklisted-countries',
    'denied-countries',
  ),
  def(
    'inbound-denied-domains',
    'inbound',
    'deny',
    'domain',
    'blacklisted-domains',
    'denied-domains',
  ),
  def('inbound-denied-urls', 'inbound', 'deny', 'url', 'blacklisted-urls', 'denied-urls'),
]

/** Validates and canonicalises a list value; throws a 400 naming the field. */
export function normalizeValue(kind: ValueKind, input: string): string {
  const field = KIND_FIELD[kind]
  let value: string | undefined
  switch (kind) {
    case 'host':
      value = parseHostRange(input)?.text
      break
    case 'country':
      value = COUNTRIES.has(input.trim().toUpperCase()) ? input.trim().toUpperCase() : undefined
      break
    case 'domain':
      value = normalizeDomain(input)
      break
    case 'url':
      value = normalizeUrl(input)
  }
  if (value === undefined) throw badField(field, `"${input}" is not a valid ${field}.`)
  return value
}

/** A scope: `-1` global (cid and pgid both -1), one protection group, or one central config. */
export type Scope = { kind: 'global' } | { kind: 'pgid'; id: number } | { kind: 'cid'; id: number }

export const GLOBAL: Scope = { kind: 'global' }

const sameScope = (a: Scope, b: Scope): boolean =>
  a.kind === b.kind && (a.kind === 'global' || a.id === (b as { id: number }).id)

/** [SIM] Global and central-configuration entries apply to every protection group. */
const appliesTo = (scope: Scope, pgid: number | undefined): boolean =>
  scope.kind !== 'pgid' || scope.id === pgid

export interface ScopeEntry {
  scope: Scope
  annotation: string
}

export interface OutboundRecord {
  annotation: string | null
  updateTime: number
}

export interface InboundRecord {
  entries: ScopeEntry[]
  updateTime: number
}

export type Record_ = OutboundRecord | InboundRecord

/**
 * [SIM] How many values one list holds at most: none by default, since AED's limits are not
 * public (docs/aed-api.md, "Open points"). `--list-capacity N` or `POST /_sim/lists` set
 * one; a write that would go past it is refused whole with LIST_FULL_STATUS.
 */
export const DEFAULT_LIST_CAPACITY: number | null = null

/**
 * [SIM] A write past a list's capacity: 422 with the errors envelope (docs/aed-api.md, "Status
 * codes and errors": 422 is
 * AED's "semantic validation" answer; the request is well formed but cannot be applied). Nothing
 * of the request is written.
 */
export const LIST_FULL_STATUS = 422
export const LIST_FULL_CODE = 'listCapacityExceeded'

/**
 * How strict the lists are where a real AED may be (docs/sim-aed.md "Strict lists"). No recorded
 * answer says which of these a real AED does, so the harshest plausible variant is the default
 * the end-to-end suite runs against; each lenient one is a flag (SIM-AED-49 … SIM-AED-53).
 */
export interface ListRules {
  /**
   * `substring`: a value filter (`?hostAddress=10.0.0.1`) returns every stored value that holds
   * an asked one as a substring (10.0.0.1, 10.0.0.10, 110.0.0.1 …), sorted and paged like the
   * whole list, so `perPage` may cut real matches off; `exact`: only the asked values.
   */
  filter: 'substring' | 'exact'
  /** `refuse`: `domain`/`url` given as a JSON array is a 400 (no real client sends one). */
  arrays: 'refuse' | 'accept'
  /** `bare`: a refused list write's 400 names neither the field nor the value. */
  errors: 'bare' | 'named'
  /** `refuse`: adding a value the list already holds (inbound: in a scope asked for) is a 400. */
  readds: 'refuse' | 'idempotent'
}

export const STRICT_LIST_RULES: ListRules = {
  filter: 'substring',
  arrays: 'refuse',
  errors: 'bare',
  readds: 'refuse',
}

export const LENIENT_LIST_RULES: ListRules = {
  filter: 'exact',
  arrays: 'accept',
  errors: 'named',
  readds: 'idempotent',
}

/** One list's values in insertion order. */
export class ListStore {
  readonly outbound = new Map<string, OutboundRecord>()
  readonly inbound = new Map<string, InboundRecord>()
  /** Values this list may hold (null: no limit). Configuration: `clear` keeps it. */
  capacity: number | null = DEFAULT_LIST_CAPACITY

  constructor(readonly def: ListDef) {}

  get size(): number {
    return this.def.direction === 'outbound' ? this.outbound.size : this.inbound.size
  }

  has(value: string): boolean {
    return this.def.direction === 'outbound' ? this.outbound.has(value) : this.inbound.has(value)
  }

  /** Whether adding this value in these scopes would add nothing new (a re-add). */
  holds(value: string, scopes: readonly Scope[]): boolean {
    if (this.def.direction === 'outbound') return this.outbound.has(value)
    const record = this.inbound.get(value)
    return (
      record !== undefined && record.entries.some((e) => scopes.some((s) => sameScope(e.scope, s)))
    )
  }

  /** Stored values holding any of these texts (the `substring` filter), in insertion order. */
  *containing(texts: readonly string[]): Generator<string> {
    const keys = this.def.direction === 'outbound' ? this.outbound.keys() : this.inbound.keys()
    for (const key of keys) if (texts.some((t) => key.includes(t))) yield key
  }

  clear(): void {
    this.outbound.clear()
    this.inbound.clear()
  }

  /** How many values the list would hold after `add` (or `replace`) of these values. */
  sizeAfter(mode: 'add' | 'replace', values: readonly string[], scopes: readonly Scope[]): number {
    if (mode === 'add') return this.size + values.filter((v) => !this.has(v)).length
    if (this.def.direction === 'outbound') return values.length
    // Inbound PUT empties only the given scopes: values held in other scopes stay.
    let kept = 0
    for (const [value, record] of this.inbound) {
      if (values.includes(value)) continue
      if (record.entries.some((e) => !scopes.some((s) => sameScope(e.scope, s)))) kept++
    }
    return kept + values.length
  }

  /**
   * Adds values, or updates those already there ([SIM] a re-add is idempotent: no second entry).
   * `annotations`: one for all, or one per value; undefined when the request gave none, which
   * keeps a stored value's annotation (a new value gets ""). `updateTime` moves only when the
   * value, its annotation or (inbound) its scopes changed.
   */
  add(
    values: readonly string[],
    annotations: readonly string[] | undefined,
    scopes: readonly Scope[],
    now: number,
  ): void {
    values.forEach((value, i) => {
      const given = annotations === undefined ? undefined : (annotations[i] ?? annotations[0] ?? '')
      if (this.def.direction === 'outbound') {
        const existing = this.outbound.get(value)
        // Empty annotations read back as "" for hosts and null for countries (docs/aed-api.md,
        // "List entries").
        const text = given ?? (existing === undefined ? '' : undefined)
        const annotation =
          text === undefined
            ? (existing?.annotation ?? null)
            : text === '' && this.def.kind === 'country'
              ? null
              : text
        if (existing?.annotation === annotation) return
        this.outbound.set(value, { annotation, updateTime: now })
        return
      }
      const record = this.inbound.get(value) ?? { entries: [], updateTime: now }
      let changed = !this.inbound.has(value)
      for (const scope of scopes) {
        const existing = record.entries.find((e) => sameScope(e.scope, scope))
        if (existing === undefined) {
          record.entries.push({ scope, annotation: given ?? '' })
          changed = true
        } else if (given !== undefined && existing.annotation !== given) {
          existing.annotation = given
          changed = true
        }
      }
      if (changed) record.updateTime = now
      this.inbound.set(value, record)
    })
  }

  /** Removes values; with no scope from every scope, else only from the given scopes. */
  remove(values: readonly string[], scopes: readonly Scope[] | undefined): void {
    for (const value of values) {
      if (this.def.direction === 'outbound') {
        this.outbound.delete(value)
        continue
      }
      const record = this.inbound.get(value)
      if (record === undefined) continue
      if (scopes === undefined) {
        this.inbound.delete(value)
        continue
      }
      record.entries = record.entries.filter((e) => !scopes.some((s) => sameScope(e.scope, s)))
      if (record.entries.length === 0) this.inbound.delete(value)
    }
  }

  /** PUT: the given scopes (or the whole outbound list) hold exactly these values afterwards. */
  replace(
    values: readonly string[],
    annotations: readonly string[] | undefined,
    scopes: readonly Scope[],
    now: number,
  ): void {
    if (this.def.direction === 'outbound') this.outbound.clear()
    else this.remove([...this.inbound.keys()], scopes)
    this.add(values, annotations ?? [''], scopes, now)
  }

  /** The wire form of one value (docs/aed-api.md, "List entries"), or undefined when absent. */
  render(value: string): Record<string, unknown> | undefined {
    const field = KIND_FIELD[this.def.kind]
    if (this.def.direction === 'outbound') {
      const r = this.outbound.get(value)
      return r && { annotation: r.annotation, [field]: value, updateTime: r.updateTime }
    }
    const r = this.inbound.get(value)
    if (r === undefined) return undefined
    const cid: number[] = []
    const pgid: number[] = []
    const annotation: string[] = []
    for (const { scope, annotation: text } of r.entries) {
      if (scope.kind === 'global') {
        cid.push(-1)
        pgid.push(-1)
      } else if (scope.kind === 'cid') cid.push(scope.id)
      else pgid.push(scope.id)
      // Empty annotations: hosts read back [""], countries/domains/URLs [] (docs/aed-api.md,
      // "List entries").
      if (text !== '' || this.def.kind === 'host') annotation.push(text)
    }
    return { annotation, cid, [field]: value, pgid, updateTime: r.updateTime }
  }

  renderAll(): Record<string, unknown>[] {
    const keys = this.def.direction === 'outbound' ? this.outbound.keys() : this.inbound.keys()
    const out: Record<string, unknown>[] = []
    for (const key of keys) {
      const item = this.render(key)
      if (item !== undefined) out.push(item)
    }
    return out
  }

  /** Whether this value is in force for a protection group (inbound) or everywhere (outbound). */
  activeHas(value: string, pgid: number | undefined): boolean {
    if (this.def.direction === 'outbound') return this.outbound.has(value)
    const record = this.inbound.get(value)
    return record !== undefined && record.entries.some((e) => appliesTo(e.scope, pgid))
  }

  /** Values in force for a protection group (inbound) or everywhere (outbound). */
  *activeValues(pgid: number | undefined): Generator<string> {
    if (this.def.direction === 'outbound') {
      yield* this.outbound.keys()
      return
    }
    for (const [value, record] of this.inbound) {
      if (record.entries.some((e) => appliesTo(e.scope, pgid))) yield value
    }
  }

  snapshot(): unknown {
    return this.def.direction === 'outbound' ? [...this.outbound] : [...this.inbound]
  }

  restore(data: unknown): void {
    this.clear()
    if (!Array.isArray(data)) return
    for (const entry of data as [string, Record_][]) {
      if (this.def.direction === 'outbound') this.outbound.set(entry[0], entry[1] as OutboundRecord)
      else this.inbound.set(entry[0], entry[1] as InboundRecord)
    }
  }
}
