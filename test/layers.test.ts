/**
 * The repository's top-level layers: the shipped code (src/ without its tests) imports nothing from
 * the simulators, the tests or the bench, so the bundle cannot pull them in; the simulators and the
 * demo import neither tests nor bench; the bench imports no tests (what both need lives in sim/).
 * Reads the TypeScript sources, where type-only imports are still visible.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { findCycle } from '../sim/common/import-cycle.js'

/** The repository, from the compiled test's place (dist/test/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const LAYERS = ['src', 'sim', 'test', 'bench', 'demo'] as const
type Layer = (typeof LAYERS)[number]

/** Static imports and re-exports (across lines too), bare imports and dynamic imports. */
const SPECIFIERS = [
  /^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/gm,
  /^\s*import\s+['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
]

/** The repository paths (`dir/file.ts`) a source file at `path` imports by relative specifier. */
function importsOf(path: string, text: string): string[] {
  const found = new Set<string>()
  for (const re of SPECIFIERS) {
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? ''
      if (!spec.startsWith('.')) continue
      found.add(posix.join(posix.dirname(path), spec).replace(/\.js$/, '.ts'))
    }
  }
  return [...found].sort()
}

/** Which layers a file may not import from, and why. */
function forbidden(path: string): { layers: Layer[]; why: string } {
  const [top] = path.split('/')
  if (top === 'src' && !path.endsWith('.test.ts'))
    return { layers: ['sim', 'test', 'bench', 'demo'], why: 'shipped code' }
  if (top === 'sim' || top === 'demo')
    return { layers: ['test', 'bench'], why: 'simulators and demo' }
  if (top === 'bench') return { layers: ['test'], why: 'the bench' }
  return { layers: [], why: '' }
}

/** Every broken rule, as `from → to (why)`. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const [path, text] of files) {
    const { layers, why } = forbidden(path)
    const shipped = why === 'shipped code'
    for (const target of importsOf(path, text)) {
      const layer = target.split('/')[0] as Layer
      if (layers.includes(layer)) out.push(`${path} → ${target} (${why})`)
      // A test double kept beside the interface it fakes (src/cli/io-testing.ts) is never shipped.
      else if (shipped && target.endsWith('-testing.ts'))
        out.push(`${path} → ${target} (shipped code imports a test double)`)
    }
  }
  return out.sort()
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return walk(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

/** Every TypeScript source of the layers, by repository path. */
const sources = (): Map<string, string> =>
  new Map(
    LAYERS.flatMap((layer) => walk(join(ROOT, layer))).map((file) => [
      relative(ROOT, file).split(sep).join('/'),
      readFileSync(file, 'utf8'),
    ]),
  )

/**
 * The layers of src/, lowest first (docs/architecture.md, "Layers of src/"). A shipped module
 * imports from its own directory and from lower tiers only; directories of one tier import none
 * of each other. A file at the root of src/ (utc.ts) is a unit of its own. A new directory must
 * be placed here before anything imports it.
 */
const SRC_TIERS: readonly (readonly string[])[] = [
  ['utc.ts', 'errors.ts', 'version.ts'],
  ['fs'],
  ['log'],
  ['http', 'stix'],
  ['aed', 'audit', 'taxii', 'threatq'],
  ['config', 'syslog'],
  ['edm'],
  ['sync'],
  ['cli'],
]

/**
 * Imports that close a cycle today, each as `from → to`: the cycle check leaves them out, and
 * fails once one no longer closes a cycle, so the list only shrinks.
 */
const KNOWN_CYCLE_EDGES: readonly string[] = []

/** Shipped code of src/: neither a test nor a test double. */
const isShipped = (path: string): boolean =>
  path.startsWith('src/') && !path.endsWith('.test.ts') && !path.endsWith('-testing.ts')

/** The shipped modules of src/ → the shipped modules of src/ each imports. */
function srcGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [path, text] of files) {
    if (!isShipped(path)) continue
    graph.set(
      path,
      importsOf(path, text).filter((t) => isShipped(t) && files.has(t)),
    )
  }
  return graph
}

/** The graph without the given `from → to` edges. */
function without(
  graph: ReadonlyMap<string, readonly string[]>,
  edges: readonly string[],
): Map<string, string[]> {
  const gone = new Set(edges)
  return new Map(
    [...graph].map(([from, targets]) => [
      from,
      targets.filter((to) => !gone.has(`${from} → ${to}`)),
    ]),
  )
}

