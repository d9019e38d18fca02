/**
 * Mistakes in a setting, told apart from failures the next run gets past (docs/reliability.md
 * "Mistakes"): one function
 * maps an error of a remote system to a ConfigError (exit 2) naming the setting, where it is set
 * (src/config/sources.ts) and what to do. What it does not recognise stays as it was: a timeout,
 * a 5xx or a reset mid-run is exit 1, and the next run resumes.
 */
import { NotAedError } from '../aed/client.js'
import type { Sources } from '../config/sources.js'
import { ConfigError } from '../errors.js'
import { RemoteError, type RemoteSystem } from '../http/errors.js'
import { TaxiiUsageError } from '../taxii/client.js'
import { LoginRefusedError } from '../threatq/auth.js'
import { NoDataCollectionError, offeredText } from '../threatq/client.js'

/**
 * `first`: the run's first request to that system. A refused connection there most likely is a
 * wrong host or port (it can be a server that is down: the message says both). Later, the same
 * error is a server that went away mid-run: exit 1.
 */
export type Contact = 'first' | 'later'

interface SystemSettings {
  /** What the system is called in a message. */
  name: string
  address: string
  credentials: string
  certificate: string
}

/** Each system's address, credentials and certificate settings, with their sources. */
function settingsOf(system: RemoteSystem, sources: Sources): SystemSettings {
  const aedCertificate = `set ${sources.option('aed_ca_file')} to the AED's CA certificate (PEM), or run with -d to skip the check`
  switch (system) {
    case 'threatq':
      return {
        name: 'ThreatQ',
        address: sources.threatq('host'),
        credentials: sources.threatqs('username', 'password', 'client_id'),
        certificate: `set ${sources.threatq('ca_file')} to the CA certificate (PEM) that signed ThreatQ's certificate`,
      }
    case 'aed':
      return {
        name: 'AED',
        address: sources.option('hostname'),
        credentials: sources.option('api_token'),
        certificate: aedCertificate,
      }
    case 'taxii':
      return {
        name: "AED's TAXII service",
        address: sources.option('hostname'),
        credentials: sources.options('stix_client_username', 'stix_client_password'),
        certificate: aedCertificate,
      }
    case 'edm':
      return {
        name: 'EDM',
        address: sources.option('edm_host'),
        credentials: sources.option('edm_api_token'),
        certificate: `set ${sources.option('edm_ca_file')} to the EDM's CA certificate (PEM), or run with -d to skip the check`,
      }
  }
}

/** Socket errors of a connection that never opened: nothing listens there, or no such host. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])
/** A certificate that names another host: the address, not the CA, is the likely mistake. */
const WRONG_NAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID'])
const UNTRUSTED = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/

/** The socket or TLS error code in a cause chain (undici wraps some). */
function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code
  }
  return undefined
}

const said = (error: RemoteError): string =>
  `HTTP ${String(error.status)}${error.serverMessage === undefined ? '' : `: ${error.serverMessage}`}`

