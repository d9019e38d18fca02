/**
 * A small authenticated client over `app.request()` (no sockets), for tests of the simulator
 * and of code that talks to it in-process.
 */
import { DEFAULT_USER, type ThreatqSim } from './app.js'

export interface SimResponse {
  status: number
  headers: Headers
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown
}

/** Reads a nested property path, for terse assertions: `at(body, 'data', 0, 'id')`. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined
    v = (v as Record<string | number, unknown>)[key]
  }
  return v
}

export class SimClient {
  token: string | undefined

  constructor(readonly sim: ThreatqSim) {}

  async login(user = DEFAULT_USER): Promise<string> {
    const res = await this.raw(
      'POST',
      `/api/token?grant_type=password&client_id=${encodeURIComponent(user.clientId)}`,
      { email: user.email, password: user.password },
    )
    const token = at(res.body, 'access_token')
    if (res.status !== 200 || typeof token !== 'string') {
      throw new Error(`login failed: ${String(res.status)} ${JSON.stringify(res.body)}`)
    }
    this.token = token
    return token
  }

  /** A request without the client's token (headers given explicitly). */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<SimResponse> {
    const init: RequestInit = { method, headers: { ...headers } }
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
      init.headers = { 'content-type': 'application/json', ...headers }
    }
    const res = await this.sim.app.request(path, init)
    const text = await res.text()
    return {
      status: res.status,
      headers: res.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    }
  }

  async call(method: string, path: string, body?: unknown): Promise<SimResponse> {
    this.token ??= await this.login()
    return this.raw(method, path, body, { authorization: `Bearer ${this.token}` })
  }

  get(path: string): Promise<SimResponse> {
    return this.call('GET', path)
  }

  post(path: string, body?: unknown): Promise<SimResponse> {
    return this.call('POST', path, body)
  }

  put(path: string, body?: unknown): Promise<SimResponse> {
    return this.call('PUT', path, body)
  }

  delete(path: string, body?: unknown): Promise<SimResponse> {
    return this.call('DELETE', path, body)
  }
}
