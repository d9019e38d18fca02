/**
 * A ThreatQ simulator, an AED simulator and a configured connector instance, for the e2e tests and
 * the bench.
 */
import { rm } from 'node:fs/promises'
import { fetch } from 'undici'
import { instancePaths } from '../../src/config/instance.js'
import type { StixObject, StixVersion } from '../../src/stix/types.js'
import { createTaxiiClient } from '../../src/taxii/client.js'
import {
  BIN,
  runCli,
  simDispatcher,
  startCli,
  startSim,
  tempDir,
  type CliResult,
  type RunningCli,
  type Sim,
} from './processes.js'

export const CREDS = {
  user: 'analyst@example.com',
  password: 'tq-Pa55word!',
  clientId: 'client-id-123',
  aedToken: 'aedToken4wtwfuxgaRyA0rGcpbTGLzKy4_j7',
  taxiiUser: 'stix-client',
  taxiiPassword: 'taxii-S3cret!',
}

/** The AED simulator's credentials, as command-line flags. */
export const AED_SIM_ARGS = [
  '--token',
  CREDS.aedToken,
  '--taxii-user',
  CREDS.taxiiUser,
  '--taxii-password',
  CREDS.taxiiPassword,
]

/** The ThreatQ simulator's credentials, as command-line flags. */
export const THREATQ_SIM_ARGS = [
  '--user',
  CREDS.user,
  '--password',
  CREDS.password,
  '--client-id',
  CREDS.clientId,
]

/**
 * threatq-sim's lenient variants: `with=attack_pattern` served, `{value, type}` refs in
 * event items honoured. The suite runs against the strict defaults; one run of each main flow
 * uses these so both sides stay covered.
 */
export const LENIENT_THREATQ_ARGS = ['--no-with-underscore-bug', '--value-refs']

export interface World {
  threatq: Sim
  aed: Sim
  configDir: string
  env: Record<string, string>
  /** Runs the connector with this world's config dir (and name, if given). */
  run(args?: readonly string[], env?: Record<string, string>): Promise<CliResult>
  /** The same, without waiting for it to end. */
  start(args?: readonly string[], env?: Record<string, string>): RunningCli
  /** First run, then the connector switched on in the "UI" with these options. */
  configure(options?: Record<string, string>, name?: string): Promise<void>
  /** The connector record switched on with these options (created if missing), no first run. */
  enable(options?: Record<string, string>, name?: string): Promise<void>
  stop(): Promise<void>
}

export function recordName(name?: string): string {
  return name === undefined ? 'Netscout AED Connector' : `Netscout AED Connector (${name})`
}

export async function startWorld(
  opts: { seed?: number; aedArgs?: string[]; threatqArgs?: string[]; tls?: boolean } = {},
): Promise<World> {
  const tls = opts.tls === true ? ['--tls'] : []
  const threatq = await startSim(BIN.threatq, [
    ...THREATQ_SIM_ARGS,
    ...(opts.seed === undefined ? [] : ['--seed-indicators', String(opts.seed)]),
    ...(opts.threatqArgs ?? []),
    ...tls,
  ])
  const aed = await startSim(BIN.aed, [...AED_SIM_ARGS, ...(opts.aedArgs ?? []), ...tls])
  const configDir = await tempDir('tq-aed-e2e-')
  const env = {
    THREATQ_HOST: threatq.url,
    THREATQ_CLIENT_ID: CREDS.clientId,
    THREATQ_USERNAME: CREDS.user,
    THREATQ_PASSWORD: CREDS.password,
    THREATQ_STATUS: 'Review',
  }
  const world: World = {
    threatq,
    aed,
    configDir,
    env,
    run: (args = [], extra = {}) => runCli(['-c', configDir, ...args], extra),
    start: (args = [], extra = {}) => startCli(['-c', configDir, ...args], extra),
    async configure(options = {}, name) {
      const nameArgs = name === undefined ? [] : ['-n', name]
      const first = await runCli(['-c', configDir, '--non-interactive', ...nameArgs], env)
      if (first.code !== 4)
        throw new Error(`first run exited ${String(first.code)}: ${first.stderr}`)
      await world.enable(options, name)
    },
    async enable(options = {}, name) {
      await threatq.admin('POST', '/_sim/connector', {
        name: recordName(name),
        active: true,
        options: {
          hostname: aed.url,
          api_token: CREDS.aedToken,
          stix_client_username: CREDS.taxiiUser,
          stix_client_password: CREDS.taxiiPassword,
          data_collection: 'AED Export',
          aed_collection: 'ThreatQ',
          relationship_depth: '1',
          default_indicator_labels: 'malicious-activity',
          default_threat_actor_labels: 'criminal',
          default_malware_labels: 'trojan',
          default_tool_labels: 'exploitation',
          default_report_labels: 'threat-report',
          ...options,
        },
      })
    },
    async stop() {
      await Promise.all([threatq.stop(), aed.stop()])
    },
  }
  return world
}

