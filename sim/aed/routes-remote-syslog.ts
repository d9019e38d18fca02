/**
 * `remote-syslog/`: the one syslog destination an appliance sends its notifications to, as
 * NETSCOUT's Ansible module `aed_remote_syslog` reads and changes it (docs/aed-api.md, "Syslog
 * destination").
 */
import type { Hono } from 'hono'
import { isIP } from 'node:net'
import { AedError, aedJsonResponse, badField } from './json.js'
import { Params } from './params.js'
import { route } from './routing.js'
import type { AedState } from './state.js'

export const SYSLOG_PROTOCOLS = ['udp', 'tcp'] as const
export const SYSLOG_FORMATS = ['cef', 'leef', 'legacy'] as const

/** Keys in alphabetical order, as AED serialises them. */
export interface RemoteSyslog {
  format: (typeof SYSLOG_FORMATS)[number]
  /** Server name or IP; "" = no destination, nothing is sent. */
  host: string
  port: number
  protocol: (typeof SYSLOG_PROTOCOLS)[number]
  /** TLS over TCP. */
  secure: boolean
}

/** [SIM] SIM-AED-54: an appliance fresh from the box has no destination. */
export const DEFAULT_REMOTE_SYSLOG: Readonly<RemoteSyslog> = {
  format: 'cef',
  host: '',
  port: 514,
  protocol: 'udp',
  secure: false,
}

const FIELDS = ['format', 'host', 'port', 'protocol', 'secure'] as const
const HOSTNAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/

function oneOf<T extends string>(
  params: Params,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = params.raw(key)
  if (value === undefined) return undefined
  const text = typeof value === 'string' ? value.toLowerCase() : undefined
  if (text === undefined || !(allowed as readonly string[]).includes(text))
    throw badField(key, `"${key}" must be one of ${allowed.join(', ')}.`)
  return text as T
}

/**
 * The settings a PATCH asks for, over the current ones: every field checked, unknown fields and
 * TLS over UDP refused ([SIM] SIM-AED-54). Nothing is changed when anything is wrong.
 */
export function patchRemoteSyslog(current: RemoteSyslog, params: Params): RemoteSyslog {
  for (const key of params.keys()) {
    if (!(FIELDS as readonly string[]).includes(key))
      throw badField(key, `"${key}" is not a remote syslog setting (${FIELDS.join(', ')}).`)
  }
  const next = { ...current }
  const host = params.raw('host')
  if (host !== undefined) {
    if (typeof host !== 'string') throw badField('host', '"host" must be a string.')
    const trimmed = host.trim()
    if (trimmed !== '' && isIP(trimmed) === 0 && !HOSTNAME.test(trimmed))
      throw badField('host', `"host" must be a host name or an IP address, got "${host}".`)
    next.host = trimmed
  }
  const port = params.raw('port')
  if (port !== undefined) {
    const text = typeof port === 'number' || typeof port === 'string' ? String(port) : ''
    if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535)
      throw badField('port', '"port" must be an integer between 1 and 65535.')
    next.port = Number(text)
  }
  next.protocol = oneOf(params, 'protocol', SYSLOG_PROTOCOLS) ?? next.protocol
  next.format = oneOf(params, 'format', SYSLOG_FORMATS) ?? next.format
  // The Ansible module sends a JSON boolean; a query string gives the words.
  next.secure = params.bool('secure') ?? next.secure
  if (next.secure && next.protocol === 'udp')
    throw new AedError(400, 'invalidField', '"secure" (TLS) needs "protocol": "tcp".', 'secure')
  return next
}

export function mountRemoteSyslogRoutes(
  app: Hono,
  p: (path: string) => string,
  state: AedState,
): void {
  route(app, p('remote-syslog/'), {
    GET: () => aedJsonResponse(state.remoteSyslog),
    PATCH: async (c) => {
      state.remoteSyslog = patchRemoteSyslog(state.remoteSyslog, await Params.from(c))
      return aedJsonResponse(state.remoteSyslog)
    },
  })
}
