/**
 * Mistakes (docs/reliability.md, "Mistakes"): each mistake in a setting ends the run with exit 2
 * and one line naming the setting, where it is set and what to do (src/cli/mistakes.ts); a
 * transient failure stays exit 1. Real CLI against the simulators over sockets.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import { assertClearFailure, FAULT, faults, inject } from '../helpers/faults.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { BIN, CONNECTOR, runCli, tempDir, type CliResult } from '../../sim/world/processes.js'
import { CREDS, startWorld, type World } from '../../sim/world/world.js'

const PROGRAM = 'tq-conn-netscout-aed'

/**
 * The run's closing line, asserting it is the only plain line on stderr (the others are the JSON
 * log) and that its message is printed once: not twice in one line, not again outside the log.
 */
function closingLine(result: CliResult): string {
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l !== '')
  const json = lines.filter((l) => l.startsWith('{"level":'))
  const plain = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{"level":'))
  assert.equal(plain.length, 1, `one plain line on stderr:\n${result.stderr}`)
  const line = plain[0] ?? ''
  const message = line.slice(`${PROGRAM}: `.length)
  const times = (text: string) => text.split(message).length - 1
  assert.equal(times(lines.filter((l) => !json.includes(l)).join('\n')), 1, 'printed once')
  // The JSON log's record of it (for log collectors) holds it once, the cause not repeated.
  for (const l of json) {
    const record = JSON.parse(l) as { err?: { message?: string } }
    if (record.err?.message !== undefined) assert.equal(times(record.err.message), 1, l)
  }
  return line
}

function assertMistake(result: CliResult, expected: string): void {
  assert.equal(result.code, 2, `exit 2 expected:\n${result.stderr}`)
  assert.equal(closingLine(result), `${PROGRAM}: ${expected}`)
}

const UI = 'in the ThreatQ UI connector options'

/** `<name>.yaml` with one `options:` entry, as a person edits it. */
async function setLocalOption(config: string, entry: string): Promise<void> {
  const text = await readFile(config, 'utf8')
  const cleared = text.replace(/^options:(?: \{\}|(?:\n {2}.*)*)/m, 'options: {}')
  await writeFile(config, cleared.replace('options: {}', `options:\n  ${entry}`))
}

