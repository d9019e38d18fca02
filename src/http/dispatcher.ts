/** One undici dispatcher per remote system: its own TLS settings, proxy and keep-alive pool. */
import { readFileSync } from 'node:fs'
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from 'undici'

export interface TlsOptions {
  /** Verify the server certificate (default true); false only when the user asks for it. */
  verify: boolean
  /** PEM file of CA certificates to trust (e.g. the appliance's self-signed CA). */
  caFile?: string
  /** The same as PEM text. */
  ca?: string
}

export interface DispatcherOptions {
  tls?: TlsOptions | undefined
  /** Explicit proxy URL (credentials allowed in it); otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  proxy?: string | undefined
  /** Where the proxy variables are read from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const tls = options.tls ?? { verify: true }
  const ca = tls.ca ?? (tls.caFile === undefined ? undefined : readCaFile(tls.caFile))
  const connect = { rejectUnauthorized: tls.verify, ...(ca === undefined ? {} : { ca }) }
  if (options.proxy !== undefined && options.proxy !== '') {
    return new ProxyAgent({ uri: options.proxy, requestTls: connect })
  }
  const env = options.env ?? process.env
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy
  if (!httpProxy && !httpsProxy) return new Agent({ connect })
  // Pass every variable explicitly: undefined would make undici read process.env itself.
  return new EnvHttpProxyAgent({
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? httpProxy ?? '',
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
    connect,
    requestTls: connect,
  })
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read the CA file ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}
