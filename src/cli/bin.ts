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
import type { RunStopped } from '../errors.js'
import { HEAP_BUDGET, startHeapBudget } from './heap-budget.js'
import { main, PROGRAM } from './main.js'
import { interrupted, type StopSignal } from './run-signal.js'

// Node's types say boolean, but a stream that is not a terminal has no isTTY at all.
const isTerminal = (stream: { isTTY?: boolean }): boolean => stream.isTTY === true

// The single executable is its own program: the cron line runs it by its absolute path alone.
const binPath = runningAsExecutable() ? process.execPath : fileURLToPath(import.meta.url)

/**
 * SIGINT and SIGTERM end the run cleanly through its abort signal (run-signal.ts): what AED
 * acknowledged is committed, the lock released, exit 130 or 143. A second signal while it ends
 * exits at once with the first one's code, the terminal's cursor shown again (the progress bar
 * hides it).
 */
const interrupt = new AbortController()
const onSignal = (signal: StopSignal): void => {
  if (interrupt.signal.aborted) {
    if (isTerminal(process.stderr)) process.stderr.write('\x1b[?25h\n')
    process.exit((interrupt.signal.reason as RunStopped).code)
  }
  interrupt.abort(interrupted(signal))
}
process.on('SIGINT', () => {
  onSignal('SIGINT')
})
process.on('SIGTERM', () => {
  onSignal('SIGTERM')
})

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
    interrupt: interrupt.signal,
  },
  versionText(PROGRAM),
).then((code) => {
  process.exitCode = code
  stopHeapBudget()
})
