/**
 * `--dry-run --output FILE` where FILE cannot or must not be written: a missing directory, a
 * directory, a path through a file, the instance's own config or state; and runs that end early
 * (exit 4) with an output open. Exit 2 before anything is fetched, or exit 4; never a partial
 * file, never a temporary file left, never a config or state overwritten.
 */
import { join } from 'node:path'
import type { CorpusCase } from '../run-case.js'
import { configFile } from './config.js'

const dryRunTo =
  (path: (dir: string, name: string) => string) =>
  (ctx: { configDir: string; name: string }): string[] => [
    '--dry-run',
    '--output',
    path(ctx.configDir, ctx.name),
  ]

export const OUTPUT: CorpusCase[] = [
  {
    name: '--output into a missing directory',
    files: configFile(),
    argv: dryRunTo((dir) => join(dir, 'missing', 'dry.json')),
    expect: {
      code: 2,
      stderr: /--output ".*dry\.json": its directory does not exist; create it first/,
    },
    spawn: true,
  },
  {
    name: '--output naming a directory',
    files: (ctx) => ({ ...configFile()(ctx), out: null }),
    argv: dryRunTo((dir) => join(dir, 'out')),
    expect: { code: 2, stderr: /--output ".*out": is a directory; give a file name/ },
  },
  {
    name: '--output naming a directory, with a trailing slash',
    files: (ctx) => ({ ...configFile()(ctx), out: null }),
    argv: dryRunTo((dir) => `${join(dir, 'out')}/`),
    expect: { code: 2, stderr: /--output ".*out\/": is a directory/ },
  },
  {
    name: '--output through a file as if it were a directory',
    files: configFile(),
    argv: dryRunTo((dir, name) => join(dir, `${name}.yaml`, 'dry.json')),
    expect: { code: 2, stderr: /its directory does not exist/ },
  },
  {
    name: "--output onto the instance's own config file",
    files: configFile(),
    argv: dryRunTo((dir, name) => join(dir, `${name}.yaml`)),
    expect: { code: 2, stderr: /is this instance's own config, state or lock file/ },
  },
  {
    name: "--output onto the instance's own state file",
    files: configFile(),
    argv: dryRunTo((dir, name) => join(dir, `${name}.state.json`)),
    expect: { code: 2, stderr: /is this instance's own config, state or lock file/ },
  },
  {
    name: '--output with a connector not yet enabled (exit 4 leaves no file)',
    instance: 'output-off',
    files: configFile(),
    argv: dryRunTo((dir) => join(dir, 'dry.json')),
    expect: { code: 4, stdout: /is not enabled in ThreatQ/ },
  },
  {
    name: '--output with options missing in the UI (exit 4 leaves no file)',
    instance: 'output-unset',
    files: configFile(),
    ui: { data_collection: '', aed_collection: '' },
    argv: dryRunTo((dir) => join(dir, 'dry.json')),
    expect: {
      code: 4,
      stdout:
        /not configured yet: set ThreatQ Data Collection \(data_collection\), AED STIX Collection Name/,
    },
  },
]
