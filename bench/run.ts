/**
 * `npm run bench`: runs every suite in bench/suites/ in its own process, prints one table and
 * writes it to docs/benchmarks.md. Pass suite names to run only those: the other suites keep
 * their last results (docs/benchmarks.json holds each suite's results and when it ran). A suite
 * that ran only some of its cases (its env vars pick them) reports a partial run: its measured
 * rows replace theirs by suite and case, and its other rows stay as they were, each with the
 * time it was measured (`ranAt`).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { type BenchResult, mergeResults, parseReport } from './harness.js'

const here = dirname(fileURLToPath(import.meta.url))
const suitesDir = join(here, 'suites')
const docsDir = join(here, '..', '..', 'docs')
const storePath = join(docsDir, 'benchmarks.json')

/** A row as stored: when it was measured, when that differs from its suite's last run. */
type StoredResult = BenchResult & { ranAt?: string }
/** Each suite's last results, by suite file name. */
type Store = Record<string, { ranAt: string; node: string; results: StoredResult[] }>
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
  const name = file.replace(/\.js$/, '')
  const earlier = store[name]
  if (run.status !== 0 || got.results.length === 0) {
    process.stderr.write(`bench: ${file} failed (exit ${String(run.status)})\n`)
    failed = true
  } else if (got.partial && earlier !== undefined) {
    // Rows this run did not measure keep the time they were measured.
    const kept = earlier.results.map((r) => ({ ...r, ranAt: r.ranAt ?? earlier.ranAt }))
    const fresh = got.results.map((r) => ({ ...r, ranAt }))
    process.stderr.write(
      `bench: ${file} ran ${String(fresh.length)} of its rows; the others keep their results\n`,
    )
    store[name] = { ranAt, node: process.version, results: mergeResults(kept, fresh) }
  } else store[name] = { ranAt, node: process.version, results: got.results }
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
/** Each suite's run times: one, or several when partial runs measured some of its rows. */
const ranTimes = (name: string): string => {
  const suite = store[name]
  if (suite === undefined) return '?'
  const times = [...new Set(suite.results.map((r) => r.ranAt ?? suite.ranAt))].sort()
  return times.length === 1 ? (times[0] ?? suite.ranAt) : `(rows measured ${times.join(', ')})`
}
const ran = names.map((name) => `${name} ${ranTimes(name)}`).join(', ')
const doc = `# Benchmarks

Written by \`npm run bench\`. Suites last run (UTC): ${ran}.

Machine: ${String(cpus().length)} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}.
Each suite runs in its own process; "peak RSS" is that process's maximum resident set.
Wall rates on a shared machine swing with its load; the notes give CPU seconds where measured.
A suite run limited by its env vars replaces only the rows it measured; docs/benchmarks.json
keeps each row's run time.
What limits each case and what was changed: [performance.md](performance.md).

The connector's "lists" rows deliver the export to AED's deny lists over REST (\`delivery: rest\`):
their "objects" are list entries written (added or removed), except the no-op row's, which is the
collection scanned, and their requests are AED REST requests only (ThreatQ's are in the note).
Every write is preceded by a lookup of the same values, and both go in batches of up to 100
values, so a delivery costs about 20 AED requests per 1,000 entries (a lookup and an add, or a
lookup and a delete, per 100) plus the one API-version probe of a run that writes; a run with
nothing to change makes none. AED's value filter is not trusted (how it matches is not public; aed-sim's default
filter matches by substring): a lookup reads its answer with \`perPage\` 1,000 and compares every
record itself, and costs more requests only when an answer is cut off.

${table.join('\n')}
`
console.log(table.join('\n'))
const docPath = join(docsDir, 'benchmarks.md')
writeFileSync(docPath, await format(doc, { ...(await resolveConfig(docPath)), parser: 'markdown' }))
writeFileSync(storePath, await format(JSON.stringify(store), { parser: 'json' }))
process.exit(failed ? 1 : 0)
