/**
 * ThreatQ OAuth tokens (docs/threatq-api.md, "Authentication"): the password grant in the SDK's
 * encoding (grant type and client id in the query, e-mail and password as JSON), the refresh grant,
 * and a fresh login when refreshing fails. Tokens are handed to `onToken` to persist in the state
 * file.
 */
import { z } from 'zod'
import type { AuthHook, HttpClient } from '../http/client.js'
import { parseJsonBody } from '../http/json.js'
import { RemoteError } from '../http/errors.js'

/** A token as the state file keeps it between runs (src/config/state-file.ts). */
export const threatqTokenSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  expires_at: z.string(),
})

export type ThreatqToken = z.infer<typeof threatqTokenSchema>

export interface ThreatqCredentials {
  clientId: string
  username: string
  password: string
}

const tokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
})

/** [I] threatqsdk assumes 30 minutes when the server does not say. */
const DEFAULT_LIFETIME_S = 30 * 60
/** Refresh this long before expiry, so a token never dies mid-request. */
const EARLY_S = 60

export interface ThreatqAuthOptions {
  /** An HTTP client for the token endpoint, without auth. */
  http: HttpClient
  credentials: ThreatqCredentials
  token?: ThreatqToken | undefined
  onToken?: (token: ThreatqToken) => void
  now?: () => number
  /** Learned secrets are registered here so they are scrubbed from logs. */
  onSecret?: (value: string | undefined) => void
}

export class ThreatqAuth implements AuthHook {
  private token: ThreatqToken | undefined
  private pending: Promise<void> | undefined
  private readonly now: () => number

  constructor(private readonly options: ThreatqAuthOptions) {
    this.token = options.token
    this.now = options.now ?? Date.now
    if (this.token !== undefined) {
      options.onSecret?.(this.token.access_token)
      options.onSecret?.(this.token.refresh_token)
    }
  }

  async headers(): Promise<Record<string, string>> {
    const token = this.token
    if (token === undefined || Date.parse(token.expires_at) - EARLY_S * 1000 <= this.now())
      await this.once(() =>
        token?.refresh_token === undefined ? this.login() : this.refreshOrLogin(),
      )
    // ThreatQ rejects the lowercase `bearer` scheme.
    return { authorization: `Bearer ${this.token?.access_token ?? ''}` }
  }

  /** Called by the HTTP layer after a 401: one refresh, then the request is retried once. */
  async refresh(): Promise<void> {
    await this.once(() => this.refreshOrLogin())
  }

  /** Concurrent callers share one token request. */
  private async once(fn: () => Promise<void>): Promise<void> {
    this.pending ??= fn().finally(() => {
      this.pending = undefined
    })
    await this.pending
  }

  private async refreshOrLogin(): Promise<void> {
    const refreshToken = this.token?.refresh_token
    if (refreshToken !== undefined) {
      try {
        await this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken }, undefined)
        return
      } catch {
        // An expired or revoked refresh token: log in again below.
      }
    }
    await this.login()
  }

  private async login(): Promise<void> {
    const { clientId, username, password } = this.options.credentials
    try {
      await this.grant(
        { grant_type: 'password', client_id: clientId },
        { email: username, password },
      )
    } catch (error) {
      // 400 invalid_grant / invalid_client, or 401 (docs/threatq-api.md, "Authentication"): the
      // answers are wrong.
      if (error instanceof RemoteError && (error.status === 400 || error.status === 401))
        throw new LoginRefusedError(error)
      throw error
    }
  }

  private async grant(query: Record<string, string>, body: object | undefined): Promise<void> {
    const response = await this.options.http.request({
      method: 'POST',
      path: '/api/token',
      query,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const parsed = parseJsonBody('threatq', response, tokenResponse, 'the token response')
    this.options.onSecret?.(parsed.access_token)
    this.options.onSecret?.(parsed.refresh_token)
    this.token = {
      access_token: parsed.access_token,
      ...(parsed.refresh_token === undefined ? {} : { refresh_token: parsed.refresh_token }),
      expires_at: new Date(
        this.now() + (parsed.expires_in ?? DEFAULT_LIFETIME_S) * 1000,
      ).toISOString(),
    }
    this.options.onToken?.(this.token)
  }
}

/** ThreatQ refused the password grant: the client id, username or password is wrong. */
export class LoginRefusedError extends RemoteError {
  override name = 'LoginRefusedError'
  constructor(refused: RemoteError) {
    super({
      system: refused.system,
      kind: refused.kind,
      method: refused.method,
      url: refused.url,
      ...(refused.status === undefined ? {} : { status: refused.status }),
      ...(refused.serverMessage === undefined ? {} : { serverMessage: refused.serverMessage }),
      retryable: false,
      cause: refused,
    })
  }
}
