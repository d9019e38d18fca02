/**
 * Imports among sim/threatq's modules flow one way (app.ts → routes-*.ts → core.ts and the
 * modules below it). A cycle used to join app.ts and every route module (type imports included:
 * they tie modules together for readers and for tools even when erased), so this reads the
 * TypeScript sources, not the compiled JavaScript, where type-only imports are gone.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { findCycle } from '../common/import-cycle.js'

/** The sources, from the compiled test's place (dist/sim/threatq/) back to the repository. */
const SOURCES = fileURLToPath(new URL('../../../sim/threatq/', import.meta.url))

/** Static imports and re-exports (`import x from`, `import type {…} from`, `export … from`, `import '…'`). */
const STATIC =
  /^(?:import|export)(?:\s+type)?\s+(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+['"]([^'"]+)['"]/gm
const BARE = /^import\s+['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Module file name → the files of this directory it imports. */
export function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [name, text] of files) {
    const targets = new Set<string>()
    for (const re of [STATIC, BARE, DYNAMIC]) {
      for (const m of text.matchAll(re)) {
        const spec = m[1] ?? ''
        // Only siblings: `./x.js` is x.ts here; `../common/…` and packages are outside the graph.
        const sibling = /^\.\/([^/]+)\.js$/.exec(spec)?.[1]
        if (sibling !== undefined && files.has(`${sibling}.ts`)) targets.add(`${sibling}.ts`)
      }
    }
    graph.set(name, [...targets].sort())
  }
  return graph
}

function sources(): Map<string, string> {
  const files = new Map<string, string>()
  for (const name of readdirSync(SOURCES)) {
    if (name.endsWith('.ts')) files.set(name, readFileSync(join(SOURCES, name), 'utf8'))
  }
  return files
}

describe('threatq-sim module graph', () => {
  it('finds cycles, including through type-only imports and re-exports', () => {
    const files = new Map([
      ['a.ts', "import { b } from './b.js'\n"],
      ['b.ts', "import type {\n  C,\n} from './c.js'\n"],
      ['c.ts', "export { a } from './a.js'\n"],
      ['d.ts', "import { x } from '../common/x.js'\nimport 'node:fs'\n"],
    ])
    const graph = importGraph(files)
    assert.deepEqual(graph.get('b.ts'), ['c.ts'])
    assert.deepEqual(graph.get('d.ts'), [])
    assert.deepEqual(findCycle(graph), ['a.ts', 'b.ts', 'c.ts', 'a.ts'])
    files.set('c.ts', '')
    assert.equal(findCycle(importGraph(files)), undefined)
  })

  it('has no import cycle among sim/threatq/*.ts', () => {
    const graph = importGraph(sources())
    // The parse must see the real edges, or an empty graph would pass.
    assert.ok(graph.get('app.ts')?.includes('routes-objects.ts'), 'app.ts → routes-objects.ts')
    assert.ok(graph.get('routes-objects.ts')?.includes('core.ts'), 'routes-objects.ts → core.ts')
    const cycle = findCycle(graph)
    assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).join(' → ')}`)
  })

  it('route modules never import app.ts or one another', () => {
    const graph = importGraph(sources())
    for (const [name, targets] of graph) {
      if (!name.startsWith('routes-') || name.endsWith('.test.ts')) continue
      for (const t of targets) {
        assert.ok(t !== 'app.ts' && !t.startsWith('routes-'), `${name} imports ${t}`)
      }
    }
  })
})
