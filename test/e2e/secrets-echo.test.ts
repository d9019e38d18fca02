/**
 * Secrets echoed back (docs/reliability.md, "Hostile input"): a hostile or broken server whose
 * error body quotes the credentials it received. None of the secrets, in any of the forms a server
 * could echo them (raw, `user:password`, base64, `Basic …`, `Bearer …`, JSON-escaped, URL-encoded),
 * may reach stdout, stderr, the log file or an --output file.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { faults, freshStart, inject } from '../helpers/faults.js'
import { tempDir, type CliResult } from '../../sim/world/processes.js'
import { CREDS, startWorld, type World } from '../../sim/world/world.js'

const NAME = 'echo'
const SEQUENTIAL = { concurrency: 1 }
const basic = Buffer.from(`${CREDS.taxiiUser}:${CREDS.taxiiPassword}`).toString('base64')

/** Every form of a secret a server might quote back. */
function forms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]
}

const STATIC_SECRETS = [
  CREDS.password,
  CREDS.aedToken,
  CREDS.taxiiPassword,
  `${CREDS.taxiiUser}:${CREDS.taxiiPassword}`,
  basic,
]

async function read(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '')
}

describe('secrets echoed back by a server (real CLI, simulators over sockets)', SEQUENTIAL, () => {
  let world: World
  let tokens: string[] = []

  before(async () => {
    world = await startWorld({ seed: 5 })
    await world.configure({}, NAME)
  })
  after(async () => {
    await world.stop()
  })

  /** Runs with -ll and --output, and checks every stream and file for every secret form. */
  async function runAndCheck(args: string[], output?: string): Promise<CliResult> {
    const logDir = await tempDir('tq-aed-echo-log-')
    const outputArgs = output === undefined ? [] : ['--output', output]
    const result = await world.run(['-n', NAME, '-ll', logDir, ...args, ...outputArgs])
    assert.notEqual(result.code, 0, result.stderr)
    const streams: Record<string, string> = {
      stdout: result.stdout,
      stderr: result.stderr,
      log: await read(join(logDir, `${NAME}.log`)),
      output: output === undefined ? '' : await read(output),
    }
    assert.match(streams.log ?? '', /REDACTED/, 'the echo reached the log, scrubbed')
    const leaks = new Set<string>()
    for (const secret of [...STATIC_SECRETS, ...tokens])
      for (const form of forms(secret))
        for (const [stream, text] of Object.entries(streams))
          if (text.includes(form)) leaks.add(`${stream} holds ${JSON.stringify(form)}`)
    assert.deepEqual([...leaks], [], result.stderr)
    return result
  }

  /** The run's live ThreatQ tokens, from the state file the first run wrote. */
  async function liveTokens(): Promise<string[]> {
    const state = JSON.parse(await read(join(world.configDir, `${NAME}.state.json`))) as {
      threatq_token?: { access_token?: string; refresh_token?: string }
    }
    const t = state.threatq_token
    return [t?.access_token, t?.refresh_token].filter((v): v is string => v !== undefined)
  }

  it('AED REST answers 401 quoting the API token', async () => {
    await freshStart(world, NAME, {})
    await inject(
      world.aed,
      faults('GET', '^/api/aed/v3/alerts/$').always({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({
          errors: [{ detail: `bad X-Arbux-APIToken: ${CREDS.aedToken}` }],
          message: `token ${encodeURIComponent(CREDS.aedToken)} refused`,
        }),
      }),
    )
    const result = await runAndCheck(['-i'])
    assert.match(result.stderr, /REDACTED/)
  })

  it('AED TAXII answers 400 quoting the Authorization header and user:password', async () => {
    await freshStart(world, NAME, {})
    await inject(
      world.aed,
      faults('POST', '/collections/[^/]+/objects/$').always({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          title: `bad Authorization: Basic ${basic}`,
          description: `${CREDS.taxiiUser}:${CREDS.taxiiPassword} / ${encodeURIComponent(basic)}`,
        }),
      }),
    )
    const result = await runAndCheck(['-e'])
    assert.match(result.stderr, /REDACTED/)
  })

  it('ThreatQ answers 400 quoting the bearer token, the refresh token and the password', async () => {
    await freshStart(world, NAME, {})
    // A first run (here: interrupted) leaves the tokens the next run starts with.
    await world.run(['-n', NAME, '--dry-run'])
    tokens = await liveTokens()
    assert.ok(tokens.length > 0, 'the state file holds the ThreatQ tokens')
    await inject(
      world.threatq,
      faults('POST', '^/api/indicators/query$').always({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          error: `Authorization: Bearer ${tokens[0] ?? ''}`,
          error_description: `${tokens.join(' ')} ${JSON.stringify({ password: CREDS.password })}`,
        }),
      }),
    )
    const output = join(await tempDir('tq-aed-echo-out-'), 'dry-run.json')
    const result = await runAndCheck(['-e', '--dry-run'], output)
    assert.match(result.stderr, /REDACTED/)
  })
})
