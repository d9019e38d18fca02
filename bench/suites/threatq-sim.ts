/**
 * threatq-sim must never be the bottleneck: a 1,000,000-indicator data collection served in
 * cursor pages of 1,000, and events consumed in batches of 500, over loopback against the
 * compiled `threatq-sim` in a child process (client and server do not share an event loop).
 * Peak RSS is the simulator's; each note gives what the simulator alone sustains per CPU-second
 * (on a busy machine the wall-clock rate mostly measures the contention). `TQ_BENCH_INDICATORS`
 * overrides the collection size for a quick run.
 */
import { Agent, fetch } from 'undici'
import { DEFAULT_USER } from '../../sim/threatq/sim.js'
import { BIN, startSim } from '../../test/helpers/processes.js'
import { report, timed, type BenchResult } from '../harness.js'

const INDICATORS = Number(process.env.TQ_BENCH_INDICATORS ?? 1_000_000)
const PAGE = 1000
const EVENTS = 100_000
const BATCH = 500

/** One AED-alert-like event: a dozen attributes and two related indicators. */
function event(n: number): Record<string, unknown> {
  return {
    title: `AED alert ${String(n)}`,
    type: { name: 'Alert' },
    happened_at: '2026-01-01 00:00:00',
    description: `Blocked host alert ${String(n)}`,
    sources: [{ name: 'NETSCOUT AED', tlp_id: 3 }],
    attributes: [
      ['Severity', 'High'],
      ['Severity Number', '8'],
      ['Alert ID', String(n)],
      ['Alert Type', 'blocked-host'],
      ['Category', 'threat'],
      ['Protection Group', 'Default'],
      ['Direction', 'inbound'],
      ['Match Type', 'ip'],
      ['IOC Pattern', `10.9.${String((n >> 8) & 255)}.${String(n & 255)}`],
      ['Threat Name', 'Bench threat'],
      ['Destination Port', '443'],
      ['Protocol', 'TCP'],
    ].map(([name, value]) => ({ name, value })),
    indicators: [
      {
        value: `10.9.${String((n >> 8) & 255)}.${String(n & 255)}`,
        type: 'IP Address',
        status: 'Review',
      },
      { value: `bench${String(n % 5000)}.example.com`, type: 'FQDN', status: 'Review' },
    ],
  }
}

async function main(): Promise<void> {
  const started = await timed(() =>
    startSim(BIN.threatq, ['--seed-indicators', String(INDICATORS)]),
  )
  const sim = { ...started.value, startSeconds: started.seconds }
  const dispatcher = new Agent({ connections: 4 })
  const simProcess = async (): Promise<{ peakRssMb: number; cpuSeconds: number }> => {
    const res = await fetch(`${sim.url}/_sim/state`, { dispatcher })
    return ((await res.json()) as { process: { peakRssMb: number; cpuSeconds: number } }).process
  }
  const cpuNote = (objects: number, before: number, after: number): string =>
    `simulator CPU: ${Math.round(objects / (after - before)).toLocaleString('en-US')} objects per CPU-second`
  const results: BenchResult[] = []
  try {
    const tokenRes = await fetch(`${sim.url}/api/token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'password',
        email: DEFAULT_USER.email,
        password: DEFAULT_USER.password,
        client_id: DEFAULT_USER.clientId,
      }),
    })
    const auth = {
      authorization: `Bearer ${((await tokenRes.json()) as { access_token: string }).access_token}`,
    }
    const searches = (await (
      await fetch(`${sim.url}/api/search/query`, { dispatcher, headers: auth })
    ).json()) as {
      data: { hash: string }[]
    }
    const hash = searches.data[0]?.hash ?? ''
    results.push({
      suite: 'threatq-sim',
      case: `start and seed ${INDICATORS.toLocaleString('en-US')} indicators`,
      objects: INDICATORS,
      seconds: sim.startSeconds,
      requests: 0,
      peakRssMb: (await simProcess()).peakRssMb,
      note: 'process start to ready line',
    })

    for (const sort of ['', 'updated_at']) {
      const cpuBefore = (await simProcess()).cpuSeconds
      const served = await timed(async () => {
        let mark = '*'
        let count = 0
        let requests = 0
        for (;;) {
          const sortParam = sort === '' ? '' : `&sort=${sort}`
          const res = await fetch(
            `${sim.url}/api/indicators/query/hash/${hash}?limit=${String(PAGE)}&cursorMark=${encodeURIComponent(mark)}${sortParam}`,
            { dispatcher, headers: auth },
          )
          requests++
          if (res.status !== 200)
            throw new Error(`page ${String(requests)}: HTTP ${String(res.status)}`)
          const body = JSON.parse(await res.text()) as { data: unknown[]; nextCursorMark: string }
          if (body.data.length === 0 || body.nextCursorMark === mark) break
          count += body.data.length
          mark = body.nextCursorMark
        }
        return { count, requests }
      })
      if (served.value.count !== INDICATORS) {
        throw new Error(`served ${String(served.value.count)} of ${String(INDICATORS)} indicators`)
      }
      const after = await simProcess()
      results.push({
        suite: 'threatq-sim',
        case: `data collection, cursor pages of ${String(PAGE)}${sort === '' ? '' : `, sort=${sort}`}`,
        objects: served.value.count,
        seconds: served.seconds,
        requests: served.value.requests,
        peakRssMb: after.peakRssMb,
        target: '>= 100,000 indicators/s; < 2 GB',
        note: cpuNote(served.value.count, cpuBefore, after.cpuSeconds),
      })
    }

    await fetch(`${sim.url}/api/event/types`, {
      method: 'POST',
      dispatcher,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Alert' }),
    })
    const batches = Array.from({ length: EVENTS / BATCH }, (_, b) =>
      JSON.stringify(Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i))),
    )
    const cpuBefore = (await simProcess()).cpuSeconds
    const consumed = await timed(async () => {
      for (const body of batches) {
        const res = await fetch(`${sim.url}/api/events/consume`, {
          method: 'POST',
          dispatcher,
          headers: { ...auth, 'content-type': 'application/json' },
          body,
        })
        if (res.status !== 200)
          throw new Error(`consume: HTTP ${String(res.status)} ${await res.text()}`)
        await res.arrayBuffer()
      }
    })
    const after = await simProcess()
    results.push({
      suite: 'threatq-sim',
      case: `consume events, batches of ${String(BATCH)} (12 attributes, 2 related indicators each)`,
      objects: EVENTS,
      seconds: consumed.seconds,
      requests: batches.length,
      peakRssMb: after.peakRssMb,
      target: '>= 20,000 events/s',
      note: cpuNote(EVENTS, cpuBefore, after.cpuSeconds),
    })
  } finally {
    await dispatcher.close()
    await sim.stop()
  }
  for (const r of results) {
    process.stderr.write(
      `${r.case}: ${Math.round(r.objects / r.seconds).toLocaleString('en-US')}/s, ${r.seconds.toFixed(2)} s, peak RSS ${String(r.peakRssMb)} MiB\n`,
    )
  }
  report(results)
}

await main()
