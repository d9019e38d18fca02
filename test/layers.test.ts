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
