/**
 * `npm run bench`: runs every suite in bench/suites/ in its own process, prints one table and
 * writes it to docs/benchmarks.md. Pass suite names to run only those: the other suites keep
 * their last results (docs/benchmarks.json holds each suite's results and when it ran).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { type BenchResult, parseReport } from './harness.js'

const here = dirname(fileURLToPath(import.meta.url))
const suitesDir = join(here, 'suites')
const docsDir = join(here, '..', '..', 'docs')
const storePath = join(docsDir, 'benchmarks.json')

/** Each suite's last results, by suite file name. */
type Store = Record<string, { ranAt: string; node: string; results: BenchResult[] }>
const store: Store = existsSync(storePath)
  ? (JSON.parse(readFileSync(storePath, 'utf8')) as Store)
  : {}
const wanted = process.argv.slice(2)
const suites = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

let failed = false
for (const file of suites) {
  process.stderr.write(`bench: ${file}\n`)
  const ranAt = new Date().toISOString()
  const run = spawnSync(process.execPath, [join(suitesDir, file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  const got = parseReport(run.stdout)
  if (run.status !== 0 || got.length === 0) {
    process.stderr.write(`bench: ${file} failed (exit ${String(run.status)})\n`)
    failed = true
  } else store[file.replace(/\.js$/, '')] = { ranAt, node: process.version, results: got }
}
const names = Object.keys(store).sort()
const results = names.flatMap((name) => store[name]?.results ?? [])

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const header =
  '| suite | case | objects | wall s | objects/s | requests / 1,000 objects | peak RSS MiB | target | note |'
const rows = results.map((r) =>
  [
    r.suite,
    r.case,
    fmt(r.objects),
    fmt(r.seconds, 2),
    fmt(r.objects / r.seconds),
    fmt((r.requests * 1000) / r.objects, 1),
    fmt(r.peakRssMb),
    r.target ?? '',
    r.note ?? '',
  ].join(' | '),
)
const table = [header, '|---|---|--:|--:|--:|--:|--:|---|---|', ...rows.map((r) => `| ${r} |`)]

const cpu = cpus()[0]?.model ?? 'unknown CPU'
const ran = names.map((name) => `${name} ${store[name]?.ranAt ?? '?'}`).join(', ')
const doc = `# Benchmarks

Written by \`npm run bench\`. Suites last run (UTC): ${ran}.

Machine: ${String(cpus().length)} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}.
Each suite runs in its own process; "peak RSS" is that process's maximum resident set.
Wall rates on a shared machine swing with its load; the notes give CPU seconds where measured.
What limits each case and what was changed: [performance.md](performance.md).

${table.join('\n')}
`
console.log(table.join('\n'))
const docPath = join(docsDir, 'benchmarks.md')
writeFileSync(docPath, await format(doc, { ...(await resolveConfig(docPath)), parser: 'markdown' }))
writeFileSync(storePath, await format(JSON.stringify(store), { parser: 'json' }))
process.exit(failed ? 1 : 0)
