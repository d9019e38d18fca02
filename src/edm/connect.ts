/**
 * The EDM client of a run, from the connector's options (edm_host, edm_api_token, edm_ca_file):
 * the same HTTP layer, TLS rule, timeouts and response cap as the AED client (src/cli/clients.ts).
 */
import type { Options } from '../config/options.js'
import { parseHost, type ParsedHost } from '../config/host.js'
import { ConfigError } from '../errors.js'
import { createHttpClient } from '../http/client.js'
import type { TlsOptions } from '../http/dispatcher.js'
import type { RetryOptions } from '../http/retry.js'
import type { Logger } from '../log/logger.js'
import { EdmClient } from './client.js'

export interface EdmConnection {
  /** False with --disable-ssl. */
  verifyTls: boolean
  logger: Logger
  timeoutMs?: number
  maxResponseBytes?: number
  /** The run's retry settings (--check: one attempt); undefined keeps the HTTP layer's. */
  retry?: Partial<RetryOptions> | undefined
  /** The run's abort (deadline, SIGINT, SIGTERM), as every other client takes it. */
  signal?: AbortSignal | undefined
}

type EdmOptions = Pick<Options, 'edm_host' | 'edm_api_token' | 'edm_ca_file'>

/** `edm_host` read as `hostname` is; a missing host or token is a setting mistake naming it. */
function edmHost(options: EdmOptions): ParsedHost {
  if (options.edm_host === undefined)
    throw new ConfigError('alert_source edm needs edm_host (the EDM host name or URL)', {
      option: 'edm_host',
    })
  return parseHost(options.edm_host, 'EDM Host (edm_host)', 'edm_host')
}

/** The client; the caller closes it. The token is registered as a secret by the connector. */
export function edmClientOf(options: EdmOptions, connection: EdmConnection): EdmClient {
  const host = edmHost(options)
  const token = options.edm_api_token
  if (token === undefined)
    throw new ConfigError('alert_source edm needs edm_api_token (an EDM API token)', {
      option: 'edm_api_token',
    })
  if (host.insecure) connection.logger.warn({ host: host.host }, 'EDM is reached over plain http')
  const tls: TlsOptions = {
    verify: connection.verifyTls,
    ...(options.edm_ca_file === undefined ? {} : { caFile: options.edm_ca_file }),
  }
  const http = createHttpClient({
    system: 'edm',
    baseUrl: host.baseUrl,
    tls,
    logger: connection.logger,
    ...(connection.timeoutMs === undefined ? {} : { timeoutMs: connection.timeoutMs }),
    ...(connection.maxResponseBytes === undefined
      ? {}
      : { maxResponseBytes: connection.maxResponseBytes }),
    ...(connection.retry === undefined ? {} : { retry: connection.retry }),
    ...(connection.signal === undefined ? {} : { signal: connection.signal }),
  })
  return new EdmClient(http, connection.logger, { token })
}
