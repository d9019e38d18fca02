#!/usr/bin/env node
/** Process boundary: the only place that writes to the terminal and exits. */
import { createRequire } from 'node:module'
import { buildParser, type CliArgs } from './args.js'

const require = createRequire(import.meta.url)
const { version } = require('../../../package.json') as { version: string }

function main(argv: string[]): number {
  let args: CliArgs
  try {
    args = buildParser(version).parse_args<CliArgs>(argv)
  } catch (error) {
    process.stderr.write(`tq-conn-netscout-aed: error: ${(error as Error).message}\n`)
    return 2
  }
  process.stderr.write(
    `tq-conn-netscout-aed (${args.name}): import and export are not implemented yet (they arrive with the connector issue); only --help and --version work.\n`,
  )
  return 1
}

process.exitCode = main(process.argv.slice(2))
