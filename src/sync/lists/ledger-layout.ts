/**
 * Where the elements of a ledger file's `entries` array lie, found by one pass over the bytes
 * (strings and escapes respected), so that each entry is parsed alone and the file is never held
 * parsed whole. Any layout JSON allows is found; anything else answers undefined, and the caller
 * parses the whole file, whose error then says what is wrong.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN = new Set([0x5b, 0x7b])
const CLOSE = new Set([0x5d, 0x7d])
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d])
const ENTRIES = Buffer.from('"entries"')

export interface EntriesLayout {
  /** Offsets of the array's `[` and `]`. */
  open: number
  close: number
  /** `[start, end)` of each element, in order. */
  elements: Iterable<readonly [number, number]>
}

/**
 * The layout of the top-level object's one `entries` array, or undefined when the bytes are not
 * one object holding exactly one. UTF-8 never puts an ASCII byte inside a longer character, so
 * the structure is found byte by byte.
 */
export function entriesLayout(bytes: Uint8Array): EntriesLayout | undefined {
  const spans: number[] = []
  let depth = 0
  let open = -1
  let close = -1
  /** Where the last string at depth 1 began: a key when a colon follows it. */
  let lastString = -1
  let key = -1
  let start = -1
  let content = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0
    if (c === QUOTE) {
      if (depth === 1) lastString = i
      i = stringEnd(bytes, i)
      if (i < 0) return undefined
      if (inEntries(depth, open, close)) content = true
      continue
    }
    if (SPACE.has(c)) continue
    if (depth === 1 && c === COLON) key = lastString
    if (inEntries(depth, open, close) && depth === 2 && (c === COMMA || c === 0x5d)) {
      if (!content) {
        if (c === COMMA || spans.length > 0) return undefined
      } else spans.push(start, i)
      content = false
      start = i + 1
      if (c === COMMA) continue
    } else if (inEntries(depth, open, close)) content = true
    if (OPEN.has(c)) {
      depth++
      if (depth === 2 && c === 0x5b && key >= 0 && isEntriesKey(bytes, key)) {
        if (open >= 0) return undefined
        open = i
        start = i + 1
      }
    } else if (CLOSE.has(c)) {
      depth--
      if (depth === 1 && open >= 0 && close < 0) close = i
      if (depth < 0) return undefined
    }
    if (depth === 1 && c !== COLON) key = -1
  }
  if (depth !== 0 || open < 0 || close < 0) return undefined
  return { open, close, elements: pairs(spans) }
}

const inEntries = (depth: number, open: number, close: number): boolean =>
  open >= 0 && close < 0 && depth >= 2

/** The offset of the quote that ends the string opened at `at`, or -1. */
function stringEnd(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    const c = bytes[i]
    if (c === BACKSLASH) i++
    else if (c === QUOTE) return i
  }
  return -1
}

function isEntriesKey(bytes: Uint8Array, at: number): boolean {
  for (let k = 0; k < ENTRIES.length; k++) if (bytes[at + k] !== ENTRIES[k]) return false
  return true
}

function* pairs(spans: readonly number[]): Generator<readonly [number, number]> {
  for (let i = 0; i + 1 < spans.length; i += 2) yield [spans[i] ?? 0, spans[i + 1] ?? 0]
}
