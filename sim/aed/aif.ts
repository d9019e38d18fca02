/**
 * [SIM] SIM-AED-64: the appliance's own threat feed (ATLAS Intelligence Feed, AIF): rules with an
 * element id, a threat name and category and a severity, which block traffic like a deny list does.
 * What a rule looks like inside AED is not public; the fields are those its Blocked Host
 * notification carries (`cn1`, `cs6`, `cs7`, severity: docs/aed-api.md, "Syslog notifications").
 * Loaded through `POST /_sim/aif`.
 */
import { z } from 'zod'
import {
  domainMatches,
  normalizeDomain,
  normalizeUrl,
  parseAddress,
  parseHostRange,
  rangeContains,
} from './net.js'

export const aifRuleSchema = z.object({
  elementId: z.number().int().positive().optional(),
  matchType: z.enum(['ip', 'dns', 'url']),
  value: z.string().min(1),
  threatName: z.string().min(1),
  threatCategory: z.string().min(1),
  severity: z.number().int().min(1).max(9).default(7),
})
export type AifRuleInput = z.input<typeof aifRuleSchema>

export interface AifRule {
  elementId: number
  matchType: 'ip' | 'dns' | 'url'
  /** As matched and reported (cs1): an address or CIDR, a domain, or a URL without its scheme. */
  value: string
  threatName: string
  threatCategory: string
  severity: number
}

export class AifFeed {
  private readonly rules = new Map<number, AifRule>()
  private nextId = 1

  get size(): number {
    return this.rules.size
  }

  clear(): void {
    this.rules.clear()
    this.nextId = 1
  }

  all(): AifRule[] {
    return [...this.rules.values()]
  }

  /** Adds (or, with a known elementId, replaces) rules; a value AED cannot read is refused. */
  addAll(inputs: readonly AifRuleInput[]): AifRule[] {
    const parsed = inputs.map((input) => {
      const r = aifRuleSchema.parse(input)
      const value = canonicalValue(r.matchType, r.value)
      if (value === undefined)
        throw new Error(`AIF rule value "${r.value}" is not a ${r.matchType}`)
      return { ...r, value }
    })
    return parsed.map((r) => {
      const elementId = r.elementId ?? this.nextId
      this.nextId = Math.max(this.nextId, elementId + 1)
      const rule: AifRule = { ...r, elementId }
      this.rules.set(elementId, rule)
      return rule
    })
  }

  /** The first rule (by elementId) matching the remote address, the host or the URL. */
  match(remote: string, host: string | undefined, url: string | undefined): AifRule | undefined {
    const address = parseAddress(remote)
    for (const rule of this.rules.values()) {
      if (rule.matchType === 'ip' && address !== undefined) {
        const range = parseHostRange(rule.value)
        if (range !== undefined && rangeContains(range, address)) return rule
      }
      if (rule.matchType === 'dns' && host !== undefined && domainMatches(rule.value, host))
        return rule
      if (rule.matchType === 'url' && url !== undefined && rule.value === url) return rule
    }
    return undefined
  }

  snapshot(): unknown {
    return { nextId: this.nextId, rules: this.all() }
  }

  restore(data: unknown): void {
    this.clear()
    const d = data as { nextId?: number; rules?: AifRule[] } | undefined
    for (const rule of d?.rules ?? []) this.rules.set(rule.elementId, rule)
    this.nextId = Math.max(d?.nextId ?? 1, ...this.all().map((r) => r.elementId + 1))
  }
}

function canonicalValue(matchType: AifRule['matchType'], value: string): string | undefined {
  if (matchType === 'ip') return parseHostRange(value)?.text
  if (matchType === 'dns') return normalizeDomain(value)
  return normalizeUrl(value)
}
