import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js'
import { Secrets } from '../log/secrets.js'
import { ThreatqAuth } from './auth.js'

/** A token endpoint that issues access-N / refresh-N, N counting up. */
function tokenEndpoint(): HttpClient & { grants: number } {
  const http = {
    system: 'threatq' as const,
    baseUrl: 'https://tq.example',
    grants: 0,
    request: (request: HttpRequest): Promise<HttpResponse> => {
      http.grants += 1
      const n = String(http.grants)
      return Promise.resolve({
        status: 200,
        headers: {} as HttpResponse['headers'],
        url: `https://tq.example${request.path}`,
        method: request.method ?? 'GET',
        body: JSON.stringify({
          access_token: `access-token-${n}`,
          refresh_token: `refresh-token-${n}`,
          expires_in: 3600,
        }),
      })
    },
    close: () => Promise.resolve(),
  }
  return http
}

describe('ThreatqAuth and the secrets registry (tokens rotate during a run)', () => {
  it('registers every token as it is issued, before it is used, and keeps the old ones', async () => {
    const secrets = new Secrets()
    const auth = new ThreatqAuth({
      http: tokenEndpoint(),
      credentials: { clientId: 'cid', username: 'u@example.com', password: 'pw-123456' },
      onSecret: (v) => {
        secrets.add(v)
      },
    })
    const first = await auth.headers()
    assert.equal(secrets.scrub(first.authorization ?? ''), 'Bearer [REDACTED]')
    await auth.refresh()
    const second = await auth.headers()
    assert.equal(second.authorization, 'Bearer access-token-2')
    assert.equal(
      secrets.scrub('access-token-1 refresh-token-1 access-token-2 refresh-token-2'),
      '[REDACTED] [REDACTED] [REDACTED] [REDACTED]',
    )
  })

  it('registers the tokens loaded from the state file', () => {
    const secrets = new Secrets()
    new ThreatqAuth({
      http: tokenEndpoint(),
      credentials: { clientId: 'cid', username: 'u@example.com', password: 'pw-123456' },
      token: {
        access_token: 'stored-access',
        refresh_token: 'stored-refresh',
        expires_at: new Date(0).toISOString(),
      },
      onSecret: (v) => {
        secrets.add(v)
      },
    })
    assert.equal(secrets.scrub('stored-access stored-refresh'), '[REDACTED] [REDACTED]')
  })
})
