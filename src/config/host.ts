/**
 * Host settings (ThreatQ Host, the AED `hostname` option) may be a name, `name:port` or a full
 * URL. https is the default; plain http is accepted (the simulators) and flagged for a warning.
 */
import { isIP } from 'node:net'
import { ConfigError } from '../errors.js'

export interface ParsedHost {
  /** Origin plus any base path, without a trailing slash: `https://tq.example:8443`. */
  baseUrl: string
  /** The host[:port] as written in ids and links. */
  host: string
  insecure: boolean
}

const NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const UNSAFE = /[\\\s\u0000-\u001f\u007f]/

const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i

/** `option`: the option key the host comes from, named in the error's log line. */
export function parseHost(input: string, what: string, option?: string): ParsedHost {
  const concerns = option === undefined ? {} : { option }
  const raw = input.trim()
  if (raw === '') throw new ConfigError(`${what} is empty`, concerns)
  // Messages quote the setting without any user:password@ it carries.
  const shown = JSON.stringify(raw.replace(USER_INFO, '$1…@'))
  // URL parsing would quietly turn "\\" into "/" and drop tabs and newlines: refuse them instead.
  if (UNSAFE.test(raw))
    throw new ConfigError(`${what} ${shown} is not a host name, host:port or URL`, concerns)
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch (error) {
    throw new ConfigError(`${what} ${shown} is not a host name, host:port or URL`, {
      cause: error,
      ...concerns,
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(
      `${what} must use https (or http for a simulator), not ${url.protocol}`,
      concerns,
    )
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    throw new ConfigError(`${what} must not carry credentials, a query or a fragment`, concerns)
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (isIP(hostname) === 0 && !NAME.test(hostname))
    throw new ConfigError(`${what} ${shown} has an invalid host name`, concerns)
  const path = url.pathname.replace(/\/+$/, '')
  return {
    baseUrl: `${url.origin}${path}`,
    host: url.host.toLowerCase(),
    insecure: url.protocol === 'http:',
  }
}
