/** The one error type of every remote call: which system, which request (redacted), what failed. */
import { oneLine } from '../log/one-line.js'

export type RemoteSystem = 'threatq' | 'aed' | 'taxii' | 'edm'

/**
 * `http`: the server answered with an unexpected status; `network`: no answer (DNS, refused,
 * reset, TLS); `timeout`: no complete answer in time; `parse`: an answer we cannot use;
 * `origin`: a URL a server handed us is on another origin than the configured one, so it was not
 * requested (origin.ts); `too-large`: the answer passed the response size limit.
 */
export type RemoteErrorKind = 'http' | 'network' | 'timeout' | 'parse' | 'origin' | 'too-large'

/** The setting that names each system's address, for messages that send the operator there. */
export const ADDRESS_SETTING: Readonly<Record<RemoteSystem, string>> = {
  threatq: 'ThreatQ Host (threatq.host in the config file, or THREATQ_HOST)',
  aed: 'the hostname option',
  taxii: 'the hostname option',
  edm: 'the edm_host option',
}

export interface RemoteErrorInit {
  system: RemoteSystem
  kind: RemoteErrorKind
  method: string
  /** Raw request URL: it is redacted before it is stored. */
  url: string
  status?: number
  /** What the server said, extracted from its error body. */
  serverMessage?: string
  /** Extra text: what failed in a `parse` error, why a redirect was refused, what timed out. */
  detail?: string
  retryable: boolean
  /** Raw `Retry-After` header of the response, if any. */
  retryAfter?: string
  cause?: unknown
}

export class RemoteError extends Error {
  override name = 'RemoteError'
  readonly system: RemoteSystem
  readonly kind: RemoteErrorKind
  readonly method: string
  readonly url: string
  readonly status: number | undefined
  readonly serverMessage: string | undefined
  readonly retryable: boolean
  readonly retryAfter: string | undefined

  constructor(init: RemoteErrorInit) {
    const url = redactUrl(init.url)
    // Cause texts can quote URLs (undici does): user info is stripped from the whole message.
    // One line whatever a server put in it (its message, a header it sent): see oneLine.
    super(oneLine(describe({ ...init, url }).replace(USER_INFO, '//')), { cause: init.cause })
    this.system = init.system
    this.kind = init.kind
    this.method = init.method
    this.url = url
    this.status = init.status
    this.serverMessage = init.serverMessage
    this.retryable = init.retryable
    this.retryAfter = init.retryAfter
  }
}

function describe(init: RemoteErrorInit): string {
  const request = `${init.system} ${init.method} ${init.url}`
  const said = init.serverMessage === undefined ? '' : `: ${init.serverMessage}`
  switch (init.kind) {
    case 'http':
      return `${request} failed with HTTP ${String(init.status)}${said}${init.detail === undefined ? '' : ` (${init.detail})`}`
    case 'timeout':
      return `${request} timed out${init.detail === undefined ? '' : ` (${init.detail})`}`
    case 'network':
      return `${request} failed: ${init.detail ?? causeText(init.cause)}`
    case 'parse':
      return `${request} returned an unusable response: ${init.detail ?? causeText(init.cause)}`
    case 'origin':
      return `${request} refused: ${init.detail ?? 'another origin than the configured one'}`
    case 'too-large':
      return `${request} refused: ${init.detail ?? 'the answer is larger than the response size limit'}`
  }
}

/** undici's request() rejects with the socket's own error (ECONNREFUSED, cert errors), unwrapped. */
function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && !error.message.includes(code)
    ? `${code} ${error.message}`
    : error.message
}

const USER_INFO = /\/\/[^/\s@]+@/g

/** Query parameters whose values are secrets (matched case-insensitively, by substring). */
const SECRET_PARAM = /token|password|passwd|secret|api[-_]?key|auth|signature|credential/i

/** Drops user info and masks secret query values, so a URL can go into messages and logs. */
export function redactUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return raw.replace(USER_INFO, '//')
  }
  url.username = ''
  url.password = ''
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(key)) url.searchParams.set(key, 'REDACTED')
  }
  return url.toString()
}

const MAX_MESSAGE = 300

/**
 * The server's own words from an error body: TAXII `{title, description}`, AED `{errors, message}`,
 * ThreatQ `{error, error_description}` or `{errors}`; otherwise the start of the text.
 */
export function extractServerMessage(body: string): string | undefined {
  const text = body.trim()
  if (text === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return clip(
      text
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
  }
  const found = messageOf(parsed)
  return found === undefined ? clip(text) : clip(found)
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (Array.isArray(value)) {
    const parts = value.map(messageOf).filter((m) => m !== undefined)
    return parts.length === 0 ? undefined : parts.join('; ')
  }
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  const title = messageOf(record.title) ?? messageOf(record.error)
  const description =
    messageOf(record.description) ?? messageOf(record.error_description) ?? messageOf(record.detail)
  if (title !== undefined && description !== undefined) return `${title}: ${description}`
  return title ?? description ?? messageOf(record.errors) ?? messageOf(record.message)
}

/** At most MAX_MESSAGE characters, on one line: a server's words must not forge lines of ours. */
function clip(text: string): string | undefined {
  if (text === '') return undefined
  return oneLine(text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text)
}
