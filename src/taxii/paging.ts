/** TAXII 2.0 item ranges (RFC 7233 style): `Range: items=a-b`, `Content-Range: items a-b/total`. */

export interface ContentRange {
  first: number
  last: number
  /** Undefined when the server answers `*` (total unknown). */
  total: number | undefined
}

export function rangeHeader(first: number, pageSize: number): string {
  return `items=${String(first)}-${String(first + pageSize - 1)}`
}

/** Parses `items a-b/total` (or `items a-b/*`); anything else is undefined. */
export function parseContentRange(value: string | null): ContentRange | undefined {
  if (value === null) return undefined
  const match = /^\s*items\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value)
  if (match === null) return undefined
  const first = Number(match[1])
  const last = Number(match[2])
  if (last < first) return undefined
  return { first, last, total: match[3] === '*' ? undefined : Number(match[3]) }
}
