/**
 * A list value as the key it is kept under in memory: a dotted-quad IPv4 address (as AED and the
 * connector write it: no leading zeros) as one 32-bit integer, which V8 holds in the slot itself,
 * anything else as its string. A million host strings held ~35 MB beside the maps that key them
 * (docs/performance.md, "Issue 23: the lists delivery at a million"). Both directions are exact:
 * a value is packed only when unpacking gives it back.
 */

export type ValueKey = string | number

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

export function packValue(value: string): ValueKey {
  const m = QUAD.exec(value)
  if (m === null) return value
  let n = 0
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i])
    if (octet > 255) return value
    n = n * 256 + octet
  }
  const key = n | 0
  return unpackValue(key) === value ? key : value
}

export function unpackValue(key: ValueKey): string {
  if (typeof key === 'string') return key
  const n = key >>> 0
  return `${String(n >>> 24)}.${String((n >>> 16) & 255)}.${String((n >>> 8) & 255)}.${String(n & 255)}`
}
