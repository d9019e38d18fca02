/**
 * The clients of one run (or one --check), made in one place and closed together: ThreatQ with
 * its token client, then AED's REST and TAXII clients and EDM once the connector's options say
 * where they are. `await using clients = new RunClients(...)` closes every client it made when
 * the scope ends, whichever way it ends.
 */
import { AedClient } from '../aed/client.js'
import type { ParsedHost } from '../config/host.js'
import type { Options } from '../config/options.js'
import type { Sources } from '../config/sources.js'
import type { State } from '../config/state-file.js'
import { edmClientOf } from '../edm/connect.js'
import type { EdmClient } from '../edm/client.js'
import { createHttpClient, type HttpClientOptions } from '../http/client.js'
import type { TlsOptions } from '../http/dispatcher.js'
import type { RetryOptions } from '../http/retry.js'
import type { Logger } from '../log/logger.js'
import type { Secrets } from '../log/secrets.js'
import { TaxiiClient, taxiiHttpClient } from '../taxii/client.js'
import { ThreatqAuth } from '../threatq/auth.js'
import { ThreatqClient } from '../threatq/client.js'
import { answers, firstContactMistake, missingDiscovery } from './mistakes.js'

/** From the config file's `timeouts:` and `limits:`; undefined keeps a client's default. */
export interface Timeouts {
  /** Per HTTP attempt. */
  httpMs: number | undefined
  /** Polling a pending TAXII status. */
  taxiiStatusMs: number | undefined
  /** Most bytes of one HTTP answer (`limits.response_mib`). */
  responseBytes: number | undefined
  /** --check: one attempt per request, so an unreachable system is one answer, not a wait. */
  retry?: Partial<RetryOptions> | undefined
}

/** Where ThreatQ is and who logs in (connector.ts `connection`). */
export interface ThreatqLogin {
  threatq: ParsedHost
  clientId: string
  username: string
  password: string
  caFile: string | undefined
}

/** What every client made by one RunClients shares. */
export interface ClientSettings {
  logger: Logger
  timeouts: Timeouts
  /** The run's abort (run-signal.ts): deadline, SIGINT, SIGTERM. Every request takes it. */
  signal: AbortSignal | undefined
}

/** Where AED (REST and TAXII) and EDM are and how they are reached, from the connector's options. */
export interface AedSettings {
  options: Options
  aedHost: ParsedHost
  aedTls: TlsOptions
  /** Reads a failed first contact as a mistake in a setting (mistakes.ts); absent: the error. */
  sources?: Sources | undefined
}

/** The AED side's clients; each one made is closed with the run's others. */
export interface AedClients {
  /** The AED REST client (alerts, lists). */
  rest(): AedClient
  /** The TAXII client of `stix_version`, or of the version given. */
  taxii(version?: Options['stix_version']): TaxiiClient
  edm(): EdmClient
}

interface Closable {
  close(): Promise<void>
}

export class RunClients implements AsyncDisposable {
  private readonly opened: Closable[] = []

  constructor(private readonly settings: ClientSettings) {}

  /** ThreatQ's client; a token it is given or refreshes is kept in `state` and in `secrets`. */
  threatq(conn: ThreatqLogin, state: State, secrets: Secrets): ThreatqClient {
    // ThreatQ's certificate is always verified (-d only concerns AED).
    const tls = { verify: true, ...(conn.caFile === undefined ? {} : { caFile: conn.caFile }) }
    const reach = { system: 'threatq', baseUrl: conn.threatq.baseUrl, tls, ...this.http() } as const
    const tokenHttp = this.own(createHttpClient(reach))
    const auth = new ThreatqAuth({
      http: tokenHttp,
      credentials: { clientId: conn.clientId, username: conn.username, password: conn.password },
      token: state.threatq_token,
      onToken: (token) => {
        state.threatq_token = token
      },
      onSecret: (v) => {
        secrets.add(v)
      },
    })
    return this.own(new ThreatqClient(createHttpClient({ ...reach, auth }), this.settings.logger))
  }

  /** The clients of the AED side at `at`. */
  aed(at: AedSettings): AedClients {
    return {
      rest: () => this.rest(at),
      taxii: (version) => this.taxii(at, version),
      edm: () => this.edm(at),
    }
  }

  /**
   * Closes every client made so far, at once. A close that fails is logged, never thrown: thrown
   * from a dispose it would replace the run's own error (as a SuppressedError), or fail a run
   * whose work is done.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const closing = await Promise.allSettled(this.opened.splice(0).map(async (c) => c.close()))
    for (const result of closing) {
      if (result.status === 'rejected')
        this.settings.logger.warn(
          { err: result.reason as unknown },
          'a client did not close cleanly',
        )
    }
  }

  /** Takes a client into the set closed together (protected: a test adds one that fails). */
  protected own<C extends Closable>(client: C): C {
    this.opened.push(client)
    return client
  }

  /** What every HTTP client of the run is given. */
  private http(): Pick<
    HttpClientOptions,
    'logger' | 'timeoutMs' | 'maxResponseBytes' | 'retry' | 'signal'
  > {
    const { logger, timeouts, signal } = this.settings
    return {
      logger,
      timeoutMs: timeouts.httpMs,
      maxResponseBytes: timeouts.responseBytes,
      retry: timeouts.retry,
      signal,
    }
  }

  private rest({ options, aedHost, aedTls, sources }: AedSettings): AedClient {
    const http = createHttpClient({
      system: 'aed',
      baseUrl: aedHost.baseUrl,
      tls: aedTls,
      auth: { headers: () => ({ 'x-arbux-apitoken': options.api_token ?? '' }) },
      ...this.http(),
    })
    return this.own(
      new AedClient(http, this.settings.logger, options.aed_api_version, (error) =>
        sources === undefined ? error : firstContactMistake(error, sources),
      ),
    )
  }

  private taxii(at: AedSettings, version = at.options.stix_version): TaxiiClient {
    const { options, sources } = at
    const { logger, timeouts, signal } = this.settings
    const http = taxiiHttpClient({
      url: at.aedHost.baseUrl,
      username: options.stix_client_username ?? '',
      password: options.stix_client_password ?? '',
      tls: at.aedTls,
      ...this.http(),
    })
    const other = version === '2.1' ? '2.0' : '2.1'
    return this.own(
      new TaxiiClient(http, {
        version,
        logger,
        signal,
        ...(timeouts.taxiiStatusMs === undefined
          ? {}
          : { poll: { timeoutMs: timeouts.taxiiStatusMs } }),
        // The discovery is TAXII's first contact: a 404 there asks which version the AED serves.
        ...(sources === undefined
          ? {}
          : {
              firstContact: async (error: unknown) =>
                firstContactMistake(
                  await missingDiscovery(error, sources, version, () =>
                    // Asked without a reading of its own: only what it answers matters here.
                    answers(() => this.taxii({ ...at, sources: undefined }, other).discover()),
                  ),
                  sources,
                ),
            }),
      }),
    )
  }

  private edm({ options, aedTls }: AedSettings): EdmClient {
    const { timeoutMs, maxResponseBytes, retry, signal } = this.http()
    return this.own(
      edmClientOf(options, {
        verifyTls: aedTls.verify,
        logger: this.settings.logger,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
        retry,
        signal,
      }),
    )
  }
}
