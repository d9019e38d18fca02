/**
 * The connector end to end: `tq-conn-netscout-aed -e` against a seeded threatq-sim (relationship
 * depth 1, STIX 2.0) and `-i` against alerts added to aed-sim, each simulator and the connector in
 * its own child process over loopback. Requests are the simulators' own counts (`/_sim/state`,
 * before/after); the connector's peak RSS comes from a preloaded probe (../rss-probe.ts). The
 * "limit" case fetches the same ThreatQ pages and POSTs the same STIX objects (read back from
 * AED, in as many bundles as the connector sent) from a minimal loop with no conversion, so the
 * connector's overhead over the transport shows as a ratio. `CONNECTOR_BENCH_CPU_PROF=DIR` runs
 * the export of the limit case's size, and the reruns of CONNECTOR_BENCH_EXPORT_NOOP, under
 * `--cpu-prof` into DIR.
 */
import { spawn } from 'node:child_process'
import { createReadStream, existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Agent, fetch } from 'undici'
import { EDM_DEFAULTS } from '../../sim/edm/app.js'
import { EdmClient } from '../../src/edm/client.js'
import { edmNotification } from '../../src/edm/notification.js'
import { createHttpClient } from '../../src/http/client.js'
import { silentLogger } from '../../src/log/logger.js'
import { createTaxiiClient } from '../../src/taxii/client.js'
import { BIN, startSim, tempDir, type Sim } from '../../sim/world/processes.js'
import { saveFeedCollection, threatqApi } from '../../sim/world/threatq-api.js'
import {
  AED_SIM_ARGS,
  aedObjects,
  CREDS,
  forgetRuns,
  simState,
  startWorld,
  THREATQ_SIM_ARGS,
  type World,
} from '../../sim/world/world.js'
import { report, peakRssMb, timed, type BenchResult } from '../harness.js'
import { writeSyslogFile } from '../syslog-lines.js'

/**
 * Case sizes; `CONNECTOR_BENCH_EXPORT=10000,100000` (and `_SYNC`, `_IMPORT`, `_LISTS`) pick
 * others for a quick run, and an empty value skips that group: `CONNECTOR_BENCH_EXPORT=1000000
 * CONNECTOR_BENCH_SYNC= CONNECTOR_BENCH_IMPORT= CONNECTOR_BENCH_LISTS=` runs the 1M export only.
 * Any of them set makes the run partial: the runner keeps the rows it did not measure.
 */
const SIZE_VARS = [
  'CONNECTOR_BENCH_EXPORT',
  'CONNECTOR_BENCH_SYNC',
  'CONNECTOR_BENCH_IMPORT',
  'CONNECTOR_BENCH_LISTS',
  'CONNECTOR_BENCH_SYSLOG',
  'CONNECTOR_BENCH_EDM',
] as const
const sizes = (name: (typeof SIZE_VARS)[number], fallback: number[]): number[] =>
  process.env[name]
    ?.split(',')
    .map(Number)
    .filter((n) => n > 0) ?? fallback
const PARTIAL = SIZE_VARS.some((name) => process.env[name] !== undefined)
const EXPORT_SIZES = sizes('CONNECTOR_BENCH_EXPORT', [10_000, 100_000, 1_000_000])
/** The sync cases (incremental, no-op, resume after kill -9): one collection of this size. */
const SYNC_SIZES = sizes('CONNECTOR_BENCH_SYNC', [1_000_000])
const IMPORT_SIZES = sizes('CONNECTOR_BENCH_IMPORT', [10_000, 100_000])
/** The REST list delivery cases: collections of this many IP Address indicators. */
const LISTS_SIZES = sizes('CONNECTOR_BENCH_LISTS', [10_000, 100_000, 1_000_000])
/** The syslog import cases: files of this many generated lines (bench/syslog-lines.ts). */
const SYSLOG_SIZES = sizes('CONNECTOR_BENCH_SYSLOG', [1_000_000])
/** The EDM import case: this many threat records generated in edm-sim. */
const EDM_SIZES = sizes('CONNECTOR_BENCH_EDM', [100_000])
/**
 * `CONNECTOR_BENCH_EXPORT_NOOP=1`: after each export, run it again with nothing changed (the no-op
 * sync's CPU beside the export's, without the sync cases' incremental and resume runs).
 */
const EXPORT_NOOP = process.env.CONNECTOR_BENCH_EXPORT_NOOP === '1'
/** The export size whose limit case runs (the 1M limit would hold every object in the bench). */
const EXPORT_LIMIT_SIZE = 100_000
const ALERT_BATCH = 1000
/** The connector's defaults (src/cli/directions.ts EXPORT_PAGE_SIZE and ALERTS_PER_PAGE, options consume_batch_size). */
const PAGE = 500
const AED_PER_PAGE = 1000
const CONSUME_BATCH = 500
/**
 * What the connector's full-record read asks ThreatQ to embed (src/threatq/client.ts query(), as
 * src/sync/export/collect.ts calls it): each source with its `tlp_id` (docs/threatq-api.md, "TLP
 * and sources").
 */
const WITH = 'sources'
const STIX_20 = 'application/vnd.oasis.stix+json; version=2.0'
const TAXII_20 = 'application/vnd.oasis.taxii+json; version=2.0'
const PROBE = fileURLToPath(new URL('../rss-probe.js', import.meta.url))
const SUITE = 'connector'
const TARGET_RSS = 'peak RSS <= 256 MiB'
const cpuProfDir = process.env.CONNECTOR_BENCH_CPU_PROF

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
type ThreatqApi = Awaited<ReturnType<typeof threatqApi>>

interface ConnectorRun {
  /** stdout and stderr: the summary and the log lines of -ll (none: logs go to a file). */
  output: string
  seconds: number
  peakRssMb: number
  /** User + system CPU time of the connector process (and its children, under time(1)). */
  cpuSeconds: number
  /** The 1-minute load average, the higher of at start and at the end. */
  load: number
  /** What the preloaded probe read at 'exit', when /usr/bin/time measured the run. */
  probe?: { peakRssMb: number; cpuSeconds: number }
}

/**
 * `/usr/bin/time` when it is installed: the bench then reports what it sees (user + system CPU of
 * the process and its children, maximum RSS), the figures an operator checks by hand; the probe
 * preloaded into the connector reads the same counters at its 'exit' and is the fallback.
 */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
