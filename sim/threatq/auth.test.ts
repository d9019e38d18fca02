import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createThreatqSim, DEFAULT_CLIENT, DEFAULT_USER } from './app.js'
import { at, SimClient } from './test-support.js'

function setup(tokenTtlSeconds?: number): { client: SimClient; advance: (ms: number) => void } {
  let now = Date.UTC(2026, 0, 1)
  const sim = createThreatqSim({
    clock: () => now,
    ...(tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds }),
  })
  return {
    client: new SimClient(sim),
    advance: (ms) => {
      now += ms
    },
  }
}

const { email, password, clientId } = DEFAULT_USER

async function tokenOf(client: SimClient, ...args: Parameters<SimClient['raw']>): Promise<string> {
  const res = await client.raw(...args)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(at(res.body, 'token_type'), 'Bearer')
  assert.equal(typeof at(res.body, 'refresh_token'), 'string')
  const token = at(res.body, 'access_token')
  assert.equal(typeof token, 'string')
  return token as string
}

async function whoami(client: SimClient, authorization: string): Promise<number> {
  return (await client.raw('GET', '/api/users/current', undefined, { authorization })).status
}

describe('POST /api/token', () => {
  it('password grant, variant A: grant_type and client_id in the query, JSON body', async () => {
    const { client } = setup()
    const token = await tokenOf(
      client,
      'POST',
      `/api/token?grant_type=password&client_id=${clientId}`,
      {
        email,
        password,
      },
    )
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
  })

  it('password grant, variant B: everything in a JSON body', async () => {
    const { client } = setup()
    const token = await tokenOf(client, 'POST', '/api/token', {
      email,
      password,
      grant_type: 'password',
      client_id: clientId,
    })
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
  })

  it('password grant, variant C: form-encoded body', async () => {
    const { client } = setup()
    const form = new URLSearchParams({
      grant_type: 'password',
      email,
      password,
      client_id: clientId,
    })
    const token = await tokenOf(client, 'POST', '/api/token', form.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    })
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
  })

  it('client_credentials with HTTP Basic (a JSON array body is ignored)', async () => {
    const { client } = setup()
    const basic = Buffer.from(`${DEFAULT_CLIENT.clientId}:${DEFAULT_CLIENT.clientSecret}`).toString(
      'base64',
    )
    const token = await tokenOf(
      client,
      'POST',
      '/api/token?grant_type=client_credentials',
      '["x","y"]',
      {
        authorization: `Basic ${basic}`,
        'content-type': 'application/json',
      },
    )
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
    const wrong = Buffer.from(`${DEFAULT_CLIENT.clientId}:nope`).toString('base64')
    const res = await client.raw('POST', '/api/token?grant_type=client_credentials', undefined, {
      authorization: `Basic ${wrong}`,
    })
    assert.equal(res.status, 400)
  })

  it('refresh_token issues a new pair; a refresh token works once', async () => {
    const { client } = setup()
    const first = await client.raw('POST', `/api/token?grant_type=password&client_id=${clientId}`, {
      email,
      password,
    })
    const refresh = at(first.body, 'refresh_token') as string
    const path = `/api/token?grant_type=refresh_token&refresh_token=${refresh}`
    const token = await tokenOf(client, 'POST', path, undefined, {
      authorization: `Bearer ${at(first.body, 'access_token') as string}`,
    })
    assert.notEqual(token, at(first.body, 'access_token'))
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
    assert.equal((await client.raw('POST', path)).status, 400, 'a used refresh token is refused')
  })

  it('answers 400 with {"errors": [...]} on bad credentials', async () => {
    const { client } = setup()
    for (const body of [
      { email, password: 'wrong', grant_type: 'password', client_id: clientId },
      { email, password, grant_type: 'password', client_id: 'wrong-client' },
      { email: 'nobody@x', password, grant_type: 'password', client_id: clientId },
      { grant_type: 'made_up' },
    ]) {
      const res = await client.raw('POST', '/api/token', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.ok(Array.isArray(at(res.body, 'errors')))
    }
  })

  it('expires_in is configurable, and tokens stop working after it (401)', async () => {
    const { client, advance } = setup(120)
    const res = await client.raw('POST', '/api/token', {
      email,
      password,
      grant_type: 'password',
      client_id: clientId,
    })
    assert.equal(at(res.body, 'expires_in'), 120)
    const auth = `Bearer ${at(res.body, 'access_token') as string}`
    advance(119_000)
    assert.equal(await whoami(client, auth), 200)
    advance(1_000)
    assert.equal(await whoami(client, auth), 401)
  })

  it('/_sim/tokens sets expires_in and expires every token now', async () => {
    const { client } = setup()
    const set = await client.raw('POST', '/_sim/tokens', { ttlSeconds: 42 })
    assert.equal(at(set.body, 'ttlSeconds'), 42)
    const token = await client.login()
    assert.equal(await whoami(client, `Bearer ${token}`), 200)
    const expired = await client.raw('POST', '/_sim/tokens', { expire: true })
    assert.equal(at(expired.body, 'expired'), 1)
    assert.equal(await whoami(client, `Bearer ${token}`), 401)
  })

  it('answers 401 for unknown tokens, a missing header and a lowercase bearer scheme', async () => {
    const { client } = setup()
    const token = await client.login()
    assert.equal(await whoami(client, 'Bearer not-a-token'), 401)
    assert.equal(await whoami(client, ''), 401)
    assert.equal(await whoami(client, `bearer ${token}`), 401)
    const res = await client.raw('GET', '/api/indicators', undefined, {
      authorization: `bearer ${token}`,
    })
    assert.equal(res.status, 401)
    assert.ok(Array.isArray(at(res.body, 'errors')))
  })
})
