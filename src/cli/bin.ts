#!/usr/bin/env node
/**
 * Process boundary: the only place that reads process state and exits. main.ts turns errors into
 * one line and the documented exit code, never a stack trace.
 *
 * No top-level await: the single executable runs this as a CommonJS script (Node 20's SEA), built
 * from the same source by scripts/bundle.mjs.
 */
import { fileURLToPath } from 'node:url'
import { runningAsExecutable, versionText } from '../version.js'
import { HEAP_BUDGET, startHeapBudget } from './heap-budget.js'
import { main, PROGRAM } from './main.js'

// Node's types say boolean, but a stream that is not a terminal has no isTTY at all.
const isTerminal = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true

// The single executable is its own program: the cron line runs it by its absolute path alone.
const binPath = runningAsExecutable() ? process.execPath : fileURLToPath(import.meta.url)

const stopHeapBudget = startHeapBudget(HEAP_BUDGET)
void main(
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
    binPath,
  },
  versionText(PROGRAM),
).then((code) => {
  process.exitCode = code
  stopHeapBudget()
})
