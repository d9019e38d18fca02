/**
 * `POST /api/token` (docs/threatq-api.md, "Authentication"): the password grant in its three
 * encodings (query string plus JSON body, all-JSON, form-encoded), client_credentials with HTTP
 * Basic (or query parameters), and refresh_token. Bad credentials answer 400; an unknown or expired
 * bearer token, and a lowercase `bearer` scheme, answer 401.
 */
import { randomBytes } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { ApiError, plainError } from './errors.js'
import { isObject, type Attribution } from './ingest.js'

export interface UserCredentials {
  email: string
  password: string
  /** The user's "API credentials – Client ID" sent with the password grant. */
  clientId: string
}

export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

interface Grant {
  subject: Attribution
  accessExpiresAt: number
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token: string
}

/** [I] `expires_in` of real servers seen as 3600 (XSOAR, Kibana fixtures). */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600

const opaque = (): string => randomBytes(20).toString('hex')

export class TokenService {
  private readonly access = new Map<string, Grant>()
  private readonly refresh = new Map<string, Attribution>()

  constructor(
    private readonly users: readonly UserCredentials[],
    private readonly clients: readonly ClientCredentials[],
    /** Epoch milliseconds. */
    private readonly clock: () => number,
    public ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
  ) {}

  private issue(subject: Attribution): TokenResponse {
    const access = opaque()
    const refresh = opaque()
    this.access.set(access, { subject, accessExpiresAt: this.clock() + this.ttlSeconds * 1000 })
    this.refresh.set(refresh, subject)
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.ttlSeconds,
      refresh_token: refresh,
    }
  }

  /** Handles one token request given the merged parameters and the Authorization header. */
  grant(params: Record<string, string>, authorization: string | undefined): TokenResponse {
    const grantType = params.grant_type ?? (params.email !== undefined ? 'password' : undefined)
    switch (grantType) {
      case 'password': {
        const email = params.email ?? params.username
        const user = this.users.find(
          (u) =>
            u.email.toLowerCase() === email?.toLowerCase() &&
            u.password === params.password &&
            u.clientId === params.client_id,
        )
        if (user === undefined) throw plainError(400, 'The user credentials were incorrect.')
        return this.issue({ name: user.email, sourceType: 'users' })
      }
      case 'client_credentials': {
        const basic = parseBasic(authorization)
        const id = basic?.[0] ?? params.client_id
        const secret = basic?.[1] ?? params.client_secret
        const client = this.clients.find((c) => c.clientId === id && c.clientSecret === secret)
        if (client === undefined) throw plainError(400, 'Client authentication failed.')
        return this.issue({ name: `oauth client ${client.clientId}`, sourceType: 'users' })
      }
      case 'refresh_token': {
        const token = params.refresh_token ?? ''
        const subject = this.refresh.get(token)
        if (subject === undefined) throw plainError(400, 'The refresh token is invalid.')
        this.refresh.delete(token)
        return this.issue(subject)
      }
      default:
        throw plainError(400, 'The authorization grant type is not supported.')
    }
  }

  /** The subject of a valid `Authorization: Bearer <token>` header, else a 401 ApiError. */
  verify(authorization: string | undefined): Attribution {
    // Real servers reject a lowercase `bearer` scheme (docs/threatq-api.md, "Authentication").
    const m = /^Bearer (\S+)$/.exec(authorization ?? '')
    const grant = m?.[1] === undefined ? undefined : this.access.get(m[1])
    if (grant === undefined || grant.accessExpiresAt <= this.clock()) {
      throw plainError(401, 'Unauthenticated.')
    }
    return grant.subject
  }

  /** Admin hook: every access token issued so far expires now. */
  expireAll(): number {
    const now = this.clock()
    for (const grant of this.access.values()) grant.accessExpiresAt = now
    return this.access.size
  }

  get activeCount(): number {
    const now = this.clock()
    let n = 0
    for (const g of this.access.values()) if (g.accessExpiresAt > now) n++
    return n
  }
}

function parseBasic(header: string | undefined): [string, string] | undefined {
  const m = /^Basic (\S+)$/i.exec(header ?? '')
  if (m?.[1] === undefined) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString()
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))]
}

/** Query string merged with a JSON or form body (body wins). */
export async function tokenParams(c: Context): Promise<Record<string, string>> {
  const params: Record<string, string> = { ...c.req.query() }
  const type = c.req.header('content-type') ?? ''
  const raw = await c.req.text()
  if (raw.trim() === '') return params
  let body: unknown
  if (type.includes('json') || /^\s*[[{]/.test(raw)) {
    try {
      body = JSON.parse(raw)
    } catch (cause) {
      throw new ApiError(400, { errors: ['The request body is not valid JSON.'] }, { cause })
    }
  } else {
    body = Object.fromEntries(new URLSearchParams(raw))
  }
  // The SDK's client_credentials path also sends the pair as a JSON array; it is ignored.
  if (isObject(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === 'string' || typeof v === 'number') params[k] = String(v)
    }
  }
  return params
}

export type AuthVariables = { subject: Attribution }

export function bearerAuth(tokens: TokenService): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    c.set('subject', tokens.verify(c.req.header('authorization')))
    await next()
  }
}