/** The ConfigError a mistake becomes, or undefined when the error is not a setting's fault. */
export function mistakeOf(
  error: unknown,
  sources: Sources,
  contact: Contact,
): ConfigError | undefined {
  if (error instanceof NoDataCollectionError)
    return new ConfigError(
      `ThreatQ has no data collection named ${JSON.stringify(error.collection)}: set ${sources.option('data_collection')} to one of: ${offeredText(error.offered)}`,
      { option: 'data_collection', cause: error },
    )
  if (error instanceof TaxiiUsageError && error.concerns === 'collection')
    return new ConfigError(`${error.message}: set ${sources.option('aed_collection')}`, {
      option: 'aed_collection',
      cause: error,
    })
  if (error instanceof NotAedError) {
    const refused = error.answer.status === 401 || error.answer.status === 403
    return new ConfigError(
      `${originText(error.answer.url)} is not an AED REST API (${said(error.answer)}): set ${sources.option('hostname')} to the AED appliance${refused ? `; if it is one, check ${sources.option('api_token')}` : ''}`,
      { option: 'hostname', cause: error },
    )
  }
  if (!(error instanceof RemoteError)) return undefined
  const system = settingsOf(error.system, sources)
  const option = error.system === 'threatq' ? undefined : 'hostname'
  if (error instanceof LoginRefusedError)
    return new ConfigError(
      `ThreatQ refused the login (${said(error)}): check ${system.credentials}`,
      {
        cause: error,
      },
    )
  if (error.kind === 'http' && (error.status === 401 || error.status === 403))
    return new ConfigError(
      `${system.name} refused the credentials (${said(error)}): check ${system.credentials}`,
      {
        cause: error,
        ...(error.system === 'aed'
          ? { option: 'api_token' }
          : error.system === 'taxii'
            ? { option: 'stix_client_username, stix_client_password' }
            : {}),
      },
    )
  if (error.kind !== 'network') return undefined
  const code = causeCode(error.cause)
  if (code === undefined) return undefined
  const at = originText(error.url)
  if (WRONG_NAME.has(code))
    return new ConfigError(
      `${system.name}'s certificate is for another name than ${at} (${code}): set ${system.address} to a name the certificate holds`,
      { cause: error, option },
    )
  if (UNTRUSTED.test(code))
    return new ConfigError(
      `${system.name}'s certificate at ${at} is not trusted (${code}): ${system.certificate}`,
      { cause: error, option: error.system === 'threatq' ? 'THREATQ_CA_FILE' : 'aed_ca_file' },
    )
  if (contact === 'first' && UNREACHABLE.has(code))
    return new ConfigError(
      `${system.name} at ${at} cannot be reached (${code}): check ${system.address} (host and port); if it is right, the server is down or a firewall is in the way`,
      { cause: error, option },
    )
  return undefined
}

function originText(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** What an error of a system's first request is thrown as: its mistake, or itself. */
export const firstContactMistake = (error: unknown, sources: Sources): unknown =>
  mistakeOf(error, sources, 'first') ?? error

/** Runs the first request to a system: a mistake it reveals is thrown as a ConfigError. */
export async function firstContact<T>(sources: Sources, contact: () => Promise<T>): Promise<T> {
  try {
    return await contact()
  } catch (error) {
    throw mistakeOf(error, sources, 'first') ?? error
  }
}

/**
 * A TAXII discovery that is not there (404): an AED that serves only the other TAXII version
 * (`stix_version` to fix), or no TAXII service at all at that address (`hostname`). `otherServed`
 * asks the other version's discovery; any answer but "not found" means it is there.
 */
export async function missingDiscovery(
  error: unknown,
  sources: Sources,
  version: '2.0' | '2.1',
  otherServed: () => Promise<boolean>,
): Promise<unknown> {
  if (!(error instanceof RemoteError) || error.kind !== 'http' || error.status !== 404) return error
  const other = version === '2.1' ? '2.0' : '2.1'
  if (await otherServed())
    return new ConfigError(
      `AED serves TAXII ${other}, not ${version} (${error.method} ${error.url}: ${said(error)}): set ${sources.option('stix_version')} to ${other}`,
      { option: 'stix_version', cause: error },
    )
  return new ConfigError(
    `${originText(error.url)} serves no TAXII ${version} or ${other} discovery (${error.method} ${error.url}: ${said(error)}): set ${sources.option('hostname')} to the AED appliance`,
    { option: 'hostname', cause: error },
  )
}

/** Whether a discovery request reached a TAXII service: it answered, or asked for credentials. */
export async function answers(discover: () => Promise<unknown>): Promise<boolean> {
  try {
    await discover()
    return true
  } catch (error) {
    return (
      error instanceof RemoteError &&
      error.kind === 'http' &&
      (error.status === 401 || error.status === 403)
    )
  }
}