interface SimState {
  objects: Record<string, number>
  requests: Record<string, number>
  /** The simulator process: user + system CPU so far, peak RSS. */
  process: { cpuSeconds: number; peakRssMb: number }
}

/**
 * An instance back to never having run: no state file, export ledger, journal, lists ledger,
 * syslog/EDM checkpoint or run record (the names src/config/instance.ts gives them).
 */
export async function forgetRuns(
  world: Pick<World, 'configDir'>,
  name = 'netscout-aed',
): Promise<void> {
  const paths = instancePaths(world.configDir, name)
  await Promise.all(
    [
      paths.state,
      paths.ledger,
      paths.journal,
      paths.listsLedger,
      paths.syslogState,
      paths.runs,
    ].map((f) => rm(f, { force: true })),
  )
}

export const simState = (sim: Sim): Promise<SimState> => sim.admin<SimState>('GET', '/_sim/state')

/** Every object version in the AED simulator's "ThreatQ" collection, read over TAXII. */
export async function aedObjects(world: World, version: StixVersion): Promise<StixObject[]> {
  const taxii = createTaxiiClient({
    version,
    url: world.aed.url,
    username: CREDS.taxiiUser,
    password: CREDS.taxiiPassword,
  })
  try {
    const discovery = await taxii.discover()
    const collection = await taxii.collection(
      discovery.default ?? discovery.api_roots?.[0] ?? '',
      'ThreatQ',
    )
    const all: StixObject[] = []
    for await (const o of taxii.objects(collection, { version: 'all' })) all.push(o)
    return all
  } finally {
    await taxii.close()
  }
}

/** A domain AED enforces after an export: traffic to it is blocked. */
export async function enforcedDomain(world: World): Promise<string> {
  for (const o of await aedObjects(world, '2.0')) {
    const m = /^\[domain-name:value = '([^'\\]+)'\]$/.exec(String(o.pattern))
    if (m?.[1] !== undefined) return m[1]
  }
  throw new Error('no domain indicator in AED')
}

/** One AED list entry as the REST API renders it (docs/aed-api.md, "List entries"). */
export interface AedListItem {
  annotation: string | string[] | null
  hostAddress?: string
  domain?: string
  url?: string
  pgid?: number[]
}

/** AED's REST API as a test calls it: `path` below `/api/aed/<version>/`. */
export async function aedRest<T>(
  world: Pick<World, 'aed'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${world.aed.url}/api/aed/${path}`, {
    method,
    dispatcher: simDispatcher,
    headers: {
      'x-arbux-apitoken': CREDS.aedToken,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok)
    throw new Error(`AED ${method} ${path}: HTTP ${String(response.status)} ${text}`)
  return (text === '' ? undefined : JSON.parse(text)) as T
}

/** A whole AED list, e.g. `v3/otf/denied-hosts`. */
export async function aedList(world: Pick<World, 'aed'>, path: string): Promise<AedListItem[]> {
  const body = await aedRest<Record<string, AedListItem[]>>(world, 'GET', `${path}/?perPage=0`)
  return Object.values(body)[0] ?? []
}