/** Extra node flags for experiments (heap sizes, tracing), e.g. `--max-semi-space-size=16`. */
const NODE_ARGS = (process.env.CONNECTOR_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
/** A file the probe appends `process.memoryUsage()` samples to every 250 ms (profiling aid). */
const MEM_TRACE = process.env.CONNECTOR_BENCH_MEM_TRACE

/** One measured connector run: its own process, logs in a temp dir, CPU and peak RSS. */
async function runConnector(
  world: World,
  args: readonly string[],
  cpuProf?: string,
): Promise<ConnectorRun> {
  const logDir = await tempDir('tq-aed-bench-log-')
  const rssFile = join(logDir, 'maxrss')
  const timeFile = join(logDir, 'time')
  const profArgs = cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProf]
  const node = [
    process.execPath,
    ...NODE_ARGS,
    ...profArgs,
    '--import',
    PROBE,
    BIN.connector,
    '-c',
    world.configDir,
    '-ll',
    logDir,
    ...args,
  ]
  const [command = process.execPath, ...argv] =
    TIME === undefined ? node : [TIME, '-f', '%U %S %M', '-o', timeFile, ...node]
  const loadBefore = loadavg()[0] ?? 0
  try {
    const { value, seconds } = await timed(
      () =>
        new Promise<{ code: number | null; output: string }>((resolve) => {
          const child = spawn(command, argv, {
            env: {
              PATH: process.env.PATH ?? '',
              TZ: 'UTC',
              BENCH_RSS_FILE: rssFile,
              ...(MEM_TRACE === undefined ? {} : { BENCH_MEM_TRACE: MEM_TRACE }),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          })
          let output = ''
          child.stdout.on('data', (d: Buffer) => (output += d.toString()))
          child.stderr.on('data', (d: Buffer) => (output += d.toString()))
          child.on('close', (code) => {
            resolve({ code, output })
          })
        }),
    )
    if (value.code !== 0)
      throw new Error(`connector ${args.join(' ')} exited ${String(value.code)}:\n${value.output}`)
    const [kib = 0, cpuMicros = 0] = (await readFile(rssFile, 'utf8')).split(' ').map(Number)
    const load = Math.max(loadBefore, loadavg()[0] ?? 0)
    const probe = { peakRssMb: kib / 1024, cpuSeconds: cpuMicros / 1e6 }
    if (TIME === undefined) return { output: value.output, seconds, load, ...probe }
    // The last line: a killed child makes time(1) write a line of its own before it.
    const line = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? ''
    const [user = 0, system = 0, maxKib = 0] = line.split(' ').map(Number)
    return {
      output: value.output,
      seconds,
      load,
      peakRssMb: maxKib / 1024,
      cpuSeconds: user + system,
      probe,
    }
  } finally {
    await rm(logDir, { recursive: true, force: true })
  }
}

/** Requests a simulator counted, in total and for routes matching `filter`. */
function requestCount(
  { requests }: { requests: Record<string, number> },
  filter: (route: string) => boolean = () => true,
): number {
  return Object.entries(requests)
    .filter(([route]) => filter(route))
    .reduce((sum, [, n]) => sum + n, 0)
}
const isTaxii = (route: string): boolean => route.includes('/taxii')
const isTaxiiPost = (route: string): boolean => route.startsWith('POST ') && isTaxii(route)

interface Counts {
  threatq: number
  taxii: number
  taxiiPosts: number
  aed: number
  taxiiObjects: number
  /** CPU seconds of each simulator process: they share the machine's cores with the connector. */
  threatqCpu: number
  aedCpu: number
}

async function counts(world: World): Promise<Counts> {
  const aed = await simState(world.aed)
  const threatq = await simState(world.threatq)
  return {
    threatq: requestCount(threatq),
    taxii: requestCount(aed, isTaxii),
    taxiiPosts: requestCount(aed, isTaxiiPost),
    aed: requestCount(aed),
    taxiiObjects: aed.objects.taxiiObjects ?? 0,
    threatqCpu: threatq.process.cpuSeconds,
    aedCpu: aed.process.cpuSeconds,
  }
}

const delta = (after: Counts, before: Counts): Counts => ({
  threatq: after.threatq - before.threatq,
  taxii: after.taxii - before.taxii,
  taxiiPosts: after.taxiiPosts - before.taxiiPosts,
  aed: after.aed - before.aed,
  taxiiObjects: after.taxiiObjects - before.taxiiObjects,
  threatqCpu: after.threatqCpu - before.threatqCpu,
  aedCpu: after.aedCpu - before.aedCpu,
})

/** What the simulators spent meanwhile, and all three processes together per object. */
const simCpuNote = (run: ConnectorRun, used: Counts, objects: number, unit: string): string =>
  `threatq-sim CPU ${used.threatqCpu.toFixed(1)} s, aed-sim CPU ${used.aedCpu.toFixed(1)} s; all three ${((1e6 * (run.cpuSeconds + used.threatqCpu + used.aedCpu)) / objects).toFixed(0)} CPU-µs per ${unit}`

interface ExportMeasure {
  run: ConnectorRun
  used: Counts
}

async function measureExport(world: World, cpuProf?: string): Promise<ExportMeasure> {
  const before = await counts(world)
  const run = await runConnector(world, ['-e'], cpuProf)
  return { run, used: delta(await counts(world), before) }
}

/** A ThreatQ bearer token for the bench's own requests. */
async function threatqAuth(url: string, dispatcher: Agent): Promise<{ authorization: string }> {
  const res = await fetch(`${url}/api/token`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'password',
      email: CREDS.user,
      password: CREDS.password,
      client_id: CREDS.clientId,
    }),
  })
  const { access_token } = (await res.json()) as { access_token: string }
  return { authorization: `Bearer ${access_token}` }
}

/** The query body the connector sends: the saved search's api_query plus the fields it asks for. */
async function queryBody(url: string, dispatcher: Agent, auth: object): Promise<string> {
  const res = await fetch(`${url}/api/search/query`, { dispatcher, headers: { ...auth } })
  const { data } = (await res.json()) as { data: { name: string; json: unknown }[] }
  const search = data.find((s) => s.name === 'AED Export')
  if (search === undefined) throw new Error('threatq-sim has no "AED Export" data collection')
  const json = (typeof search.json === 'string' ? JSON.parse(search.json) : search.json) as {
    api_query?: object
  }
  return JSON.stringify({ ...json.api_query, fields: ['*', 'attributes', 'sources'] })
}

/**
 * Splits the objects into `count` STIX 2.0 bundle bodies of near-equal object counts, encoded as
 * UTF-8 before the clock starts: the limit pays for sending bytes, not for making them.
 */