/** Whether `to` is reached from `from` along the graph's edges. */
function reaches(graph: ReadonlyMap<string, readonly string[]>, from: string, to: string): boolean {
  const seen = new Set<string>()
  const stack = [from]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node === to) return true
    if (seen.has(node)) continue
    seen.add(node)
    stack.push(...(graph.get(node) ?? []))
  }
  return false
}

/** The unit of src/ a path belongs to: its first directory, or the root file itself. */
const unitOf = (path: string): string => path.split('/')[1] ?? path

/** Every import against SRC_TIERS, as `from → to (why)`. */
function tierViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const tierOf = (unit: string): number => SRC_TIERS.findIndex((tier) => tier.includes(unit))
  const out: string[] = []
  for (const [from, targets] of graph) {
    const a = unitOf(from)
    if (tierOf(a) < 0) out.push(`${from} (${a} is in no tier)`)
    for (const to of targets) {
      const b = unitOf(to)
      if (a === b || tierOf(b) < 0 || tierOf(a) < 0) continue
      if (tierOf(b) === tierOf(a)) out.push(`${from} → ${to} (one tier)`)
      else if (tierOf(b) > tierOf(a)) out.push(`${from} → ${to} (a higher tier)`)
    }
  }
  return out.sort()
}

describe('layers of src/', () => {
  it('finds cycles through type-only imports and re-exports, and leaves out tests', () => {
    const files = new Map(
      Object.entries({
        'src/a/a.ts': "import { b } from './b.js'\n",
        'src/a/b.ts': "import type {\n  C,\n} from '../c/c.js'\n",
        'src/c/c.ts': "export { a } from '../a/a.js'\n",
        'src/c/c.test.ts': "import { a } from '../a/a.js'\n",
        'src/d.ts': "import { x } from '../sim/x.js'\nimport 'node:fs'\n",
      }),
    )
    const graph = srcGraph(files)
    assert.deepEqual(graph.get('src/a/b.ts'), ['src/c/c.ts'])
    assert.deepEqual(graph.get('src/d.ts'), [])
    assert.equal(graph.has('src/c/c.test.ts'), false)
    assert.deepEqual(findCycle(graph), ['src/a/a.ts', 'src/a/b.ts', 'src/c/c.ts', 'src/a/a.ts'])
    assert.equal(findCycle(without(graph, ['src/c/c.ts → src/a/a.ts'])), undefined)
    assert.ok(reaches(graph, 'src/a/a.ts', 'src/a/a.ts'))
  })

  it('has no import cycle among the shipped modules of src/', () => {
    const graph = srcGraph(sources())
    // The parse must see the real edges, or an empty graph would pass.
    assert.ok(graph.get('src/aed/client.ts')?.includes('src/aed/lists.ts'), 'aed/client → lists')
    const cycle = findCycle(without(graph, KNOWN_CYCLE_EDGES))
    assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).join(' → ')}`)
    for (const edge of KNOWN_CYCLE_EDGES) {
      const [from = '', to = ''] = edge.split(' → ')
      assert.ok(
        graph.get(from)?.includes(to) === true && reaches(graph, to, from),
        `${edge} closes no cycle any more: take it off KNOWN_CYCLE_EDGES`,
      )
    }
  })

  it('names an import into its own tier, into a higher one, and a directory in no tier', () => {
    const graph = srcGraph(
      new Map(
        Object.entries({
          'src/http/client.ts': "import { l } from '../log/logger.js'\nimport './retry.js'\n",
          'src/http/retry.ts': "import { p } from '../stix/patterns.js'\n",
          'src/log/logger.ts': "import type { S } from '../sync/summary.js'\n",
          'src/stix/patterns.ts': "import { u } from '../utc.js'\n",
          'src/sync/summary.ts': '',
          'src/utc.ts': '',
          'src/new/thing.ts': "import { u } from '../utc.js'\n",
        }),
      ),
    )
    assert.deepEqual(tierViolations(graph), [
      'src/http/retry.ts → src/stix/patterns.ts (one tier)',
      'src/log/logger.ts → src/sync/summary.ts (a higher tier)',
      'src/new/thing.ts (new is in no tier)',
    ])
  })

  it('keeps the tiers of src/: every import goes down', () => {
    const graph = srcGraph(sources())
    assert.ok(graph.get('src/cli/connector.ts')?.some((t) => t.startsWith('src/sync/')))
    assert.deepEqual(tierViolations(graph), [])
  })
})

describe('layers of the repository', () => {
  it('finds imports across lines, type-only, bare and dynamic, and names the broken rule', () => {
    const files = new Map(
      Object.entries({
        'src/a.ts': "import type {\n  T,\n} from '../sim/x.js'\nimport './b.js'\n",
        'src/a.test.ts': "import { h } from '../test/helpers/h.js'\n",
        'src/c.ts': "export { io } from './cli/io-testing.js'\nimport 'node:fs'\n",
        'bench/b.ts': "const m = await import('../test/helpers/w.js')\n",
        'sim/s.ts': "import { r } from '../bench/r.js'\nimport { t } from '../src/t.js'\n",
        'test/t.ts': "import { b } from '../bench/harness.js'\n",
      }),
    )
    assert.deepEqual(importsOf('src/a.ts', files.get('src/a.ts') ?? ''), ['sim/x.ts', 'src/b.ts'])
    assert.deepEqual(violations(files), [
      'bench/b.ts → test/helpers/w.ts (the bench)',
      'sim/s.ts → bench/r.ts (simulators and demo)',
      'src/a.ts → sim/x.ts (shipped code)',
      'src/c.ts → src/cli/io-testing.ts (shipped code imports a test double)',
    ])
  })

  it('holds for the sources: shipped code, simulators, demo and bench', () => {
    const files = sources()
    // The parse must see real edges, or an empty graph would pass.
    assert.ok(
      importsOf('bench/suites/taxii.ts', files.get('bench/suites/taxii.ts') ?? '').includes(
        'sim/taxii/app.ts',
      ),
      'bench/suites/taxii.ts → sim/taxii/app.ts',
    )
    assert.ok(
      importsOf('src/cli/bin.ts', files.get('src/cli/bin.ts') ?? '').some((t) =>
        t.startsWith('src/'),
      ),
      'src/cli/bin.ts imports src/',
    )
    assert.deepEqual(violations(files), [])
  })
})

const SIBLINGS = ['import', 'export', 'lists'] as const

/**
 * The sync's three directions stand side by side on one shared floor (the rest of src/sync): none
 * imports another, tests included, and the floor imports none of them.
 */
function siblingViolations(files: ReadonlyMap<string, string>): string[] {
  const siblingOf = (path: string): string | undefined => {
    const [top, sync, dir] = path.split('/')
    if (top !== 'src' || sync !== 'sync') return undefined
    return SIBLINGS.find((s) => s === dir) ?? 'floor'
  }
  const out: string[] = []
  for (const [path, text] of files) {
    const from = siblingOf(path)
    if (from === undefined) continue
    for (const target of importsOf(path, text)) {
      const to = siblingOf(target)
      if (to !== undefined && to !== 'floor' && to !== from) out.push(`${path} → ${target}`)
    }
  }
  return out.sort()
}

describe('siblings of src/sync', () => {
  it('import, export and lists import none of each other; the shared floor imports none of them', () => {
    const made = new Map(
      Object.entries({
        'src/sync/lists/a.test.ts': "import { g } from '../export/guards.js'\n",
        'src/sync/lists/b.ts': "import { v } from '../policy/verdict.js'\nimport './c.js'\n",
        'src/sync/members.ts': "import type { L } from './lists/ledger.js'\n",
        'src/cli/d.ts': "import { r } from '../sync/export/run.js'\n",
      }),
    )
    assert.deepEqual(siblingViolations(made), [
      'src/sync/lists/a.test.ts → src/sync/export/guards.ts',
      'src/sync/members.ts → src/sync/lists/ledger.ts',
    ])
    const files = sources()
    assert.ok(
      importsOf('src/sync/lists/targets.ts', files.get('src/sync/lists/targets.ts') ?? '').some(
        (t) => t.startsWith('src/sync/policy/'),
      ),
      'src/sync/lists/targets.ts imports the floor',
    )
    assert.deepEqual(siblingViolations(files), [])
  })
})