describe('mistakes: exit 2, the setting, where it came from, the fix', () => {
  let world: World
  before(async () => {
    world = await startWorld({ seed: 20 })
  })
  after(async () => {
    await world.stop()
  })

  /** A configured instance of its own, enabled with the world's options plus `options`. */
  async function instance(name: string, options: Record<string, string> = {}): Promise<string> {
    await world.configure({ stix_version: '2.0', ...options }, name)
    return join(world.configDir, `${name}.yaml`)
  }

  it('wrong ThreatQ password at the first run without a terminal: named, the answers kept', async () => {
    const dir = await tempDir('tq-aed-mistake-first-')
    const config = join(dir, 'netscout-aed.yaml')
    const bad = await runCli(['-c', dir, '--non-interactive'], {
      ...world.env,
      THREATQ_PASSWORD: 'not-the-password',
    })
    assertMistake(
      bad,
      'ThreatQ refused the login (HTTP 400: The user credentials were incorrect.): check environment variables THREATQ_USERNAME, THREATQ_PASSWORD and THREATQ_CLIENT_ID' +
        `; the first-run answers are saved in ${config}: correct the wrong one and run again`,
    )
    const saved = await readFile(config, 'utf8')
    assert.match(saved, /client_id: client-id-123/)
    assert.match(saved, /status: Review/)
    // The next run with the right password goes on from the saved answers: no prompts again.
    const next = await runCli(['-c', dir, '--non-interactive'], world.env)
    assert.equal(next.code, 4, next.stderr)
    assert.match(next.stdout, /not enabled in ThreatQ/)
  })

  it('wrong ThreatQ password in the config file on a later run', async () => {
    const config = await instance('tq-password')
    const text = await readFile(config, 'utf8')
    await writeFile(config, text.replace(CREDS.password, 'changed-since'))
    await rm(join(world.configDir, 'tq-password.state.json'))
    const { THREATQ_PASSWORD: _, ...env } = world.env
    const result = await world.run(['-n', 'tq-password', '-i'], env)
    assertMistake(
      result,
      `ThreatQ refused the login (HTTP 400: The user credentials were incorrect.): check environment variables THREATQ_USERNAME and THREATQ_CLIENT_ID, and threatq.password in ${config} (or environment variable THREATQ_PASSWORD)`,
    )
  })

  it('wrong AED API token', async () => {
    await instance('aed-token', { api_token: 'not-the-token' })
    assertMistake(
      await world.run(['-n', 'aed-token', '-i']),
      `AED refused the credentials (HTTP 401: Invalid API token.): check "API Token" (api_token) ${UI}`,
    )
  })

  it('wrong TAXII password', async () => {
    await instance('taxii-password', { stix_client_password: 'not-the-password' })
    assertMistake(
      await world.run(['-n', 'taxii-password', '-e']),
      `AED's TAXII service refused the credentials (HTTP 401: Unauthorized: Invalid username or password.): check "STIX Client Username" (stix_client_username) and "STIX Client Password" (stix_client_password) ${UI}`,
    )
  })

  it('an AED collection title that does not exist', async () => {
    await instance('collection', { aed_collection: 'Threat Q' })
    const result = await world.run(['-n', 'collection', '-e'])
    assert.equal(result.code, 2, result.stderr)
    assert.match(
      closingLine(result),
      new RegExp(
        `^${PROGRAM}: TAXII collection "Threat Q" not found at ${world.aed.url}/taxii/aed/; available: "ThreatQ" \\([0-9a-f-]+\\): set "AED STIX Collection Name" \\(aed_collection\\) ${UI}$`,
      ),
    )
  })

  it('stix_version 2.1 on an AED that serves only TAXII 2.0', async () => {
    const config = await instance('stix21')
    await setLocalOption(config, 'stix_version: "2.1"')
    assertMistake(
      await world.run(['-n', 'stix21', '-e']),
      `AED serves TAXII 2.0, not 2.1 (GET ${world.aed.url}/taxii2/: HTTP 404: Not Found: No resource at /taxii2/.): set options.stix_version in ${config} to 2.0`,
    )
  })

  it('ThreatQ unreachable: the host, once', async () => {
    await instance('tq-down')
    const result = await world.run(['-n', 'tq-down', '-i'], {
      ...world.env,
      THREATQ_HOST: 'http://127.0.0.1:1',
    })
    assertMistake(
      result,
      'ThreatQ at http://127.0.0.1:1 cannot be reached (ECONNREFUSED): check environment variable THREATQ_HOST (host and port); if it is right, the server is down or a firewall is in the way',
    )
  })

  it('AED unreachable: the hostname option, once', async () => {
    await instance('aed-down', { hostname: 'http://127.0.0.1:1' })
    assertMistake(
      await world.run(['-n', 'aed-down', '-i']),
      `AED at http://127.0.0.1:1 cannot be reached (ECONNREFUSED): check "Hostname" (hostname) ${UI} (host and port); if it is right, the server is down or a firewall is in the way`,
    )
  })

  it('an AED hostname pointing at another server (here ThreatQ) is not read as a bad token', async () => {
    await instance('not-aed', { hostname: world.threatq.url })
    assertMistake(
      await world.run(['-n', 'not-aed', '-i']),
      `${world.threatq.url} is not an AED REST API (HTTP 401: Unauthenticated.): set "Hostname" (hostname) ${UI} to the AED appliance; if it is one, check "API Token" (api_token) ${UI}`,
    )
    assertMistake(
      await world.run(['-n', 'not-aed', '-e']),
      `${world.threatq.url} serves no TAXII 2.0 or 2.1 discovery (GET ${world.threatq.url}/taxii/: HTTP 404: Not found.): set "Hostname" (hostname) ${UI} to the AED appliance`,
    )
  })

  it('transient failures stay exit 1: AED answering 500 at the first contact', async () => {
    await instance('aed-500')
    await inject(world.aed, faults('GET', '^/api/aed/v3/summary/$').always(FAULT.status500))
    try {
      const result = await world.run(['-n', 'aed-500', '-i'])
      assertClearFailure(result)
      assert.match(result.stderr, /\ntq-conn-netscout-aed: aed GET \S+ failed with HTTP 500/)
    } finally {
      await world.aed.admin('DELETE', '/_sim/faults')
    }
  })

  it('"not configured" lists every option a run needs, the STIX 2.0 default labels included', async () => {
    await world.configure({}, 'unset')
    await world.threatq.admin('POST', '/_sim/connector', {
      name: 'Netscout AED Connector (unset)',
      active: true,
      options: {
        hostname: '',
        api_token: '',
        stix_client_username: '',
        stix_client_password: '',
        data_collection: '',
        aed_collection: '',
        default_indicator_labels: 'malicious-activity',
        default_threat_actor_labels: '',
        default_malware_labels: '',
        default_tool_labels: '',
        default_report_labels: '',
      },
    })
    const result = await world.run(['-n', 'unset'])
    assert.equal(result.code, 4, result.stderr)
    assert.equal(
      result.stdout,
      `The connector is not configured yet: set Hostname (hostname), API Token (api_token), STIX Client Username (stix_client_username), STIX Client Password (stix_client_password), ThreatQ Data Collection (data_collection), AED STIX Collection Name (aed_collection), Default Threat Actor Labels (default_threat_actor_labels), Default Malware Labels (default_malware_labels), Default Tool Labels (default_tool_labels), Default Report Labels (default_report_labels) in the ThreatQ UI (or under options: in ${join(world.configDir, 'unset.yaml')}).\n`,
    )
  })

  it('an option typo under options: names the file and the nearest key; a bad value shows it', async () => {
    const config = await instance('typo')
    await setLocalOption(config, 'relationshp_depth: 2')
    assertMistake(
      await world.run(['-n', 'typo', '-i']),
      `invalid connector options: options.relationshp_depth in ${config}: unknown option; did you mean relationship_depth?`,
    )
    await setLocalOption(config, 'relationship_depth: 9')
    assertMistake(
      await world.run(['-n', 'typo', '-i']),
      `invalid connector options: options.relationship_depth in ${config}: Too big: expected number to be <=3 (got 9)`,
    )
  })

  it('a bad data_collection from the yaml says it came from the yaml', async () => {
    const config = await instance('data-collection')
    await setLocalOption(config, 'data_collection: AED Exprot')
    assertMistake(
      await world.run(['-n', 'data-collection', '-e']),
      `ThreatQ has no data collection named "AED Exprot": set options.data_collection in ${config} to one of: "AED Export"`,
    )
  })

  it('a config or log directory that cannot be written', async () => {
    // As root every directory is writable: the connector then runs as nobody, as cron might.
    const asRoot = process.getuid?.() === 0
    const base = await tempDir('tq-aed-mistake-perm-')
    await chmod(base, 0o755)
    const locked = join(base, 'locked')
    await mkdir(locked, { mode: 0o755 })
    if (!asRoot) await chmod(locked, 0o555)
    const run = (args: string[]) =>
      new Promise<CliResult>((resolve) => {
        const child = spawn(CONNECTOR.command, [...CONNECTOR.args, ...args], {
          env: { PATH: CONNECTOR.path, ...world.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        child.on('close', (code) => {
          resolve({ code, stdout, stderr })
        })
      })
    assertMistake(
      await run(['-c', locked, '--non-interactive']),
      `--config ${locked}: this user cannot write there (EACCES): run as the directory's owner, or give -c a directory this user can write`,
    )
    assertMistake(
      await run(['-c', join(locked, 'sub'), '--non-interactive']),
      `--config ${join(locked, 'sub')}: cannot create it (EACCES): create it as a user who can, or give -c a directory this user can write`,
    )
    const own = join(base, 'own')
    await mkdir(own, { mode: 0o700 })
    if (asRoot) await chmod(own, 0o777)
    assertMistake(
      await run(['-c', own, '-ll', join(locked, 'logs'), '--non-interactive']),
      `-ll/--loglocation ${join(locked, 'logs')}: cannot open the log file ${join(locked, 'logs', 'netscout-aed.log')} (EACCES): make the directory writable for this user, or give -ll another directory`,
    )
  })
})

// `script` (util-linux) gives the connector a real terminal, as in test/e2e/interactive.test.ts.
const noScript =
  spawnSync('script', ['--version']).status === 0 ? false : '`script` (util-linux) is not installed'

describe('a wrong ThreatQ password at the first run in a terminal', { skip: noScript }, () => {
  let world: World
  before(async () => {
    world = await startWorld()
  })
  after(async () => {
    await world.stop()
  })

  it('asks for the login again and keeps the other answers (exit 4 once it is right)', async () => {
    const dir = await tempDir('tq-aed-mistake-tty-')
    const child = spawn(
      'script',
      ['-qefc', `${process.execPath} ${BIN.connector} -c ${dir}`, '/dev/null'],
      { env: { PATH: process.env.PATH ?? '', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    // Each prompt by the text it shows after the last answer: inquirer redraws a prompt as it is
    // typed into, so counting its text would run ahead of the prompts.
    const steps: [string, string | undefined][] = [
      ['ThreatQ Host', world.threatq.url],
      ['Client ID', CREDS.clientId],
      ['Username', CREDS.user],
      ['Password', 'not-the-password'],
      ['Status', 'Indirect'],
      ['try again', undefined],
      ['Client ID', ''],
      ['Username', ''],
      ['Password', CREDS.password],
    ]
    let from = 0
    for (const [prompt, answer] of steps) {
      for (let waited = 0; screen.indexOf(prompt, from) < 0; waited += 50) {
        assert.ok(waited < 10_000, `no "${prompt}" prompt:\n${screen}`)
        await sleep(50)
      }
      from = screen.indexOf(prompt, from) + prompt.length
      if (answer === undefined) continue
      child.stdin.write(`${answer}\r`)
      from = screen.length
    }
    assert.equal(await exited, 4, screen)
    assert.match(
      screen,
      /The user credentials were incorrect\.: try again\./,
      'says why the login is asked again',
    )
    const config = await readFile(join(dir, 'netscout-aed.yaml'), 'utf8')
    assert.match(config, /status: Indirect/, 'the answers before the login are kept')
    assert.ok(config.includes(`password: ${CREDS.password}`), config)
  })

  it('in a terminal, the mistake is printed once (the log on the screen does not repeat it)', async () => {
    await world.configure({ stix_version: '2.0' }, 'tty-down')
    const child = spawn(
      'script',
      [
        '-qefc',
        `${process.execPath} ${BIN.connector} -c ${world.configDir} -n tty-down -i`,
        '/dev/null',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          TERM: 'xterm',
          ...world.env,
          THREATQ_HOST: 'http://127.0.0.1:1',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    let screen = ''
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 2, screen)
    assert.equal(screen.split('cannot be reached (ECONNREFUSED)').length - 1, 1, screen)
  })
})

describe('mistakes over TLS: a self-signed ThreatQ certificate', () => {
  let world: World
  let caFile: string
  before(async () => {
    world = await startWorld({ seed: 10, tls: true })
    caFile = join(await tempDir('tq-aed-mistake-ca-'), 'sim-ca.pem')
    await writeFile(caFile, SIM_TLS_CERT)
  })
  after(async () => {
    await world.stop()
  })

  it('names THREATQ_CA_FILE; given at the first run, it is saved like the other answers', async () => {
    const config = join(world.configDir, 'netscout-aed.yaml')
    const origin = new URL(world.threatq.url).origin
    assertMistake(
      await world.run(['--non-interactive'], world.env),
      `ThreatQ's certificate at ${origin} is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): set environment variable THREATQ_CA_FILE to the CA certificate (PEM) that signed ThreatQ's certificate`,
    )
    const first = await world.run(['--non-interactive'], { ...world.env, THREATQ_CA_FILE: caFile })
    assert.equal(first.code, 4, first.stderr)
    assert.match(await readFile(config, 'utf8'), new RegExp(`ca_file: ${caFile}`))
    // The next run (cron, without the variable) trusts ThreatQ through the saved answer.
    const next = await world.run([], world.env)
    assert.equal(next.code, 4, next.stderr)
    assert.match(next.stdout, /not enabled in ThreatQ/)
  })
})
