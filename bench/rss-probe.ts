/**
 * Preloaded into the connector process (`node --import rss-probe.js bin.js …`): at exit it writes
 * the process's peak RSS in KiB and its CPU time (user + system) in microseconds to
 * `$BENCH_RSS_FILE` as `<maxRSS> <cpu>`, so the bench measures the connector alone without anything
 * installed (the bench uses /usr/bin/time when there is one). CPU time is what the bench compares
 * when the machine is shared. With `$BENCH_MEM_TRACE` it also appends a `process.memoryUsage()`
 * sample to that file every 250 ms, to see which part of the memory makes the peak.
 */
import { appendFileSync, writeFileSync } from 'node:fs'

const file = process.env.BENCH_RSS_FILE
if (file !== undefined) {
  process.on('exit', () => {
    const usage = process.resourceUsage()
    writeFileSync(
      file,
      `${String(usage.maxRSS)} ${String(usage.userCPUTime + usage.systemCPUTime)}`,
    )
  })
}
const trace = process.env.BENCH_MEM_TRACE
if (trace !== undefined) {
  const t0 = Date.now()
  setInterval(() => {
    const m = process.memoryUsage()
    const u = process.resourceUsage()
    appendFileSync(
      trace,
      `${String(Date.now() - t0)} rss=${String(m.rss >> 20)} heapT=${String(m.heapTotal >> 20)} heapU=${String(m.heapUsed >> 20)} ext=${String(m.external >> 20)} ab=${String(m.arrayBuffers >> 20)} cpu=${String((u.userCPUTime + u.systemCPUTime) / 1e6)}\n`,
    )
  }, 250).unref()
}
