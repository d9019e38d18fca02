/**
 * aed-sim must never be the bottleneck: TAXII 2.0 ingestion of 10,000-object bundles and alert
 * listing with perPage 1000, over loopback against the compiled `aed-sim` in a child process
 * (so client and server do not share one event loop). Peak RSS is the simulator's.
 */
import { Agent, fetch } from 'undici'
import { v4 as uuidv4 } from 'uuid'
import { MEDIA_TYPES } from '../../src/taxii/types.js'
import { DEFAULTS } from '../../sim/aed/app.js'
import { collectionIdFor } from '../../sim/aed/taxii/store.js'
import { BIN, startSim } from '../../sim/world/processes.js'
import { report, timed, type BenchResult } from '../harness.js'

const BUNDLES = 10
const BUNDLE_SIZE = 10_000
const ALERTS = 100_000
const PER_PAGE = 1000

function bundle(seq: number): string {
  const objects = Array.from({ length: BUNDLE_SIZE }, (_, i) => {
    const n = seq * BUNDLE_SIZE + i
    return {
      type: 'indicator',
      id: `indicator--${uuidv4()}`,
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      labels: ['malicious-activity'],
      name: `bench ${String(n)}`,
      pattern: `[ipv4-addr:value = '10.${String((n >> 16) & 255)}.${String((n >> 8) & 255)}.${String(n & 255)}']`,
      valid_from: '2026-01-01T00:00:00Z',
    }
  })
  return JSON.stringify({ type: 'bundle', id: `bundle--${uuidv4()}`, spec_version: '2.0', objects })
}

async function main(): Promise<void> {
  const sim = await startSim(BIN.aed, [])
  const dispatcher = new Agent({ connections: 4 })
  const simProcess = async (): Promise<{ peakRssMb: number; cpuSeconds: number }> => {
    const res = await fetch(`${sim.url}/_sim/state`, { dispatcher })
    return ((await res.json()) as { process: { peakRssMb: number; cpuSeconds: number } }).process
  }
  const simPeakRss = async (): Promise<number> => (await simProcess()).peakRssMb
  /** What the simulator alone sustains: objects per second of its own CPU time. */
  const perSimCpuSecond = (objects: number, before: number, after: number): string =>
    `simulator CPU: ${Math.round(objects / (after - before)).toLocaleString('en-US')} objects per CPU-second`
  const results: BenchResult[] = []
  try {
    const bodies = Array.from({ length: BUNDLES }, (_, i) => bundle(i))
    const url = `${sim.url}/taxii/aed/collections/${collectionIdFor(DEFAULTS.collection)}/objects/`
    const auth = `Basic ${Buffer.from(`${DEFAULTS.taxiiUser}:${DEFAULTS.taxiiPassword}`).toString('base64')}`
    const cpuBeforeIngest = (await simProcess()).cpuSeconds
    const ingest = await timed(async () => {
      let ok = 0
      for (const body of bodies) {
        const res = await fetch(url, {
          method: 'POST',
          dispatcher,
          headers: {
            authorization: auth,
            accept: MEDIA_TYPES['2.0'].taxii,
            'content-type': MEDIA_TYPES['2.0'].stix,
          },
          body,
        })
        ok += ((await res.json()) as { success_count: number }).success_count
      }
      return ok
    })
    if (ingest.value !== BUNDLES * BUNDLE_SIZE)
      throw new Error(`only ${String(ingest.value)} objects ingested`)
    results.push({
      suite: 'aed-sim',
      case: `TAXII 2.0 ingest, ${String(BUNDLES)} bundles of ${String(BUNDLE_SIZE)} indicators`,
      objects: ingest.value,
      seconds: ingest.seconds,
      requests: BUNDLES,
      peakRssMb: await simPeakRss(),
      target: '>= 50,000 objects/s',
      note: `simulator in a child process, RSS is its own; ${perSimCpuSecond(ingest.value, cpuBeforeIngest, (await simProcess()).cpuSeconds)}`,
    })

    const now = Math.floor(Date.now() / 1000)
    for (let start = 0; start < ALERTS; start += 10_000) {
      const alerts = Array.from({ length: 10_000 }, (_, k) => {
        const i = start + k
        return {
          startTime: now - ALERTS + i,
          severity: (i % 9) + 1,
          src: `198.51.${String((i >> 8) & 255)}.${String(i & 255)}`,
          dst: '192.0.2.1',
        }
      })
      await fetch(`${sim.url}/_sim/alerts`, {
        method: 'POST',
        dispatcher,
        body: JSON.stringify({ alerts }),
      }).then((r) => r.arrayBuffer())
    }
    const headers = { 'X-Arbux-APIToken': DEFAULTS.token }
    const cpuBeforeList = (await simProcess()).cpuSeconds
    const list = await timed(async () => {
      let seen = 0
      let requests = 0
      for (let page = 1; ; page++) {
        const res = await fetch(
          `${sim.url}/api/aed/v3/alerts/?perPage=${String(PER_PAGE)}&page=${String(page)}`,
          { dispatcher, headers },
        )
        const body = (await res.json()) as { alerts: unknown[] }
        requests++
        seen += body.alerts.length
        if (body.alerts.length < PER_PAGE) break
      }
      return { seen, requests }
    })
    if (list.value.seen !== ALERTS) throw new Error(`listed ${String(list.value.seen)} alerts`)
    results.push({
      suite: 'aed-sim',
      case: `alert listing, ${String(ALERTS)} alerts, perPage ${String(PER_PAGE)}`,
      objects: list.value.seen,
      seconds: list.seconds,
      requests: list.value.requests,
      peakRssMb: await simPeakRss(),
      target: '>= 20,000 alerts/s',
      note: perSimCpuSecond(list.value.seen, cpuBeforeList, (await simProcess()).cpuSeconds),
    })

    const windowed = await timed(async () => {
      const res = await fetch(
        `${sim.url}/api/aed/v3/alerts/?perPage=0&severity=high&startTime=${String(now - 10_000)}`,
        { dispatcher, headers },
      )
      return ((await res.json()) as { alerts: unknown[] }).alerts.length
    })
    results.push({
      suite: 'aed-sim',
      case: 'alert listing, last 10,000 s of 100,000 alerts, severity high',
      objects: windowed.value,
      seconds: windowed.seconds,
      requests: 1,
      peakRssMb: await simPeakRss(),
      note: 'binary-searched time window',
    })
  } finally {
    await dispatcher.close()
    await sim.stop()
  }
  for (const r of results) {
    process.stderr.write(
      `${r.case}: ${Math.round(r.objects / r.seconds).toLocaleString('en-US')} objects/s, ${r.seconds.toFixed(2)} s, sim peak RSS ${String(r.peakRssMb)} MiB; ${r.note ?? ''}\n`,
    )
  }
  report(results)
}

await main()
