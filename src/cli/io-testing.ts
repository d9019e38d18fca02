/**
 * A CommandIo as the command tests build it: no terminal, stdout and stderr kept as text. A fake of
 * the dependency the commands take injected, kept beside io.ts so it changes with the interface;
 * only tests import it (test/layers.test.ts checks that no shipped module does).
 */
import type { CommandIo } from './io.js'

export function capturedIo(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env: {},
    stdout: (text: string) => {
      io.out += text
    },
    stderr: (text: string) => {
      io.err += text
    },
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: () => new Date(0),
    execPath: process.execPath,
    binPath: 'bin.js',
  }
  return io
}
