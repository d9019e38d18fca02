/**
 * threatq-sim must never be the bottleneck: a 1,000,000-indicator data collection served in
 * cursor pages of 1,000, the connector's export read (POST query with fields and with=), its
 * light membership scan (ids, times and relation stubs of every member), and
 * events consumed in batches of 500, over loopback against the
 * compiled `threatq-sim` in a child process (client and server do not share an event loop).
 * Peak RSS is the simulator's; each note gives what the simulator alone sustains per CPU-second
 * (on a busy machine the wall-clock rate mostly measures the contention). `TQ_BENCH_INDICATORS`
 * overrides the collection size for a quick run.
 *
 * Each read runs twice: once with a client that JSON.parses every page (what a real client pays),
 * and once as a load generator would: it scans each page's bytes for the object count and the
 * next cursor, so the shared two cores go to the simulator whose rate the targets are about.
 * Consume likewise runs one batch at a time and with two batches in flight.
 */
import { Agent, fetch, type Response } from 'undici'
import { DEFAULT_USER } from '../../sim/threatq/app.js'
import { BIN, SIM_NODE_FLAGS, startSim } from '../../sim/world/processes.js'
import { report, timed, type BenchResult } from '../harness.js'

const INDICATORS = Number(process.env.TQ_BENCH_INDICATORS ?? 1_000_000)
const PAGE = 1000
/** Events per consume run: the two runs add 100,000 in all, as the single run before did. */
const EVENTS = 50_000
const BATCH = 500
/** The export read is measured over this many indicators of the collection. */
const EXPORT_READ = 200_000
/** The connector's export page (src/cli/directions.ts EXPORT_PAGE_SIZE). */
const EXPORT_PAGE = 500
/** What the connector embeds at relationship depth 1 (src/threatq/client.ts query()). */
const EXPORT_WITH = 'sources.tlp,adversaries,malware,tool,report,attack_pattern'
/**
 * The synchronising export's light membership scan: ids and times of every member,
 * type and status, and stubs of the related objects (docs/sim-threatq.md), over the whole
 * collection in pages of 1,000.
 */
const LIGHT_WITH = 'type,status,adversaries,malware,tool,report,attack_pattern'
const LIGHT_FIELDS = ['id', 'value', 'created_at', 'updated_at', 'expires_at']
const LIGHT_PAGE = 1000

/** How the client reads a page: JSON.parse, or a byte scan (see `scanPage`). */
type PageReader = 'parse' | 'scan'

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * The number of objects in a page's `data` array and its `nextCursorMark`, from the bytes: one pass
 * that tracks strings and nesting depth, counting each object that closes at the array's depth.
 * It assumes the envelope the simulator writes (`{"total":..,"data":[..],"nextCursorMark":..}`).
 */
function scanPage(body: Buffer): { count: number; nextCursorMark: string } {
  const start = body.indexOf('"data":[')
  if (start < 0) throw new Error('page without data')
  let depth = 0
  let count = 0
  let i = start + 8
  for (; i < body.length; i++) {
    const c = body[i]
    if (c === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++
    else if (c === 0x7d /* } */) {
      if (--depth === 0) count++
    } else if (c === 0x5d /* ] */) {
      if (depth-- === 0) break
    }
  }
  const mark = /"nextCursorMark":("(?:[^"\\]|\\.)*")/.exec(body.toString('latin1', i))?.[1]
  if (mark === undefined) throw new Error('page without nextCursorMark')
  return { count, nextCursorMark: JSON.parse(mark) as string }
}

/**
 * The simulator's flags here: the tests' plus garbage collection on the main thread only. On two
 * shared cores V8's parallel GC helpers cost more CPU than they save (consume, which keeps what it
 * parses, measured 21–22k → 27–29k events per simulator CPU-second; reads unchanged), and the
 * client gets the core they no longer take (docs/performance.md, "threatq-sim (session 3)").
 */
