/**
 * Command-line input: unknown flags, bad -v values, hostile --name values, bad --since values,
 * --output without --dry-run. All are usage errors (exit 2) found before any file or network.
 */
import type { CorpusCase } from '../run-case.js'

const usage = (stderr: RegExp): CorpusCase['expect'] => ({ code: 2, stderr })

const UNKNOWN_FLAGS: [string, RegExp][] = [
  ['--foo', /unrecognized arguments: --foo/],
  ['-x', /unrecognized arguments: -x/],
  ['--verbose', /unrecognized arguments: --verbose/],
  ['--dryrun', /unrecognized arguments: --dryrun/],
  ['--import=yes', /argument -i\/--import: ignored explicit argument 'yes'/],
  ['--export=1', /argument -e\/--export: ignored explicit argument '1'/],
  ['--full=true', /argument --full: ignored explicit argument 'true'/],
  ['--dry-run=no', /argument --dry-run: ignored explicit argument 'no'/],
  ['--disable-ssl=1', /argument -d\/--disable-ssl: ignored explicit argument '1'/],
  ['run', /unrecognized arguments: run/],
  ['-ix', /unrecognized arguments: -x/],
  ['--since', /argument --since: expected one argument/],
  ['--cron', /argument --cron: expected one argument/],
  ['--output', /argument --output: expected one argument/],
  ['-n', /argument -n\/--name: expected one argument/],
  ['--config', /argument -c\/--config: expected one argument/],
  ['-ll', /argument -ll\/--loglocation: expected one argument/],
]
const unknownFlags = UNKNOWN_FLAGS.map(([flag, stderr], i): CorpusCase => ({
  name: `unknown or malformed flag ${flag}`,
  argv: [flag],
  expect: usage(stderr),
  ...(i === 0 ? { spawn: true } : {}),
}))

const BAD_VERBOSITY: [string, RegExp][] = [
  ['4', /invalid choice: '4' \(choose from '0', '1', '2', '3'\)/],
  ['-1', /invalid choice: '-1'/],
  ['abc', /invalid 'int' value: 'abc'/],
  ['1.5', /invalid 'int' value: '1.5'/],
  ['', /invalid 'int' value: ''/],
  ['3x', /invalid 'int' value: '3x'/],
  ['10', /invalid choice: '10'/],
  ['0x1', /invalid 'int' value: '0x1'/],
  ['=3', /invalid 'int' value: '=3'/],
  ['99999999999999999999', /invalid choice/],
]
const badVerbosity = BAD_VERBOSITY.map(([value, stderr]): CorpusCase => ({
  name: `-v ${JSON.stringify(value)}`,
  argv: ['-v', value],
  expect: usage(stderr),
}))

/** Instance names become file, cron and ThreatQ record names: anything else is refused. */
const hostileNames: CorpusCase[] = [
  '../x',
  '..',
  '.',
  'a/b',
  'a\\b',
  'a b',
  ' lead',
  "q'uote",
  'dq"uote',
  'new\nline',
  'car\rriage',
  'tab\tname',
  'nul\u0000byte',
  'x'.repeat(64),
  'x'.repeat(5000),
  'ünïcode',
  '日本語',
  'emoji😀',
  '$(id)',
  '`id`',
  'a;b',
  'a|b',
  '*',
  '_under',
  '.hidden',
  'a..b',
  '',
].map((name) => ({
  name: `--name ${JSON.stringify(name).slice(0, 40)}`,
  argv: ['--name', name, '--non-interactive'],
  expect: usage(/invalid instance name ".*": use 1-63 letters, digits/),
  // The real process too (a NUL cannot be an argument of one).
  ...(name === 'new\nline' ? { spawn: true } : {}),
}))

const badSince: CorpusCase[] = [
  'not a date',
  '',
  '   ',
  '2026-13-01',
  '2026-02-30',
  '2026-01-01T25:00:00Z',
  '2026-1-1',
  '2026-01-01T00:00:00+25:00',
  '2026-01-01 garbage',
  "'; rm -rf /",
  'nul\u0000',
  'ago',
].map((since) => ({
  name: `--since ${JSON.stringify(since)}`,
  argv: ['--since', since],
  expect: usage(/--since ".*": not a date; use ISO-8601/),
}))

const futureSince: CorpusCase[] = ['2999-01-01', 'in 3 days', 'tomorrow'].map((since) => ({
  name: `--since in the future: ${since}`,
  argv: ['--since', since],
  expect: usage(/--since ".*" is in the future \(\d{4}-/),
}))

const ancientSince: CorpusCase[] = ['1969-07-20', '3000 years ago'].map((since) => ({
  name: `--since before 1970: ${since}`,
  argv: ['--since', since],
  expect: usage(/--since ".*" is before 1970-01-01; use --full/),
}))

export const CLI_ARGS: CorpusCase[] = [
  ...unknownFlags,
  ...badVerbosity,
  ...hostileNames,
  ...badSince,
  ...futureSince,
  ...ancientSince,
  {
    name: '--output without --dry-run',
    argv: ['--output', '/tmp/x.json'],
    expect: usage(/--output only works with --dry-run/),
  },
]
