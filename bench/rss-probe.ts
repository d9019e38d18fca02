/**
 * Preloaded into the connector process (`node --import rss-probe.js bin.js …`): at exit it writes
 * the process's peak RSS in KiB and its CPU time (user + system) in microseconds to
 * `$BENCH_RSS_FILE` as `<maxRSS> <cpu>`, so the bench measures the connector alone without anything
 * installed (no /usr/bin/time). CPU time is what the bench compares when the machine is shared.
 */
import { writeFileSync } from 'node:fs'

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