const SIM_BENCH_FLAGS = [...SIM_NODE_FLAGS, '--single-threaded-gc']

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
    // The lenient variant: the export-read rows measure embedding every relation, attack_pattern
    // included, which the strict default answers with 500 (docs/threatq-api.md, "The `with`
    // pitfall").
    startSim(
      BIN.threatq,
      ['--seed-indicators', String(INDICATORS), '--no-with-underscore-bug'],
      SIM_BENCH_FLAGS,
    ),
  )
  const sim = { ...started.value, startSeconds: started.seconds }
  const dispatcher = new Agent({ connections: 4 })
  const simProcess = async (): Promise<{ peakRssMb: number; cpuSeconds: number }> => {
    const res = await fetch(`${sim.url}/_sim/state`, { dispatcher })
    return ((await res.json()) as { process: { peakRssMb: number; cpuSeconds: number } }).process
  }
  /**
   * The simulator's CPU seconds at the start of a run. It reads its CPU time before counting its
   * objects (a walk over all of them, kept until the store changes), so the first call does the
   * walk and the second reads the time with nothing left to do after it.
   */
  const cpuAtStart = async (): Promise<number> => {
    await simProcess()
    return (await simProcess()).cpuSeconds
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
      reader: PageReader,
    ): Promise<{ count: number; requests: number }> => {
      let mark = '*'
      let count = 0
      let requests = 0
      while (count < max) {
        const res = await request(mark)
        requests++
        if (res.status !== 200)
          throw new Error(`page ${String(requests)}: HTTP ${String(res.status)}`)
        const page =
          reader === 'parse'
            ? (JSON.parse(await res.text()) as { data: unknown[]; nextCursorMark: string })
            : scanPage(Buffer.from(await res.arrayBuffer()))
        const served = 'data' in page ? page.data.length : page.count
        if (served === 0 || page.nextCursorMark === mark) break
        count += served
        mark = page.nextCursorMark
      }
      return { count, requests }
    }
    const READERS: Record<PageReader, { label: string; note: string }> = {
      parse: { label: 'client parses every page', note: 'the client JSON.parses every page' },
      scan: {
        label: 'client scans pages',
        note: 'the client counts objects and reads the cursor with a byte scan, no JSON.parse',
      },
    }
    const measure = async (
      label: string,
      expected: number,
      request: (mark: string) => Promise<Response>,
      reader: PageReader,
      note = '',
    ): Promise<void> => {
      const cpuBefore = await cpuAtStart()
      const served = await timed(() => follow(request, expected, reader))
      if (served.value.count !== expected) {
        throw new Error(`${label}: served ${String(served.value.count)} of ${String(expected)}`)
      }
      const after = await simProcess()
      results.push({
        suite: 'threatq-sim',
        case: `${label}; ${READERS[reader].label}`,
        objects: served.value.count,
        seconds: served.seconds,
        requests: served.value.requests,
        peakRssMb: after.peakRssMb,
        target: '>= 100,000 indicators/s; < 2 GB',
        note: `${cpuNote(served.value.count, cpuBefore, after.cpuSeconds)}; ${READERS[reader].note}${note}`,
      })
    }

    for (const reader of ['parse', 'scan'] as const) {
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
          reader,
        )
      }
    }

    // The connector's export read (src/threatq/client.ts query()): the saved search's api_query
    // POSTed with fields, sort=id and the related collections embedded.
    const search = searches.data[0]
    const json = (typeof search?.json === 'string' ? JSON.parse(search.json) : search?.json) as {
      api_query?: object
    }
    const queryBody = JSON.stringify({ ...json.api_query, fields: ['*', 'attributes', 'sources'] })
    const exportCount = Math.min(INDICATORS, EXPORT_READ)
    for (const reader of ['parse', 'scan'] as const) {
      await measure(
        `export read: POST query, sort=id, fields and with=${EXPORT_WITH}, pages of ${String(EXPORT_PAGE)}`,
        exportCount,
        (mark) =>
          fetch(
            `${sim.url}/api/indicators/query?limit=${String(EXPORT_PAGE)}&sort=id&cursorMark=${encodeURIComponent(mark)}&with=${EXPORT_WITH}`,
            {
              method: 'POST',
              dispatcher,
              headers: { ...auth, 'content-type': 'application/json' },
              body: queryBody,
            },
          ),
        reader,
        `; first ${exportCount.toLocaleString('en-US')} of the collection`,
      )
    }

    const lightBody = JSON.stringify({ ...json.api_query, fields: LIGHT_FIELDS })
    for (const reader of ['parse', 'scan'] as const) {
      await measure(
        `light membership scan: POST query, sort=id, fields=${LIGHT_FIELDS.join(',')}, with=${LIGHT_WITH}, pages of ${String(LIGHT_PAGE)}`,
        INDICATORS,
        (mark) =>
          fetch(
            `${sim.url}/api/indicators/query?limit=${String(LIGHT_PAGE)}&sort=id&cursorMark=${encodeURIComponent(mark)}&with=${LIGHT_WITH}`,
            {
              method: 'POST',
              dispatcher,
              headers: { ...auth, 'content-type': 'application/json' },
              body: lightBody,
            },
          ),
        reader,
        '; the whole collection',
      )
    }

    await fetch(`${sim.url}/api/event/types`, {
      method: 'POST',
      dispatcher,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Alert' }),
    })
    /** Consumes `EVENTS` new events, `inFlight` batches at a time (a pipelined client). */
    const consume = async (inFlight: number, first: number, label: string): Promise<void> => {
      const batches = Array.from({ length: EVENTS / BATCH }, (_, b) =>
        JSON.stringify(Array.from({ length: BATCH }, (_, i) => event(first + b * BATCH + i))),
      )
      const send = async (body: string): Promise<void> => {
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
      const cpuBefore = await cpuAtStart()
      let next = 0
      const consumed = await timed(() =>
        Promise.all(
          Array.from({ length: inFlight }, async () => {
            while (next < batches.length) await send(batches[next++] ?? '')
          }),
        ),
      )
      const after = await simProcess()
      results.push({
        suite: 'threatq-sim',
        case: `consume events, batches of ${String(BATCH)} (12 attributes, 2 related indicators each); ${label}`,
        objects: EVENTS,
        seconds: consumed.seconds,
        requests: batches.length,
        peakRssMb: after.peakRssMb,
        target: '>= 20,000 events/s',
        note: `${cpuNote(EVENTS, cpuBefore, after.cpuSeconds)}; the client sends ${inFlight === 1 ? 'one batch at a time' : `${String(inFlight)} batches at a time, each as soon as one is answered`}`,
      })
    }
    await consume(1, 0, 'one batch at a time')
    // New events (their indicators overlap the first run's, as an AED's alerts do).
    await consume(2, EVENTS, '2 batches in flight')
  } finally {
    await dispatcher.close()
    await sim.stop()
  }
  for (const r of results) {
    process.stderr.write(
      `${r.case}: ${Math.round(r.objects / r.seconds).toLocaleString('en-US')}/s, ${r.seconds.toFixed(2)} s, peak RSS ${String(r.peakRssMb)} MiB; ${r.note ?? ''}\n`,
    )
  }
  report(results)
}

await main()
