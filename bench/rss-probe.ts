/**
 * Preloaded into the connector process (`node --import rss-probe.js bin.js …`): at exit it writes
 * the process's peak RSS in KiB to `$BENCH_RSS_FILE`, so the bench measures the connector alone
 * without anything installed (no /usr/bin/time).
 */
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_RSS_FILE
if (file !== undefined) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS))
  })
}
