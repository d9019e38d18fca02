/**
 * One import cycle in a module graph, type-only imports included when the graph was read from the
 * TypeScript sources: for the import tests of the simulator (sim/threatq/imports.test.ts) and of
 * src/ (test/layers.test.ts).
 */

/** One cycle as a path that starts and ends at the same module, or undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node]
    state.set(node, 'open')
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}
