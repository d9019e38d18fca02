// Bundles the compiled CLI (dist/src/cli/bin.js) and its dependencies, twice from the same input:
//
// - dist/src/cli/tq-conn-netscout-aed.mjs (+ chunks/): one ES module, the npm package's command.
//   Node 20 resolves, reads and links each of ~250 modules one by one at start-up; one file halves
//   the CPU a run spends before it does any work (docs/performance.md, "Session 5: start-up").
// - dist/sea/tq-conn-netscout-aed.cjs: one CommonJS script without chunks, the entry Node 20's
//   single executable application needs (scripts/release.mjs embeds it).
//
// Both hold every package the command needs at run time: nothing is loaded from node_modules,
// which is why the package has no runtime dependencies (docs/release.md). The version and the
// git commit are baked in (src/version.ts); the output depends only on the sources, the lockfile
// and the commit, so two builds are byte-identical (test/release/reproducible.test.ts).
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { build } from 'esbuild'
import { thirdPartyLicenses } from './licenses.mjs'

// Input: tsc's output. Output beside bin.js (the command's path in the package), or under
// `--out DIR` (the reproducibility test builds into temporary directories).
const input = 'dist/src/cli/bin.js'
const outIndex = process.argv.indexOf('--out')
const out = outIndex === -1 ? 'dist' : process.argv[outIndex + 1]
if (out === undefined || out === '') throw new Error('bundle: --out needs a directory')
const dir = `${out}/src/cli`
const name = 'tq-conn-netscout-aed'
const seaEntry = `${out}/sea/${name}.cjs`

/** `git rev-parse --short=12 HEAD`, `-dirty` when the work tree has changes; or from the env. */
function commit() {
  if (process.env.TQ_BUILD_COMMIT) return process.env.TQ_BUILD_COMMIT
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' })
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    })
    return `${head.trim()}${dirty.trim() === '' ? '' : '-dirty'}`
  } catch {
    return 'unknown'
  }
}

const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
const buildInfo = { version, commit: commit() }

// The tsc output loads what only some runs need (pino-pretty, cli-progress) with
// `createRequire(import.meta.url)`, which esbuild cannot follow: such a require would be resolved
// in node_modules at run time. Dropping the local `require` makes those calls plain requires that
// esbuild bundles; they still run only when reached.
const CREATE_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m
const bundledRequires = {
  name: 'bundled-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8')
      return { contents: contents.replace(CREATE_REQUIRE, ''), loader: 'js' }
    })
  },
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [bundledRequires],
  metafile: true,
  define: { TQ_BUILD: JSON.stringify(buildInfo) },
  legalComments: 'none',
}

rmSync(`${dir}/chunks`, { recursive: true, force: true })
const esm = await build({
  ...common,
  entryPoints: { [name]: input },
  outdir: dir,
  outExtension: { '.js': '.mjs' },
  // What only some runs load (chrono for other --since phrases, the first-run prompts) goes into
  // chunks of its own, not parsed at every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  // Bundled CommonJS packages still call require() and read __filename (write-file-atomic names
  // its temporary files after it); an ES module has neither.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module'",
      "import { fileURLToPath as __fileURLToPath } from 'node:url'",
      "import { dirname as __pathDirname } from 'node:path'",
      'const require = __createRequire(import.meta.url)',
      'const __filename = __fileURLToPath(import.meta.url)',
      'const __dirname = __pathDirname(__filename)',
    ].join(';'),
  },
})
chmodSync(`${dir}/${name}.mjs`, 0o755)

// The single executable's entry: CommonJS, one file (dynamic imports are inlined). Inside a SEA
// require() loads only built-in modules, which is all this script asks of it.
mkdirSync(dirname(seaEntry), { recursive: true })
const cjs = await build({
  ...common,
  entryPoints: [input],
  outfile: seaEntry,
  format: 'cjs',
  define: { ...common.define, 'import.meta.url': '__tq_import_meta_url' },
  banner: { js: "var __tq_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
})

// Which package directories the bundles hold (nested copies too): scripts/release.mjs collects
// their licenses from this list.
const packages = new Set()
for (const result of [esm, cjs])
  for (const file of Object.keys(result.metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file)
    if (m) packages.add(m[1])
  }
const bundled = [...packages].sort()
writeFileSync(`${out}/bundled-packages.json`, `${JSON.stringify(bundled, null, 2)}\n`)
// Shipped in the npm package beside the bundle (package.json "files").
writeFileSync(`${out}/THIRD-PARTY-LICENSES.txt`, thirdPartyLicenses(bundled))
