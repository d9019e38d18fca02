/**
 * Sends rendered notification lines to a syslog destination: UDP, one datagram per message, or
 * TCP (optionally TLS) framed by a newline (the traditional framing, rsyslog imtcp's default) or
 * by RFC 6587 octet counting. One connection per destination, opened when first needed and opened
 * again after an error.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { isIP, connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { RemoteSyslog } from '../routes-remote-syslog.js'

export type Framing = 'newline' | 'octet-counting'

export interface SendResult {
  sent: number
  failed: number
  /** The last error, for `/_sim/notifications`. */
  error?: string
}

export function frame(line: string, framing: Framing): string {
  return framing === 'newline' ? `${line}\n` : `${String(Buffer.byteLength(line))} ${line}`
}

const keyOf = (d: RemoteSyslog): string =>
  `${d.protocol}:${d.secure ? 'tls' : 'plain'}:${d.host}:${String(d.port)}`

export class SyslogSender {
  private udp4: UdpSocket | undefined
  private udp6: UdpSocket | undefined
  private tcp: { key: string; socket: Socket; ready: Promise<void> } | undefined

  constructor(private readonly framing: Framing) {}

  async send(destination: RemoteSyslog, lines: readonly string[]): Promise<SendResult> {
    try {
      if (destination.protocol === 'udp') return await this.sendUdp(destination, lines)
      return await this.sendTcp(destination, lines)
    } catch (error) {
      return { sent: 0, failed: lines.length, error: messageOf(error) }
    }
  }

  private udpSocket(host: string): UdpSocket {
    const six = isIP(host) === 6
    const existing = six ? this.udp6 : this.udp4
    if (existing !== undefined) return existing
    const socket = createSocket(six ? 'udp6' : 'udp4')
    // A destination that is not listening answers ICMP unreachable: a lost datagram, as on a real
    // network, never a crash.
    socket.on('error', () => undefined)
    socket.unref()
    if (six) this.udp6 = socket
    else this.udp4 = socket
    return socket
  }

  private async sendUdp(d: RemoteSyslog, lines: readonly string[]): Promise<SendResult> {
    const socket = this.udpSocket(d.host)
    const results = await Promise.all(
      lines.map(
        (line) =>
          new Promise<string | undefined>((resolve) => {
            socket.send(line, d.port, d.host, (error) => {
              resolve(error === null ? undefined : error.message)
            })
          }),
      ),
    )
    const errors = results.filter((e) => e !== undefined)
    return {
      sent: lines.length - errors.length,
      failed: errors.length,
      ...(errors.length > 0 ? { error: errors[0] } : {}),
    }
  }

  private connection(d: RemoteSyslog): { socket: Socket; ready: Promise<void> } {
    const key = keyOf(d)
    if (this.tcp?.key === key && !this.tcp.socket.destroyed) return this.tcp
    this.tcp?.socket.destroy()
    // [SIM] SIM-AED-61: TLS without verifying the server (AED's syslog trust store is not public).
    const socket = d.secure
      ? tlsConnect({ host: d.host, port: d.port, rejectUnauthorized: false })
      : tcpConnect({ host: d.host, port: d.port })
    const ready = new Promise<void>((resolve, reject) => {
      socket.once(d.secure ? 'secureConnect' : 'connect', () => {
        resolve()
      })
      socket.once('error', reject)
    })
    socket.on('error', () => {
      socket.destroy()
    })
    socket.unref()
    this.tcp = { key, socket, ready }
    return this.tcp
  }

  private async sendTcp(d: RemoteSyslog, lines: readonly string[]): Promise<SendResult> {
    const { socket, ready } = this.connection(d)
    await ready
    const text = lines.map((line) => frame(line, this.framing)).join('')
    await new Promise<void>((resolve, reject) => {
      socket.write(text, (error) => {
        if (error === undefined || error === null) resolve()
        else reject(error)
      })
    })
    return { sent: lines.length, failed: 0 }
  }

  close(): void {
    this.udp4?.close()
    this.udp6?.close()
    this.udp4 = this.udp6 = undefined
    this.tcp?.socket.end()
    this.tcp = undefined
  }
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)
