/**
 * Plain-text tables for --check and --status: columns padded to their widest cell, a line under
 * each row for what does not fit a column (a fix, a detail).
 */

export interface TableRow {
  cells: readonly string[]
  /** Lines printed under the row, indented. */
  notes?: readonly string[]
}

export function formatTable(headers: readonly string[], rows: readonly TableRow[]): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const out = [line(headers)]
  for (const row of rows) {
    out.push(line(row.cells))
    for (const note of row.notes ?? []) out.push(`    ${note}`)
  }
  return `${out.join('\n')}\n`
}
