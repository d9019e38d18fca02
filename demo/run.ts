/**
 * `npm start`: the whole loop in a few seconds, against both simulators in this process.
 * ThreatQ (seeded data collection) → export → AED blocks traffic → alerts → import → ThreatQ.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAedSim } from '../sim/aed/app.js'
import { serveApp } from '../sim/common/serve.js'
import { createThreatqSim } from '../sim/threatq/app.js'
import type { CliArgs } from '../src/cli/args.js'
import { DEFAULT_NAME } from '../src/cli/args.js'
import { runConnector, type CommandIo } from '../src/cli/connector.js'
import { Secrets } from '../src/log/secrets.js'
import { createTaxiiClient } from '../src/taxii/client.js'

const USER = { email: 'demo@threatq.local', password: 'demo-password', clientId: 'demo-client' }
const AED = {
  token: 'demoToken4wtwfuxgaRyA0rGcpbTGLzKy4_j7iQm',
  taxiiUser: 'stix-demo',
  taxiiPassword: 'stix-demo-pw',
}

async function main(): Promise<void> {
  const started = Date.now()
  const threatqSim = createThreatqSim({
    users: [USER],
    seedIndicators: 60,
    collection: 'AED Export',
  })
  const aedSim = createAedSim({
    token: AED.token,
    taxiiUser: AED.taxiiUser,
    taxiiPassword: AED.taxiiPassword,
    collection: 'ThreatQ',
  })
  const tq = await serveApp(threatqSim.app.fetch, { host: '127.0.0.1', port: 0, tls: false })
  const aed = await serveApp(aedSim.app.fetch, { host: '127.0.0.1', port: 0, tls: false })
  const dir = await mkdtemp(join(tmpdir(), 'tq-aed-demo-'))
  try {
    const env = {
      THREATQ_HOST: tq.url,
      THREATQ_CLIENT_ID: USER.clientId,
      THREATQ_USERNAME: USER.email,
      THREATQ_PASSWORD: USER.password,
      THREATQ_STATUS: 'Review',
    }
    let captured = ''
    const io: CommandIo = {
      env,
      stdout: (text) => (captured += text),
      stderr: (text) => (captured += text),
      stdinIsTTY: false,
      stdoutIsTTY: false,
      stderrIsTTY: false,
      now: () => new Date(),
      execPath: process.execPath,
      binPath: 'tq-conn-netscout-aed',
    }
    const args = (over: Partial<CliArgs>): CliArgs => ({
      config: dir,
      loglocation: dir,
      verbosity: 1,
      disable_ssl: false,
      import: false,
      export: false,
      name: DEFAULT_NAME,
      cron: undefined,
      dry_run: false,
      output: undefined,
      full: false,
      allow_mass_revoke: false,
      since: undefined,
      non_interactive: true,
      check: false,
      status: false,
      ...over,
    })
    const step = async (
      title: string,
      over: Partial<CliArgs>,
      expected: number,
    ): Promise<string> => {
      captured = ''
      const code = await runConnector(args(over), io, new Secrets())
      if (code !== expected) throw new Error(`${title}: exit ${String(code)}\n${captured}`)
      return captured
    }

    console.log(`ThreatQ simulator ${tq.url}   AED simulator ${aed.url}\n`)
    await step('first run', {}, 4)
    console.log(
      '1. First run (non-interactive): connector registered in ThreatQ, exit 4 "Set information in UI".',
    )

    await fetch(`${tq.url}/_sim/connector`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Netscout AED Connector',
        active: true,
        options: {
          hostname: aed.url,
          api_token: AED.token,
          stix_client_username: AED.taxiiUser,
          stix_client_password: AED.taxiiPassword,
          data_collection: 'AED Export',
          aed_collection: 'ThreatQ',
          relationship_depth: '2',
          default_indicator_labels: 'malicious-activity',
          default_threat_actor_labels: 'criminal',
          default_malware_labels: 'trojan',
          default_tool_labels: 'exploitation',
          default_report_labels: 'threat-report',
        },
      }),
    })
    console.log('2. Options set and the connector switched on, as a person does in the ThreatQ UI.')

    console.log('3. Export (tq-conn-netscout-aed -e):')
    console.log(indent(await step('export', { export: true }, 0)))

    const targets = await enforcedValues(aed.url)
    const flows = [
      ...targets.domains.slice(0, 2).map((host) => ({
        src: '10.0.0.23',
        dst: '192.0.2.80',
        srcPort: 51000,
        dstPort: 443,
        proto: 'tcp',
        host,
        direction: 'outbound',
      })),
      ...targets.ips.slice(0, 2).map((src) => ({
        src,
        dst: '10.0.0.5',
        srcPort: 4444,
        dstPort: 22,
        proto: 'tcp',
        direction: 'inbound',
      })),
    ]
    const traffic = (await (
      await fetch(`${aed.url}/_sim/traffic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ flows }),
      })
    ).json()) as { alerts: { alertId: number; iocPattern: string | null }[] }
    console.log(
      `4. Traffic: ${String(flows.length)} flows hit exported indicators; AED raised ${String(traffic.alerts.length)} blocked-host alerts.`,
    )

    console.log('5. Import (tq-conn-netscout-aed -i):')
    console.log(indent(await step('import', { import: true }, 0)))

    const aedState = (await (await fetch(`${aed.url}/_sim/state`)).json()) as {
      objects: Record<string, number>
    }
    const tqState = (await (await fetch(`${tq.url}/_sim/state`)).json()) as {
      objects: Record<string, number>
    }
    console.log('Where things are now:')
    console.table({
      'AED TAXII collection "ThreatQ"': {
        objects: aedState.objects.taxiiObjects,
        enforced: aedState.objects.stixEnforcementEntries,
      },
      'AED alerts': { objects: aedState.objects.alerts, enforced: '-' },
      'ThreatQ events': { objects: tqState.objects.events, enforced: '-' },
      'ThreatQ indicators': { objects: tqState.objects.indicators, enforced: '-' },
    })
    console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Nothing is left running.`)
  } finally {
    await Promise.all([tq.close(), aed.close()])
    await rm(dir, { recursive: true, force: true })
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n')
}

/** Values AED now enforces, read back over TAXII. */
async function enforcedValues(url: string): Promise<{ domains: string[]; ips: string[] }> {
  const taxii = createTaxiiClient({
    version: '2.0',
    url,
    username: AED.taxiiUser,
    password: AED.taxiiPassword,
  })
  const domains: string[] = []
  const ips: string[] = []
  try {
    const discovery = await taxii.discover()
    const collection = await taxii.collection(discovery.default ?? '', 'ThreatQ')
    for await (const o of taxii.objects(collection, { type: 'indicator' })) {
      const m = /^\[(domain-name|ipv4-addr):value = '([^'\\/]+)'\]$/.exec(String(o.pattern))
      if (m?.[1] === 'domain-name' && m[2] !== undefined) domains.push(m[2])
      if (m?.[1] === 'ipv4-addr' && m[2] !== undefined) ips.push(m[2])
    }
  } finally {
    await taxii.close()
  }
  return { domains, ips }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
