/**
 * threatq-sim must never be the bottleneck: a 1,000,000-indicator data collection served in
 * cursor pages of 1,000, the connector's export read (POST query with fields and with=), and
 * events consumed in batches of 500, over loopback against the
 * compiled `threatq-sim` in a child process (client and server do not share an event loop).
 * Peak RSS is the simulator's; each note gives what the simulator alone sustains per CPU-second
 * (on a busy machine the wall-clock rate mostly measures the contention). `TQ_BENCH_INDICATORS`
 * overrides the collection size for a quick run.
 */
import { Agent, fetch, type Response } from 'undici'
import { DEFAULT_USER } from '../../sim/threatq/sim.js'
import { BIN, startSim } from '../../test/helpers/processes.js'
import { report, timed, type BenchResult } from '../harness.js'

const INDICATORS = Number(process.env.TQ_BENCH_INDICATORS ?? 1_000_000)
const PAGE = 1000
const EVENTS = 100_000
const BATCH = 500
/** The export read is measured over this many indicators of the collection. */
const EXPORT_READ = 200_000
/** What the connector embeds at relationship depth 1 (src/threatq/client.ts query()). */
const EXPORT_WITH = 'sources.tlp,adversaries,malware,tool,report,attack_pattern'

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
      data: { hash: string; json: unknown }[]
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

    /** Follows a cursor from `*` until the last page (or `max` objects); counts what was served. */
    const follow = async (
      request: (mark: string) => Promise<Response>,
      max: number,
    ): Promise<{ count: number; requests: number }> => {
      let mark = '*'
      let count = 0
      let requests = 0
      while (count < max) {
        const res = await request(mark)
        requests++
        if (res.status !== 200)
          throw new Error(`page ${String(requests)}: HTTP ${String(res.status)}`)
        const body = JSON.parse(await res.text()) as { data: unknown[]; nextCursorMark: string }
        if (body.data.length === 0 || body.nextCursorMark === mark) break
        count += body.data.length
        mark = body.nextCursorMark
      }
      return { count, requests }
    }
    const measure = async (
      label: string,
      expected: number,
      request: (mark: string) => Promise<Response>,
      note = '',
    ): Promise<void> => {
      const cpuBefore = (await simProcess()).cpuSeconds
      const served = await timed(() => follow(request, expected))
      if (served.value.count !== expected) {
        throw new Error(`${label}: served ${String(served.value.count)} of ${String(expected)}`)
      }
      const after = await simProcess()
      results.push({
        suite: 'threatq-sim',
        case: label,
        objects: served.value.count,
        seconds: served.seconds,
        requests: served.value.requests,
        peakRssMb: after.peakRssMb,
        target: '>= 100,000 indicators/s; < 2 GB',
        note: `${cpuNote(served.value.count, cpuBefore, after.cpuSeconds)}${note}`,
      })
    }

    for (const sort of ['', 'updated_at']) {
      const sortParam = sort === '' ? '' : `&sort=${sort}`
      await measure(
        `data collection, cursor pages of ${String(PAGE)}${sort === '' ? '' : `, sort=${sort}`}`,
        INDICATORS,
        (mark) =>
          fetch(
            `${sim.url}/api/indicators/query/hash/${hash}?limit=${String(PAGE)}&cursorMark=${encodeURIComponent(mark)}${sortParam}`,
            { dispatcher, headers: auth },
          ),
      )
    }

    // The connector's export read (src/threatq/client.ts query()): the saved search's api_query
    // POSTed with fields, sort=id and the related collections embedded.
    const search = searches.data[0]
    const json = (typeof search?.json === 'string' ? JSON.parse(search.json) : search?.json) as {
      api_query?: object
    }
    const queryBody = JSON.stringify({ ...json.api_query, fields: ['*', 'attributes', 'sources'] })
    const exportCount = Math.min(INDICATORS, EXPORT_READ)
    await measure(
      `export read: POST query, sort=id, fields and with=${EXPORT_WITH}, pages of ${String(PAGE)}`,
      exportCount,
      (mark) =>
        fetch(
          `${sim.url}/api/indicators/query?limit=${String(PAGE)}&sort=id&cursorMark=${encodeURIComponent(mark)}&with=${EXPORT_WITH}`,
          {
            method: 'POST',
            dispatcher,
            headers: { ...auth, 'content-type': 'application/json' },
            body: queryBody,
          },
        ),
      `; first ${exportCount.toLocaleString('en-US')} of the collection`,
    )

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
