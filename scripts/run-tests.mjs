// Runs every compiled *.test.js under dist/ with node:test.
// Node 20 cannot discover .ts tests itself, and a run that finds no test must fail, not pass.
// The suite runs under a non-UTC zone (TEST_TZ, default Pacific/Chatham, UTC+12:45/+13:45):
// results must not depend on the host's time zone.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

function findTests(dir) {
  const found = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...findTests(path))
    else if (entry.name.endsWith('.test.js')) found.push(path)
  }
  return found
}

const filter = process.argv.slice(2)
let files = findTests('dist').sort()
if (filter.length > 0) files = files.filter((f) => filter.some((part) => f.includes(part)))
if (files.length === 0) {
  console.error('run-tests: no compiled test files found under dist/ (did tsc run?)')
  process.exit(1)
}

// Per test file: the crash and fault suites take ~80 s on a quiet 2-core host and passed 120 s
// when the host ran at load 10-19; a hang still ends the run.
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, TZ: process.env.TEST_TZ ?? 'Pacific/Chatham' } },
)
process.exit(result.status ?? 1)
