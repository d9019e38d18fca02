#!/usr/bin/env node
/**
 * Process boundary: the only place that reads process state and exits. main.ts turns errors into
 * one line and the documented exit code, never a stack trace.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { HEAP_BUDGET, startHeapBudget } from './heap-budget.js'
import { main } from './main.js'

const require = createRequire(import.meta.url)
const { version } = require('../../../package.json') as { version: string }

// Node's types say boolean, but a stream that is not a terminal has no isTTY at all.
const isTerminal = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true

const stopHeapBudget = startHeapBudget(HEAP_BUDGET)
process.exitCode = await main(
  process.argv.slice(2),
  {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdinIsTTY: isTerminal(process.stdin),
    stdoutIsTTY: isTerminal(process.stdout),
    stderrIsTTY: isTerminal(process.stderr),
    now: () => new Date(),
    execPath: process.execPath,
    binPath: fileURLToPath(import.meta.url),
  },
  version,
)
stopHeapBudget()
