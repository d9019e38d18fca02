/**
 * A tiny recording proxy on loopback for the proxy tests: CONNECT tunnels, recorded as
 * `CONNECT host:port`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'

export interface RecordingProxy {
  url: string
  /** Everything carried so far, in order. */
  seen: string[]
  close(): Promise<void>
}

export async function startProxy(): Promise<RecordingProxy> {
  const seen: string[] = []
  // undici's ProxyAgent tunnels http:// targets too, so CONNECT is all a proxy needs here; a plain
  // (absolute-form) request is recorded and refused, which would fail the run under test.
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method ?? '?'} ${req.url ?? ''}`)
    res.writeHead(405).end()
  })
  server.on('connect', (req: IncomingMessage, client, head: Buffer) => {
    seen.push(`CONNECT ${req.url ?? ''}`)
    const [host = '', port = ''] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    const drop = (): void => {
      upstream.destroy()
      client.destroy()
    }
    upstream.on('error', drop)
    client.on('error', drop)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}