function bundles(objects: readonly object[], count: number): Buffer[] {
  const per = Math.ceil(objects.length / count)
  const bodies: Buffer[] = []
  for (let i = 0; i < objects.length; i += per) {
    bodies.push(
      Buffer.from(
        JSON.stringify({
          type: 'bundle',
          id: `bundle--00000000-0000-4000-8000-${String(bodies.length).padStart(12, '0')}`,
          spec_version: '2.0',
          objects: objects.slice(i, i + per),
        }),
      ),
    )
  }
  return bodies
}

/**
 * One measured request of a limit case, sent as the connector sends its requests (undici's
 * `request()`, src/http/client.ts), so the limit is the transport's and not a slower client's.
 */
async function send(
  dispatcher: Agent,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; text: string }> {
  const target = new URL(url)
  const res = await dispatcher.request({
    origin: target.origin,
    path: target.pathname + target.search,
    method: init.method,
    headers: init.headers,
    body: init.body ?? null,
  })
  return { status: res.statusCode, text: await res.body.text() }
}

/** POSTs one body of a limit case; any other status than `expected` fails the bench. */
async function timedPost(
  dispatcher: Agent,
  url: string,
  expected: number,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<number> {
  const started = process.hrtime.bigint()
  const res = await send(dispatcher, url, { method: 'POST', headers, body })
  if (res.status !== expected)
    throw new Error(`POST ${url}: HTTP ${String(res.status)} ${res.text}`)
  return Number(process.hrtime.bigint() - started) / 1e9
}

interface LimitResult {
  seconds: number
  requests: number
  bytes: number
  pages: number
  /** Seconds spent waiting on the TAXII POSTs (the rest is ThreatQ paging). */
  postSeconds: number
}

/**
 * The transport's limit: ThreatQ's cursor pages fetched and parsed, and the connector's objects
 * POSTed to a fresh aed-sim (same collection, same bundle count), interleaved evenly, one
 * request at a time, with no conversion in between.
 */
async function limitCase(world: World, taxiiPosts: number, expected: number): Promise<LimitResult> {
  const objects = await aedObjects(world, '2.0')
  const bodies = bundles(objects, taxiiPosts)
  const bytes = bodies.reduce((sum, b) => sum + b.length, 0)
  const freshAed = await startSim(BIN.aed, AED_SIM_ARGS)
  const dispatcher = new Agent({ connections: 4 })
  try {
    const taxii = createTaxiiClient({
      version: '2.0',
      url: freshAed.url,
      username: CREDS.taxiiUser,
      password: CREDS.taxiiPassword,
    })
    const discovery = await taxii.discover()
    const collection = await taxii.collection(
      discovery.default ?? discovery.api_roots?.[0] ?? '',
      'ThreatQ',
    )
    await taxii.close()
    const basic = Buffer.from(`${CREDS.taxiiUser}:${CREDS.taxiiPassword}`).toString('base64')
    const auth = await threatqAuth(world.threatq.url, dispatcher)
    const body = await queryBody(world.threatq.url, dispatcher, auth)
    const pagesExpected = Math.ceil(expected / PAGE)
    let postSeconds = 0
    const post = async (bundle: Buffer): Promise<void> => {
      postSeconds += await timedPost(dispatcher, `${collection.url}objects/`, 202, bundle, {
        authorization: `Basic ${basic}`,
        'content-type': STIX_20,
        accept: TAXII_20,
      })
    }
    const { value, seconds } = await timed(async () => {
      let cursor = '*'
      let pages = 0
      let posted = 0
      let requests = 0
      for (;;) {
        const query = `limit=${String(PAGE)}&sort=id&cursorMark=${encodeURIComponent(cursor)}&with=${WITH}`
        const res = await send(dispatcher, `${world.threatq.url}/api/indicators/query?${query}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', accept: 'application/json' },
          body,
        })
        requests++
        if (res.status !== 200) throw new Error(`ThreatQ page: HTTP ${String(res.status)}`)
        const page = JSON.parse(res.text) as { data?: unknown; nextCursorMark?: string }
        const items = Array.isArray(page.data) ? page.data.length : 0
        if (items === 0) break
        pages++
        const due = Math.min(bodies.length, Math.ceil((pages * bodies.length) / pagesExpected))
        for (; posted < due; posted++) {
          await post(bodies[posted] ?? Buffer.alloc(0))
          requests++
        }
        if (page.nextCursorMark === undefined || page.nextCursorMark === cursor) break
        cursor = page.nextCursorMark
      }
      for (; posted < bodies.length; posted++) {
        await post(bodies[posted] ?? Buffer.alloc(0))
        requests++
      }
      return { pages, requests }
    })
    return { seconds, bytes, postSeconds, ...value }
  } finally {
    await dispatcher.close()
    await freshAed.stop()
  }
}

/** `count` blocked-host alerts that started within the last hour, added in batches. */
async function addAlerts(aed: Sim, count: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000)
  for (let start = 0; start < count; start += ALERT_BATCH) {
    const alerts = Array.from({ length: Math.min(ALERT_BATCH, count - start) }, (_, k) => {
      const n = start + k
      const src = `198.18.${String((n >> 8) & 255)}.${String(n & 255)}`
      return {
        alertId: 900_000 + n,
        alertType: 'blocked-host',
        severity: 8,
        startTime: now - 3000 + (n % 2400),
        src,
        dst: '10.0.0.5',
        srcPort: 40_000 + (n % 20_000),
        dstPort: 443,
        proto: 'tcp',
        direction: 'inbound',
        matchType: 'ip',
        iocPattern: src,
        threatName: `bench threat ${String(n % 50)}`,
      }
    })
    await aed.admin('POST', '/_sim/alerts', { alerts })
  }
}

/**
 * The import's transport limit: the same AED alert pages fetched, and the connector's own consume
 * payloads (taken from a `--dry-run --output` of the same window) POSTed to a fresh threatq-sim in
 * batches of the same size, indicators before events, one request at a time.
 */
async function importLimit(world: World, alerts: number): Promise<LimitResult> {
  const dir = await tempDir('tq-aed-bench-dry-')
  const out = join(dir, 'dry.json')
  const freshThreatq = await startSim(BIN.threatq, THREATQ_SIM_ARGS)
  const dispatcher = new Agent({ connections: 4 })
  try {
    await runConnector(world, ['-i', '--since', '2 hours ago', '--dry-run', '--output', out])
    const dry = JSON.parse(await readFile(out, 'utf8')) as {
      import: { indicators: unknown[]; events: unknown[] }
    }
    const auth = await threatqAuth(freshThreatq.url, dispatcher)
    // The connector creates its event type once; the fresh instance needs it too.
    const created = await fetch(`${freshThreatq.url}/api/event/types`, {
      method: 'POST',
      dispatcher,
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Alert' }),
    })
    const typeId = ((await created.json()) as { data: { id: number } }).data.id
    const { indicators } = dry.import
    const events = dry.import.events.map((e) => ({ ...(e as object), type_id: typeId }))
    const batches = Math.ceil(events.length / CONSUME_BATCH)
    const perBatch = Math.ceil(indicators.length / batches)
    const bodies: string[] = []
    for (let b = 0; b < batches; b++) {
      bodies.push(JSON.stringify(indicators.slice(b * perBatch, (b + 1) * perBatch)))
      bodies.push(JSON.stringify(events.slice(b * CONSUME_BATCH, (b + 1) * CONSUME_BATCH)))
    }
    const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0)
    const now = Math.floor(Date.now() / 1000)
    let postSeconds = 0
    const consume = async (collection: string, body: string): Promise<void> => {
      const url = `${freshThreatq.url}/api/${collection}/consume`
      postSeconds += await timedPost(dispatcher, url, 200, body, {
        ...auth,
        'content-type': 'application/json',
        accept: 'application/json',
      })
    }
    const { value, seconds } = await timed(async () => {
      let requests = 0
      let pages = 0
      let posted = 0
      for (let page = 1; ; page++) {
        const query = `startTime=${String(now - 7200)}&endTime=${String(now)}&sort=startTime&direction=ASC&page=${String(page)}&perPage=${String(AED_PER_PAGE)}`
        const res = await send(dispatcher, `${world.aed.url}/api/aed/v3/alerts/?${query}`, {
          method: 'GET',
          headers: { 'x-arbux-apitoken': CREDS.aedToken, accept: 'application/json' },
        })
        requests++
        if (res.status !== 200) throw new Error(`AED alerts page: HTTP ${String(res.status)}`)
        const items = (JSON.parse(res.text) as { alerts: unknown[] }).alerts.length
        pages++
        // Post the batches this page's alerts fill, as the connector does.
        const due = Math.min(batches, Math.floor((pages * AED_PER_PAGE) / CONSUME_BATCH))
        for (; posted < due; posted++) {
          await consume('indicators', bodies[2 * posted] ?? '[]')
          await consume('events', bodies[2 * posted + 1] ?? '[]')
          requests += 2
        }
        if (items < AED_PER_PAGE) break
      }
      for (; posted < batches; posted++) {
        await consume('indicators', bodies[2 * posted] ?? '[]')
        await consume('events', bodies[2 * posted + 1] ?? '[]')
        requests += 2
      }
      return { requests, pages }
    })
    if (events.length !== alerts)
      throw new Error(
        `the dry run produced ${String(events.length)} events for ${String(alerts)} alerts`,
      )
    return { seconds, bytes, postSeconds, ...value }
  } finally {
    await dispatcher.close()
    await freshThreatq.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

const cpuNote = (run: ConnectorRun, objects: number): string =>
  `connector CPU ${run.cpuSeconds.toFixed(1)} s (${fmt(objects / run.cpuSeconds)} per CPU-second, ${((1e6 * run.cpuSeconds) / objects).toFixed(1)} µs each${TIME === undefined ? '' : ', /usr/bin/time'}), load ${run.load.toFixed(1)}`

async function benchExport(size: number, results: BenchResult[]): Promise<void> {
  const world = await startWorld({ seed: size })
  try {
    await world.configure()
    const { run, used } = await measureExport(world)
    const requests = used.threatq + used.taxii
    process.stderr.write(
      `export ${fmt(size)}: ${run.seconds.toFixed(2)} s, ${cpuNote(run, size)}, ${fmt(used.taxiiObjects)} STIX objects, ThreatQ ${String(used.threatq)} + TAXII ${String(used.taxii)} requests (${String(used.taxiiPosts)} POSTs), peak RSS ${fmt(run.peakRssMb)} MiB${run.probe === undefined ? '' : ` (probe at exit: ${run.probe.cpuSeconds.toFixed(2)} CPU-s, ${fmt(run.probe.peakRssMb)} MiB)`}\n`,
    )
    results.push({
      suite: SUITE,
      case: `export ${fmt(size)} indicators (depth 1, STIX 2.0)`,
      objects: size,
      seconds: run.seconds,
      requests,
      peakRssMb: run.peakRssMb,
      target: `>= 50,000 indicators/s; ${TARGET_RSS}`,
      note: `${cpuNote(run, size)}; ${simCpuNote(run, used, size, 'indicator')}; ThreatQ ${String(used.threatq)} + TAXII ${String(used.taxii)} requests; ${fmt(used.taxiiObjects)} STIX objects pushed; wall time includes process start`,
    })
    results.push({
      suite: SUITE,
      case: `export ${fmt(size)}: ThreatQ requests per 1,000 indicators (depth 1)`,
      objects: size,
      seconds: run.seconds,
      requests: used.threatq,
      peakRssMb: run.peakRssMb,
      target: 'a few more than the pages of 500 (membership scan + full records)',
      note: `ThreatQ ${String(used.threatq)} requests: token, connector record, data collection, membership and record pages, related objects, and attack_pattern links read from the attack_pattern side; threatq-sim strict (with=attack_pattern answers 500)`,
    })
    results.push({
      suite: SUITE,
      case: `export ${fmt(size)}: TAXII requests per STIX object`,
      objects: used.taxiiObjects,
      seconds: run.seconds,
      requests: used.taxii,
      peakRssMb: run.peakRssMb,
      target: '<= 2 TAXII requests / 1,000 objects',
      note: `${String(used.taxiiPosts)} POSTs; objects = STIX objects pushed (indicators, related objects, relationships)`,
    })
    if (EXPORT_NOOP) {
      // Profiled too when asked (its CPU then includes the profiler's).
      const noop = await measureExport(world, cpuProfDir)
      const share = noop.run.cpuSeconds / run.cpuSeconds
      process.stderr.write(
        `export ${fmt(size)} rerun, nothing changed: ${noop.run.seconds.toFixed(2)} s, ${cpuNote(noop.run, size)}, ${(100 * share).toFixed(1)}% of the export's CPU, sent ${fmt(sentTotal(noop.run.output))}, peak RSS ${fmt(noop.run.peakRssMb)} MiB\n`,
      )
      results.push({
        suite: SUITE,
        case: `export ${fmt(size)}: rerun with nothing changed`,
        objects: size,
        seconds: noop.run.seconds,
        requests: noop.used.threatq + noop.used.taxii,
        peakRssMb: noop.run.peakRssMb,
        target: `connector CPU <= 10% of the export's; ${TARGET_RSS}`,
        note: `${cpuNote(noop.run, size)}; ${(100 * share).toFixed(1)}% of the export's CPU; sent ${fmt(sentTotal(noop.run.output))} objects; ThreatQ ${String(noop.used.threatq)} + TAXII ${String(noop.used.taxii)} requests; the membership scan and the related objects only`,
      })
    }
    if (size !== EXPORT_LIMIT_SIZE) return
    const limit = await limitCase(world, used.taxiiPosts, size)
    const ratio = run.seconds / limit.seconds
    process.stderr.write(
      `limit ${fmt(size)}: ${limit.seconds.toFixed(2)} s, ${String(limit.pages)} pages, ${fmt(limit.bytes / 2 ** 20)} MiB POSTed; connector/limit ${ratio.toFixed(2)}\n`,
    )
    results.push({
      suite: SUITE,
      case: `limit: export ${fmt(size)} (same pages fetched, same objects POSTed, no conversion)`,
      objects: size,
      seconds: limit.seconds,
      requests: limit.requests,
      peakRssMb: peakRssMb(),
      target: 'connector <= 2x limit',
      note: `connector/limit = ${ratio.toFixed(2)}x; limit time: ThreatQ pages ${(limit.seconds - limit.postSeconds).toFixed(1)} s, TAXII POSTs ${limit.postSeconds.toFixed(1)} s, one request at a time; ${fmt(limit.bytes / 2 ** 20)} MiB in ${String(used.taxiiPosts)} POSTs; RSS is the bench process (holds the bundles)`,
    })
    if (cpuProfDir !== undefined) {
      const fresh = await startWorld({ seed: size })
      try {
        await fresh.configure()
        const profiled = await measureExport(fresh, cpuProfDir)
        process.stderr.write(
          `profiled export ${fmt(size)}: ${profiled.run.seconds.toFixed(2)} s, profile in ${cpuProfDir}\n`,
        )
      } finally {
        await fresh.stop()
      }
    }
  } finally {
    await world.stop()
  }
}

async function benchImport(alerts: number, results: BenchResult[], withLimit: boolean) {
  const world = await startWorld({ seed: 100 })
  try {
    await world.configure()
    await addAlerts(world.aed, alerts)
    const before = await counts(world)
    const run = await runConnector(world, ['-i', '--since', '2 hours ago'])
    const used = delta(await counts(world), before)
    const events = (await simState(world.threatq)).objects.events ?? 0
    process.stderr.write(
      `import ${fmt(alerts)}: ${run.seconds.toFixed(2)} s, ${cpuNote(run, alerts)}, AED ${String(used.aed)} + ThreatQ ${String(used.threatq)} requests, ${fmt(events)} events in ThreatQ, peak RSS ${fmt(run.peakRssMb)} MiB\n`,
    )
    if (events < alerts)
      throw new Error(`import wrote ${String(events)} events for ${String(alerts)} alerts`)
    results.push({
      suite: SUITE,
      case: `import ${fmt(alerts)} alerts (--since "2 hours ago")`,
      objects: alerts,
      seconds: run.seconds,
      requests: used.aed + used.threatq,
      peakRssMb: run.peakRssMb,
      target: `>= 20,000 alerts/s; ${TARGET_RSS}`,
      note: `${cpuNote(run, alerts)}; ${simCpuNote(run, used, alerts, 'alert')}; AED ${String(used.aed)} + ThreatQ ${String(used.threatq)} requests; wall time includes process start`,
    })
    if (!withLimit) return
    const limit = await importLimit(world, alerts)
    const ratio = run.seconds / limit.seconds
    process.stderr.write(
      `import limit ${fmt(alerts)}: ${limit.seconds.toFixed(2)} s, ${String(limit.pages)} pages, ${fmt(limit.bytes / 2 ** 20)} MiB consumed; connector/limit ${ratio.toFixed(2)}\n`,
    )
    results.push({
      suite: SUITE,
      case: `limit: import ${fmt(alerts)} (same AED pages fetched, same consume payloads POSTed, no conversion)`,
      objects: alerts,
      seconds: limit.seconds,
      requests: limit.requests,
      peakRssMb: peakRssMb(),
      target: 'connector <= 2x limit',
      note: `connector/limit = ${ratio.toFixed(2)}x; limit time: AED pages ${(limit.seconds - limit.postSeconds).toFixed(1)} s, ThreatQ consume ${limit.postSeconds.toFixed(1)} s, one request at a time; ${fmt(limit.bytes / 2 ** 20)} MiB consumed; RSS is the bench process (holds the payloads)`,
    })
  } finally {
    await world.stop()
  }
}

/** A summary line's counts added up (`sent: indicator 9000, relationship 598`). */
function summaryTotal(output: string, key: string): number {
  const line = new RegExp(`^\\s*${key}:\\s*(.*)$`, 'm').exec(output)?.[1] ?? ''
  return [...line.matchAll(/ (\d+)(?:,|$)/g)].reduce((n, m) => n + Number(m[1]), 0)
}

/** Objects the summary says a run sent (every kind, revocations included). */
const sentTotal = (output: string): number => summaryTotal(output, 'sent')

/** Edits `count` indicators spread over the collection, 16 requests at a time. */
async function editIndicators(world: World, ids: number[], body: object): Promise<void> {
  const dispatcher = new Agent({ connections: 16 })
  try {
    const auth = await threatqAuth(world.threatq.url, dispatcher)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++] ?? 0
        const response = await fetch(`${world.threatq.url}/api/indicators/${String(id)}`, {
          dispatcher,
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        await response.arrayBuffer()
        if (!response.ok) throw new Error(`PUT indicator ${String(id)}: ${String(response.status)}`)
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
  } finally {
    await dispatcher.close()
  }
}

/**
 * The export as a sync at `size`: a first export, then an incremental run after 1%
 * of the indicators changed and 0.5% left the collection, then a no-op run, then a fresh
 * export killed (SIGKILL) once AED holds ~70% of it, and the rerun that resumes it.
 */
async function benchSync(size: number, results: BenchResult[]): Promise<void> {
  const world = await startWorld({ seed: size })
  try {
    await world.configure()
    const first = await measureExport(world)
    const total = first.used.taxiiObjects
    const row = (name: string, m: ExportMeasure, note: string): void => {
      process.stderr.write(
        `${name}: ${m.run.seconds.toFixed(2)} s, ${cpuNote(m.run, size)}, sent ${fmt(sentTotal(m.run.output))}, ThreatQ ${String(m.used.threatq)} + TAXII ${String(m.used.taxii)} requests, peak RSS ${fmt(m.run.peakRssMb)} MiB\n`,
      )
      results.push({
        suite: SUITE,
        case: name,
        objects: size,
        seconds: m.run.seconds,
        requests: m.used.threatq + m.used.taxii,
        peakRssMb: m.run.peakRssMb,
        target: `${TARGET_RSS}; a small fraction of the full export (${first.run.seconds.toFixed(1)} s)`,
        note: `${cpuNote(m.run, size)}; sent ${fmt(sentTotal(m.run.output))} objects; ThreatQ ${String(m.used.threatq)} + TAXII ${String(m.used.taxii)} requests; ${note}`,
      })
    }
    // Resume: a fresh export into an empty collection, killed at ~70%.
    await world.aed.admin('POST', '/_sim/reset')
    await forgetRuns(world)
    const clean = (await simState(world.aed)).objects.taxiiObjects ?? 0
    const running = world.start(['-e'])
    for (;;) {
      const held = ((await simState(world.aed)).objects.taxiiObjects ?? 0) - clean
      if (held >= total * 0.7) break
      await new Promise((r) => setTimeout(r, 100))
    }
    running.child.kill('SIGKILL')
    await running.result
    const killedAt = ((await simState(world.aed)).objects.taxiiObjects ?? 0) - clean
    const resumed = await measureExport(world)
    const after = await simState(world.aed)
    const sent = sentTotal(resumed.run.output)
    process.stderr.write(
      `resume ${fmt(size)}: killed with ${fmt(killedAt)} of ${fmt(total)} objects in AED; the rerun sent ${fmt(sent)} (${((100 * sent) / total).toFixed(1)}%) in ${resumed.run.seconds.toFixed(2)} s; AED now holds ${fmt(after.objects.taxiiObjects ?? 0)}\n`,
    )
    results.push({
      suite: SUITE,
      case: `sync ${fmt(size)}: rerun after kill -9 at ~70%`,
      objects: size,
      seconds: resumed.run.seconds,
      requests: resumed.used.threatq + resumed.used.taxii,
      peakRssMb: resumed.run.peakRssMb,
      target: 'the rerun sends <= 35% of the objects; AED ends as after an uninterrupted run',
      note: `killed with ${fmt(killedAt)} of ${fmt(total)} objects in AED; the rerun sent ${fmt(sent)} (${((100 * sent) / total).toFixed(1)}%); AED holds ${fmt(after.objects.taxiiObjects ?? 0)} objects after it, ${fmt(total)} after the uninterrupted run; ${cpuNote(resumed.run, size)}`,
    })
    // Seeded ids are 1..size in insertion order (the vocabularies come first but are not indicators).
    const spread = (n: number, offset: number): number[] =>
      Array.from({ length: n }, (_, k) => 1 + ((offset + Math.floor((k * size) / n)) % size))
    await new Promise((r) => setTimeout(r, 1100)) // ThreatQ times are second-precise
    await editIndicators(world, spread(size / 100, 3), { description: 'changed for the bench' })
    await editIndicators(world, spread(size / 200, 7), { status: { name: 'Indirect' } })
    const incremental = await measureExport(world)
    const noop = await measureExport(world)
    row(
      `sync ${fmt(size)}: 1% changed, 0.5% removed`,
      incremental,
      `${fmt(size / 100)} indicators changed, ${fmt(size / 200)} left the collection (revoked)`,
    )
    row(
      `sync ${fmt(size)}: nothing changed`,
      noop,
      'the membership scan and the related objects only',
    )
  } finally {
    await world.stop()
  }
}

/** The largest list case run against aed-sim's default (substring) value filter. */
const LOOSE_FILTER_MAX = 100_000
/** The source and data collection of the list cases: IP Address indicators only. */
const HOSTS_FEED = 'Bench Hosts'
const HOSTS_COLLECTION = 'Bench Hosts'
const CONSUME_HOSTS = 1000
/**
 * Host `i` as a public IPv4 address in 45.0.0.0/8, spread by an odd multiplier (a bijection on
 * 24 bits, so distinct for i < 2^24), never one the connector's guards refuse.
 */
const benchHost = (i: number): string => {
  const x = Math.imul(i & 0xffffff, 0x9e3779b1) & 0xffffff
  return `45.${String((x >>> 16) & 255)}.${String((x >>> 8) & 255)}.${String(x & 255)}`
}

/** Creates hosts `from..to-1` as Active IP Address indicators of HOSTS_FEED; returns their ids. */
async function consumeHosts(api: ThreatqApi, from: number, to: number): Promise<number[]> {
  const ids: number[] = []
  for (let start = from; start < to; start += CONSUME_HOSTS) {
    const items = Array.from({ length: Math.min(CONSUME_HOSTS, to - start) }, (_, k) => ({
      value: benchHost(start + k),
      type: { name: 'IP Address' },
      status: { name: 'Active' },
      sources: [{ name: HOSTS_FEED }],
    }))
    const created = await api<{ data: { id: number }[] }>('POST', '/api/indicators/consume', items)
    if (created.data.length !== items.length)
      throw new Error(`consume created ${String(created.data.length)} of ${String(items.length)}`)
    ids.push(...created.data.map((d) => d.id))
  }
  return ids
}

/** Entries of every AED list the simulator holds (its `/_sim/state` counts, by list). */
const LIST_KEY = /(denied|allowed|blacklisted|whitelisted)-(hosts|domains|urls)/
function listEntries(objects: Record<string, number>): number {
  return Object.entries(objects)
    .filter(([kind]) => LIST_KEY.test(kind))
    .reduce((sum, [, n]) => sum + n, 0)
}

interface ListsMeasure {
  run: ConnectorRun
  used: Counts
  /** AED requests this run, per route (`GET /api/aed/v3/otf/denied-hosts/`). */
  routes: Record<string, number>
  /** Entries AED's lists hold after the run, and the change. */
  entries: number
  entriesDelta: number
  /** The summary's `sent:` and `removed:` totals. */
  sent: number
  removed: number
}

async function measureLists(world: World): Promise<ListsMeasure> {
  const before = await counts(world)
  const aedBefore = await simState(world.aed)
  const run = await runConnector(world, ['-e'])
  const used = delta(await counts(world), before)
  const aedAfter = await simState(world.aed)
  const routes: Record<string, number> = {}
  for (const [route, n] of Object.entries(aedAfter.requests)) {
    const d = n - (aedBefore.requests[route] ?? 0)
    if (d !== 0) routes[route] = d
  }
  const entries = listEntries(aedAfter.objects)
  return {
    run,
    used,
    routes,
    entries,
    entriesDelta: entries - listEntries(aedBefore.objects),
    sent: summaryTotal(run.output, 'sent'),
    removed: summaryTotal(run.output, 'removed'),
  }
}

/** `GET 200, POST 100` from a per-route count. */
function byMethod(routes: Record<string, number>): string {
  const methods = new Map<string, number>()
  for (const [route, n] of Object.entries(routes)) {
    const method = route.split(' ')[0] ?? route
    methods.set(method, (methods.get(method) ?? 0) + n)
  }
  return [...methods].map(([m, n]) => `${m} ${fmt(n)}`).join(', ') || 'none'
}

/**
 * REST delivery to AED's lists at `size` hosts: a collection of `size` IP Address
 * indicators (created through ThreatQ's consume API from one source; nothing else in the
 * collection) delivered into empty lists, then a 1% churn run (0.5% of the hosts leave the
 * collection through a status it excludes, 0.5% new hosts join it), then a rerun with nothing
 * to change. Outbound deny hosts only (`rest_inbound` off): one entry per host.
 */
async function benchLists(size: number, results: BenchResult[]): Promise<void> {
  // aed-sim's substring filter scans every stored value for each asked one: past 100,000 entries
  // a lookup of 100 values takes longer than the connector waits, so the largest size asks exactly.
  const world = await startWorld(
    size > LOOSE_FILTER_MAX ? { aedArgs: ['--list-filter', 'exact'] } : {},
  )
  try {
    const api = await threatqApi(world.threatq)
    const ids = await consumeHosts(api, 0, size)
    await saveFeedCollection(api, HOSTS_COLLECTION, HOSTS_FEED, ['Active', 'Review'])
    await world.configure({ data_collection: HOSTS_COLLECTION, delivery: 'rest' })
    const row = (name: string, m: ListsMeasure, objects: number, target: string, note: string) => {
      const aed = m.used.aed
      process.stderr.write(
        `${name}: ${m.run.seconds.toFixed(2)} s, ${cpuNote(m.run, size)}, sent ${fmt(m.sent)}, removed ${fmt(m.removed)}, AED ${String(aed)} requests (${JSON.stringify(m.routes)}), ThreatQ ${String(m.used.threatq)}, lists hold ${fmt(m.entries)}, peak RSS ${fmt(m.run.peakRssMb)} MiB\n`,
      )
      results.push({
        suite: SUITE,
        case: name,
        objects,
        seconds: m.run.seconds,
        requests: aed,
        peakRssMb: m.run.peakRssMb,
        target,
        note: `${cpuNote(m.run, size)}; AED requests ${byMethod(m.routes)}${objects > 0 ? ` (${((1000 * aed) / objects).toFixed(1)} per 1,000 entries)` : ''}; ThreatQ ${String(m.used.threatq)} requests (membership pages of ${String(PAGE)}); ${simCpuNote(m.run, m.used, size, 'host')}; ${note}${size > LOOSE_FILTER_MAX ? '; aed-sim --list-filter exact (its default substring filter scans every stored value per asked one)' : ''}`,
      })
    }
    const first = await measureLists(world)
    if (first.entriesDelta !== size || first.sent !== size)
      throw new Error(
        `the first delivery sent ${String(first.sent)} and AED's lists grew by ${String(first.entriesDelta)}, for ${String(size)} hosts`,
      )
    row(
      `lists ${fmt(size)} hosts: first REST delivery into empty lists`,
      first,
      first.sent,
      `${TARGET_RSS}; ~20 AED requests / 1,000 entries`,
      `${fmt(size)} IP Address indicators (one source, consumed into threatq-sim) into outbound denied-hosts; wall time includes process start`,
    )

    // 1% churn: 0.5% leave (status Indirect, which the collection excludes), 0.5% new hosts.
    const leave = size / 200
    const leaving = Array.from(
      { length: leave },
      (_, k) => ids[Math.floor((k * size) / leave) + 3] ?? 0,
    )
    await editIndicators(world, leaving, { status: { name: 'Indirect' } })
    await consumeHosts(api, size, size + leave)
    const churn = await measureLists(world)
    if (churn.sent !== leave || churn.removed !== leave || churn.entries !== size)
      throw new Error(
        `the churn run sent ${String(churn.sent)} and removed ${String(churn.removed)} (expected ${String(leave)} each); AED's lists hold ${String(churn.entries)}, expected ${String(size)}`,
      )
    row(
      `lists ${fmt(size)} hosts: 1% churn (0.5% removed, 0.5% added)`,
      churn,
      churn.sent + churn.removed,
      `${TARGET_RSS}; ~20 AED requests / 1,000 entries; a small fraction of the first delivery (${first.run.seconds.toFixed(1)} s)`,
      `${fmt(leave)} hosts set to status Indirect (the collection takes Active and Review) were removed, ${fmt(leave)} new hosts added; objects = entries removed + added; the whole collection is scanned`,
    )

    const noop = await measureLists(world)
    if (noop.used.aed !== 0 || noop.entries !== size)
      throw new Error(
        `the no-op run made ${String(noop.used.aed)} AED requests; AED's lists hold ${String(noop.entries)}, expected ${String(size)}`,
      )
    row(
      `lists ${fmt(size)} hosts: nothing changed`,
      noop,
      size,
      `${TARGET_RSS}; 0 AED requests`,
      'objects = the collection scanned; the membership scan against the lists ledger only',
    )
  } finally {
    await world.stop()
  }
}

/** Lines of a file read with node:readline: the floor of reading it line by line. */
async function readLines(path: string): Promise<number> {
  let lines = 0
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
  for await (const _line of rl) lines++
  return lines
}

/**
 * `-i` with `alert_source: syslog` over a file of `lines` generated notifications, then again with
 * nothing new; next to reading the same file line by line.
 */
async function benchSyslog(lines: number, results: BenchResult[]): Promise<void> {
  const world = await startWorld({})
  try {
    const file = join(world.configDir, 'aed.log')
    await writeSyslogFile(file, lines)
    await world.configure({ alert_source: 'syslog', syslog_file: file })
    const limit = await timed(() => readLines(file))
    const before = await counts(world)
    const run = await runConnector(world, ['-i'])
    const used = delta(await counts(world), before)
    const events = (await simState(world.threatq)).objects.events ?? 0
    const cpuUs = (1e6 * run.cpuSeconds) / lines
    process.stderr.write(
      `syslog import ${fmt(lines)} lines: ${run.seconds.toFixed(2)} s (${fmt(lines / run.seconds)} lines/s), ${cpuUs.toFixed(1)} CPU-µs/line, ${fmt(events)} events, ThreatQ ${String(used.threatq)} requests, peak RSS ${fmt(run.peakRssMb)} MiB; readline ${limit.seconds.toFixed(2)} s\n`,
    )
    if (events === 0) throw new Error('the syslog import wrote no events')
    results.push({
      suite: SUITE,
      case: `import ${fmt(lines)} syslog lines (alert_source syslog)`,
      objects: lines,
      seconds: run.seconds,
      requests: used.threatq,
      peakRssMb: run.peakRssMb,
      target: TARGET_RSS,
      note: `${fmt(lines / run.seconds)} lines/s; connector ${cpuUs.toFixed(1)} CPU-µs per line; ${fmt(events)} events written; ${simCpuNote(run, used, lines, 'line')}; wall time includes process start`,
    })
    results.push({
      suite: SUITE,
      case: `limit: read the same ${fmt(lines)} lines line by line (node:readline)`,
      objects: limit.value,
      seconds: limit.seconds,
      requests: 0,
      peakRssMb: peakRssMb(),
      target: '—',
      note: `${fmt(limit.value / limit.seconds)} lines/s; import/read = ${(run.seconds / limit.seconds).toFixed(1)}x; RSS is the bench process`,
    })
    const again = await counts(world)
    const rerun = await runConnector(world, ['-i'])
    const rerunUsed = delta(await counts(world), again)
    const after = (await simState(world.threatq)).objects.events ?? 0
    if (after !== events)
      throw new Error(`the rerun changed the events: ${String(events)} → ${String(after)}`)
    results.push({
      suite: SUITE,
      case: `rerun of the ${fmt(lines)}-line syslog import with nothing new`,
      objects: lines,
      seconds: rerun.seconds,
      requests: rerunUsed.threatq,
      peakRssMb: rerun.peakRssMb,
      target: 'cost ≈ a stat',
      note: `connector CPU ${rerun.cpuSeconds.toFixed(2)} s (process start, ThreatQ login and connector record included); events unchanged (${fmt(after)})`,
    })
  } finally {
    await world.stop()
  }
}

/** The EDM client alone reading every record (as bench/edm-read.ts): the floor of the import. */
async function readEdm(url: string): Promise<number> {
  const edm = new EdmClient(createHttpClient({ system: 'edm', baseUrl: url }), silentLogger, {
    token: EDM_DEFAULTS.token,
  })
  let read = 0
  try {
    const now = Date.now()
    for await (const page of edm.threats({ start: 0, end: now + 60_000, size: 1000 }))
      for (const { record } of page.records) if (edmNotification(record).edm.id !== '') read++
  } finally {
    await edm.close()
  }
  return read
}

/**
 * `-i --full` with `alert_source: edm` over `records` threat records generated in edm-sim (the
 * last 24 hours), then the same records read by the EDM client alone, then a rerun.
 */
async function benchEdm(records: number, results: BenchResult[]): Promise<void> {
  const world = await startWorld({})
  const edm = await startSim(BIN.edm, [])
  try {
    await edm.admin('POST', '/_sim/threats', { generate: records })
    await world.configure({
      alert_source: 'edm',
      edm_host: edm.url,
      edm_api_token: EDM_DEFAULTS.token,
    })
    const before = await counts(world)
    const run = await runConnector(world, ['-i', '--full'])
    const used = delta(await counts(world), before)
    const events = (await simState(world.threatq)).objects.events ?? 0
    if (events === 0) throw new Error('the EDM import wrote no events')
    const cpuUs = (1e6 * run.cpuSeconds) / records
    process.stderr.write(
      `edm import ${fmt(records)} records: ${run.seconds.toFixed(2)} s, ${cpuUs.toFixed(1)} CPU-µs/record, ${fmt(events)} events, ThreatQ ${String(used.threatq)} requests, peak RSS ${fmt(run.peakRssMb)} MiB\n`,
    )
    results.push({
      suite: SUITE,
      case: `import ${fmt(records)} EDM threat records (alert_source edm)`,
      objects: records,
      seconds: run.seconds,
      requests: used.threatq,
      peakRssMb: run.peakRssMb,
      target: TARGET_RSS,
      note: `${fmt(records / run.seconds)} records/s; connector ${cpuUs.toFixed(1)} CPU-µs per record; ${fmt(events)} events written; EDM pages of 1,000; ${simCpuNote(run, used, records, 'record')}; wall time includes process start`,
    })
    const limit = await timed(() => readEdm(edm.url))
    results.push({
      suite: SUITE,
      case: `limit: read the same ${fmt(records)} EDM records with the EDM client alone`,
      objects: limit.value,
      seconds: limit.seconds,
      requests: 0,
      peakRssMb: peakRssMb(),
      target: '—',
      note: `${fmt(limit.value / limit.seconds)} records/s; import/read = ${(run.seconds / limit.seconds).toFixed(1)}x; pages of 1,000, each record mapped; RSS is the bench process`,
    })
  } finally {
    await edm.stop()
    await world.stop()
  }
}

async function main(): Promise<void> {
  const results: BenchResult[] = []
  for (const size of EXPORT_SIZES) await benchExport(size, results)
  for (const size of SYNC_SIZES) await benchSync(size, results)
  const largestImport = Math.max(...IMPORT_SIZES)
  for (const alerts of IMPORT_SIZES) await benchImport(alerts, results, alerts === largestImport)
  for (const size of LISTS_SIZES) await benchLists(size, results)
  for (const size of SYSLOG_SIZES) await benchSyslog(size, results)
  for (const size of EDM_SIZES) await benchEdm(size, results)
  report(results, { partial: PARTIAL })
}

await main()
