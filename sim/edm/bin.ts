#!/usr/bin/env node
/** `edm-sim`: serves the simulated Edge Defense Manager until SIGINT/SIGTERM. */
import { Persistence } from './persist.js'
import { announce, serveApp } from '../common/serve.js'
import { createEdmSim } from './app.js'
import { buildEdmParser, edmOptionsFrom, type EdmArgs } from './cli.js'

async function main(): Promise<void> {
  const args = buildEdmParser().parse_args<EdmArgs>()
  let persistence: Persistence | undefined
  const sim = createEdmSim({ ...edmOptionsFrom(args), onChange: () => persistence?.schedule() })
  if (args.data_dir !== undefined) {
    persistence = new Persistence(args.data_dir, sim.state)
    if (persistence.load() === 'incompatible') {
      process.stderr.write(
        `edm-sim: ignoring ${persistence.file}: written by another snapshot format\n`,
      )
    }
  }
  const server = await serveApp(sim.app.fetch, { host: args.host, port: args.port, tls: args.tls })
  announce({
    url: server.url,
    close: async () => {
      persistence?.flush()
      await server.close()
    },
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`edm-sim: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
