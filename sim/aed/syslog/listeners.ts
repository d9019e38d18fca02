/**
 * Test-side syslog receivers on loopback: a UDP one (one message per datagram) and a TCP one that
 * splits newline-framed or RFC 6587 octet-counted messages. For the simulator's own tests.
 */
import { createSocket } from 'node:dgram'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { SIM_TLS_CERT, SIM_TLS_KEY } from '../../common/tls.js'

export interface Listener {
  port: number
  /** Messages received so far, in order. */
  messages: string[]
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number): Promise<string[]>
  close(): Promise<void>
}

function collector(): Pick<Listener, 'messages' | 'waitFor'> & {
  add: (m: string) => void
} {
  const messages: string[] = []
  const waiters: { count: number; resolve: (m: string[]) => void }[] = []
  return {
    messages,
    add: (m) => {
      messages.push(m)
      for (const w of [...waiters]) {
        if (messages.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(messages)
        }
      }
    },
    waitFor: (count) => {
      if (messages.length >= count) return Promise.resolve(messages)
      return new Promise((resolve) => {
        waiters.push({ count, resolve })
      })
    },
  }
}

export async function udpListener(): Promise<Listener> {
  const c = collector()
  const socket = createSocket('udp4')
  socket.on('message', (data) => {
    c.add(data.toString('utf8'))
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    port: socket.address().port,
    messages: c.messages,
    waitFor: c.waitFor,
    close: () =>
      new Promise((resolve) => {
        socket.close(() => {
          resolve()
        })
      }),
  }
}

/** Splits a TCP stream into messages: by newline, or by `<length> <message>` octet counting. */
export function streamSplitter(
  framing: 'newline' | 'octet-counting',
  onMessage: (m: string) => void,
): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0)
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk])
    for (;;) {
      if (framing === 'newline') {
        const end = buffer.indexOf(0x0a)
        if (end === -1) return
        onMessage(buffer.subarray(0, end).toString('utf8'))
        buffer = buffer.subarray(end + 1)
      } else {
        const space = buffer.indexOf(0x20)
        if (space === -1) return
        const length = Number(buffer.subarray(0, space).toString('ascii'))
        if (!Number.isInteger(length)) throw new Error('octet-counted frame without a length')
        if (buffer.length < space + 1 + length) return
        onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'))
        buffer = buffer.subarray(space + 1 + length)
      }
    }
  }
}

export async function tcpListener(
  framing: 'newline' | 'octet-counting' = 'newline',
  tls = false,
): Promise<Listener & { connections: number }> {
  const c = collector()
  const sockets = new Set<Socket>()
  const state = { connections: 0 }
  const onSocket = (socket: Socket): void => {
    state.connections++
    sockets.add(socket)
    socket.on('data', streamSplitter(framing, c.add))
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }
  const server = tls
    ? createTlsServer({ key: SIM_TLS_KEY, cert: SIM_TLS_CERT }, onSocket)
    : createServer(onSocket)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    messages: c.messages,
    waitFor: c.waitFor,
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}
