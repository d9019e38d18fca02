/**
 * Micro-benchmark of the syslog reading and parsing (src/syslog/): not a suite of `npm run bench`
 * yet (the import it feeds is not wired). Run: `npm run pretest && node dist/bench/syslog-parse.js
 * [lines]` (default 1,000,000). Each mode runs in its own process so its peak RSS is its own:
 * - `readline`: node:readline over the file, the plain floor of reading it line by line;
 * - `read`: the checkpointed reader alone (src/syslog/file-reader.ts);
 * - `parse`: the reader and the parser (src/syslog/notification.ts), counting each kind;
 * - `rerun`: the reader again from the final checkpoint, nothing new (median of 101 runs).
 */
import { spawnSync } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { SyslogCheckpoint } from '../src/syslog/checkpoint.js'
import { readSyslogFile } from '../src/syslog/file-reader.js'
import { parseSyslogLine } from '../src/syslog/notification.js'
import { writeSyslogFile } from './syslog-lines.js'

type Mode = 'readline' | 'read' | 'parse' | 'rerun'

interface Measured {
  mode: Mode
  lines: number
  seconds: number
  cpuUs: number
  peakRssMb: number
  counts?: Record<string, number>
}

async function run(mode: Mode, path: string): Promise<Measured> {
  const counts: Record<string, number> = {}
  let lines = 0
  let checkpoint: SyslogCheckpoint | undefined
  if (mode === 'rerun')
    for await (const batch of readSyslogFile(path, undefined)) checkpoint = batch.checkpoint
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  if (mode === 'readline') {
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
    for await (const _line of rl) lines++
  } else if (mode === 'read') {
    for await (const batch of readSyslogFile(path, undefined)) lines += batch.lines.length
  } else if (mode === 'parse') {
    const ctx = { now: Date.now() }
    for await (const batch of readSyslogFile(path, undefined)) {
      for (const line of batch.lines) {
        const parsed = parseSyslogLine(line, ctx)
        const key = parsed.kind === 'other' ? parsed.other : parsed.kind
        counts[key] = (counts[key] ?? 0) + 1
        lines++
      }
    }
  } else {
    const times: number[] = []
    for (let i = 0; i < 101; i++) {
      const s = process.hrtime.bigint()
      for await (const batch of readSyslogFile(path, checkpoint)) lines += batch.lines.length
      times.push(Number(process.hrtime.bigint() - s) / 1e9)
    }
    times.sort((a, b) => a - b)
    const cpu = process.cpuUsage(cpu0)
    return {
      mode,
      lines,
      seconds: times[50] ?? 0,
      cpuUs: (cpu.user + cpu.system) / 101,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  return {
    mode,
    lines,
    seconds,
    cpuUs: cpu.user + cpu.system,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(mode === 'parse' ? { counts } : {}),
  }
}

const [, , first, second] = process.argv
if (first === '--mode') {
  const mode = second as Mode
  const path = process.argv[4] ?? ''
  process.stdout.write(`${JSON.stringify(await run(mode, path))}\n`)
} else {
  const count = Number(first ?? 1_000_000)
  const dir = await mkdtemp(join(tmpdir(), 'tq-aed-syslog-bench-'))
  const path = join(dir, 'aed.log')
  try {
    await writeSyslogFile(path, count)
    const size = (await stat(path)).size
    process.stdout.write(
      `${String(count)} lines, ${(size / 1024 / 1024).toFixed(1)} MiB, node ${process.version}\n`,
    )
    for (const mode of ['readline', 'read', 'parse', 'rerun'] as const) {
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--mode', mode, path],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      )
      const m = JSON.parse(child.stdout) as Measured
      const perLine = m.lines > 0 ? m.cpuUs / m.lines : 0
      process.stdout.write(
        mode === 'rerun'
          ? `rerun, nothing new: ${(m.seconds * 1e6).toFixed(0)} µs wall (median), ${m.cpuUs.toFixed(0)} µs CPU, ${String(m.lines)} lines\n`
          : `${mode}: ${m.seconds.toFixed(2)} s, ${Math.round(m.lines / m.seconds).toLocaleString('en-US')} lines/s, ${perLine.toFixed(2)} µs CPU/line, peak RSS ${m.peakRssMb.toFixed(0)} MiB${m.counts === undefined ? '' : `, ${JSON.stringify(m.counts)}`}\n`,
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
