/**
 * Micro-benchmark of the EDM client (src/edm/): reading N threat records (default 100,000) from an
 * edm-sim in its own process, through the result-window paging, and mapping each. Not a suite of
 * `npm run bench` (the connector suite's EDM rows run the whole import, and this read as their
 * limit, bench/suites/connector.ts). Run: `npm run pretest && node
 * dist/bench/edm-read.js [records] [size]`.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { EDM_DEFAULTS } from '../sim/edm/app.js'
import { createHttpClient } from '../src/http/client.js'
import { silentLogger } from '../src/log/logger.js'
import { EdmClient } from '../src/edm/client.js'
import { edmNotification } from '../src/edm/notification.js'

const records = Number(process.argv[2] ?? 100_000)
const size = Number(process.argv[3] ?? 1000)
const bin = fileURLToPath(new URL('../sim/edm/bin.js', import.meta.url))

const sim = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise<string>((resolve, reject) => {
  const lines = createInterface({ input: sim.stdout })
  lines.once('line', (line) => {
    resolve((JSON.parse(line) as { url: string }).url)
  })
  sim.once('exit', (code) => {
    reject(new Error(`edm-sim exited with ${String(code)}`))
  })
})
try {
  const made = await fetch(`${url}/_sim/threats`, {
    method: 'POST',
    body: JSON.stringify({ generate: records }),
  })
  if (!made.ok) throw new Error(`generate: ${String(made.status)}`)
  const http = createHttpClient({ system: 'edm', baseUrl: url })
  const edm = new EdmClient(http, silentLogger, { token: EDM_DEFAULTS.token })
  const now = Date.now()
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let read = 0
  let pages = 0
  for await (const page of edm.threats({ start: now - 25 * 3600_000, end: now + 60_000, size })) {
    pages++
    for (const { record } of page.records) if (edmNotification(record).edm.id !== '') read++
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  await edm.close()
  process.stdout.write(
    `${JSON.stringify({
      records: read,
      pages,
      size,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(read / seconds),
      clientCpuUsPerRecord: Number(((cpu.user + cpu.system) / read).toFixed(1)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  )
} finally {
  sim.kill('SIGTERM')
}
