/**
 * Request arguments as AED reads them: the query string and the JSON body merged (the body wins),
 * because XSOAR sends writes as query parameters and FortiSOAR as a JSON body (docs/aed-api.md,
 * "Requests and responses").
 */
import type { Context } from 'hono'
import { AedError, badField, scalarText } from './json.js'

export type ParamValue = string | number | boolean | null | ParamValue[] | { [k: string]: unknown }

export class Params {
  constructor(private readonly values: Map<string, ParamValue>) {}

  static async from(c: Context): Promise<Params> {
    const values = new Map<string, ParamValue>()
    for (const [key, all] of Object.entries(c.req.queries())) {
      values.set(key, all.length === 1 ? (all[0] ?? '') : all)
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const text = await c.req.text()
      if (text.trim() !== '') {
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch (error) {
          throw new AedError(400, 'invalidJson', 'The request body is not valid JSON.', undefined, {
            cause: error,
          })
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw new AedError(400, 'invalidJson', 'The request body must be a JSON object.')
        }
        for (const [key, value] of Object.entries(body)) values.set(key, value as ParamValue)
      }
    }
    return new Params(values)
  }

  static of(record: Record<string, ParamValue>): Params {
    return new Params(new Map(Object.entries(record)))
  }

  has(key: string): boolean {
    const v = this.values.get(key)
    return v !== undefined && v !== ''
  }

  /** Every argument name the request gave. */
  keys(): string[] {
    return [...this.values.keys()]
  }

  raw(key: string): ParamValue | undefined {
    return this.values.get(key)
  }

  /** A scalar as text (arrays are joined with commas), or undefined when absent or empty. */
  string(key: string): string | undefined {
    const v = this.values.get(key)
    if (v === undefined || v === null || v === '') return undefined
    if (Array.isArray(v)) return v.map(scalarText).join(',')
    if (typeof v === 'object') throw badField(key, `"${key}" must be a scalar.`)
    return String(v)
  }

  /**
   * Comma lists, arrays, or arrays of comma lists: every form clients send (docs/aed-api.md,
   * "Inbound scope").
   */
  list(key: string): string[] {
    const v = this.values.get(key)
    if (v === undefined || v === null) return []
    const parts = Array.isArray(v) ? v : [v]
    const out: string[] = []
    for (const part of parts) {
      if (part === null) continue
      if (typeof part === 'object') throw badField(key, `"${key}" must be a list of values.`)
      for (const piece of String(part).split(',')) {
        const trimmed = piece.trim()
        if (trimmed !== '') out.push(trimmed)
      }
    }
    return out
  }

  intList(key: string): number[] {
    return this.list(key).map((text) => {
      if (!/^-?\d+$/.test(text)) throw badField(key, `"${key}" must hold integers, got "${text}".`)
      return Number(text)
    })
  }

  int(key: string, min?: number, max?: number): number | undefined {
    const text = this.string(key)
    if (text === undefined) return undefined
    if (!/^-?\d+$/.test(text)) throw badField(key, `"${key}" must be an integer, got "${text}".`)
    const n = Number(text)
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      throw badField(key, `"${key}" must be between ${min ?? '-inf'} and ${max ?? 'inf'}.`)
    }
    return n
  }

  /**
   * `0/1/true/false/True/False` (XSOAR sends `active=False`, docs/aed-api.md, "Protection groups").
   */
  bool(key: string): boolean | undefined {
    const text = this.string(key)
    if (text === undefined) return undefined
    const lower = text.toLowerCase()
    if (lower === '1' || lower === 'true') return true
    if (lower === '0' || lower === 'false') return false
    throw badField(key, `"${key}" must be 0, 1, true or false, got "${text}".`)
  }
}
