/** Serves a simulator app on a real socket (HTTP or HTTPS with the simulator certificate). */
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { SIM_TLS_CERT, SIM_TLS_KEY } from './tls.js'

export interface ServeOptions {
  host: string
  /** 0 picks a free port. */
  port: number
  tls: boolean
}

export interface RunningServer {
  url: string
  close(): Promise<void>
}

type FetchHandler = (request: Request, env: unknown) => Response | Promise<Response>

export async function serveApp(fetch: FetchHandler, options: ServeOptions): Promise<RunningServer> {
  const server: ServerType = await new Promise((resolve) => {
    const s: ServerType = serve(
      {
        fetch,
        hostname: options.host,
        port: options.port,
        ...(options.tls
          ? {
              createServer: createHttpsServer,
              serverOptions: { key: SIM_TLS_KEY, cert: SIM_TLS_CERT },
            }
          : {}),
      },
      () => {
        resolve(s)
      },
    )
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${String(address.port)}`,
    close: () =>
      new Promise((resolve) => {
        // Keep-alive sockets would hold close() open.
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Prints the one JSON ready line and closes cleanly on SIGINT/SIGTERM. */
export function announce(server: RunningServer): void {
  const stop = (): void => {
    void server.close().then(() => process.exit(0))
  }
  // Handlers first: a signal sent right after the ready line must still close cleanly.
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  process.stdout.write(`${JSON.stringify({ ready: true, url: server.url })}\n`)
}
