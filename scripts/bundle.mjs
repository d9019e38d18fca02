// Bundles the compiled CLI (dist/src/cli/bin.js) and its dependencies into one ES module, the
// installed command. Node 20 resolves, reads and links each of ~250 modules one by one at
// start-up; one file halves the CPU a run spends before it does any work (docs/performance.md,
// "Start-up").
import { chmodSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

// Beside bin.js: the version is read from package.json at a path relative to the command.
const dir = 'dist/src/cli'
const name = 'tq-conn-netscout-aed'

rmSync(`${dir}/chunks`, { recursive: true, force: true })
await build({
  entryPoints: { [name]: `${dir}/bin.js` },
  outdir: dir,
  outExtension: { '.js': '.mjs' },
  // What only some runs load (chrono for other --since phrases, the first-run prompts) goes into
  // chunks of its own, not parsed at every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
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
