#!/usr/bin/env node
/** `aed-sim`: serves the simulated AED appliance until SIGINT/SIGTERM. */
import { announce, serveApp } from '../common/serve.js'
import { createAedSim, ensureTaxiiDefaults } from './app.js'
import { buildAedParser, aedOptionsFrom, type AedArgs } from './cli.js'
import { Persistence } from './persist.js'

async function main(): Promise<void> {
  const args = buildAedParser().parse_args<AedArgs>()
  const options = aedOptionsFrom(args)
  let persistence: Persistence | undefined
  const sim = createAedSim({ ...options, onChange: () => persistence?.schedule() })
  if (args.data_dir !== undefined) {
    persistence = new Persistence(args.data_dir, sim.state)
    const loaded = persistence.load()
    if (loaded === 'incompatible') {
      process.stderr.write(
        `aed-sim: ignoring ${persistence.file}: written by another snapshot format\n`,
      )
    }
    if (loaded === 'loaded') ensureTaxiiDefaults(sim.state, options)
    persistence.schedule()
  }
  const server = await serveApp(sim.app.fetch, { host: args.host, port: args.port, tls: args.tls })
  announce({
    url: server.url,
    close: async () => {
      persistence?.flush()
      sim.close()
      await server.close()
    },
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`aed-sim: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
