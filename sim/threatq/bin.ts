#!/usr/bin/env node
/**
 * The `threatq-sim` command: serves the simulator over HTTP or HTTPS, prints one JSON ready line,
 * persists to `--data-dir` when asked, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { announce, serveApp } from '../common/serve.js'
import { createThreatqSim } from './app.js'
import { buildThreatqParser, threatqOptionsFrom, type ThreatqArgs } from './cli.js'
import { Persister, readSnapshot } from './persist.js'

async function main(argv: string[]): Promise<void> {
  const args = buildThreatqParser().parse_args<ThreatqArgs>(argv)
  const options = threatqOptionsFrom(args)
  if (args.data_dir !== undefined) {
    const restored = await readSnapshot(args.data_dir, Date.now)
    if (restored !== undefined) options.store = restored
  }
  const sim = createThreatqSim(options)
  const persister = args.data_dir === undefined ? undefined : new Persister(sim.core, args.data_dir)
  const server = await serveApp(sim.app.fetch, { host: args.host, port: args.port, tls: args.tls })
  announce({
    url: server.url,
    close: async () => {
      await server.close()
      await persister?.flush()
    },
  })
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`threatq-sim: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(2)
})
