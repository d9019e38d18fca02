/** A CommandIo as the command tests build it: no terminal, stdout and stderr kept as text. */
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
