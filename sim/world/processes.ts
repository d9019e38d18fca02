/**
 * End-to-end helpers: the simulators and the connector as real processes over real sockets. Here
 * beside the simulators, not under test/, because the bench starts them the same way
 * (test/layers.test.ts keeps bench/ from importing test/).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Agent, fetch } from 'undici'
import { SIM_TLS_CERT } from '../common/tls.js'

const dist = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url))

/** Trusts the simulators' certificate, for admin calls to --tls simulators. */
export const simDispatcher = new Agent({ connect: { ca: SIM_TLS_CERT } })

export const BIN = {
  /** The installed command: the bundle `npm run build` makes (scripts/bundle.mjs). */
  connector: dist('src/cli/tq-conn-netscout-aed.mjs'),
  aed: dist('sim/aed/bin.js'),
  threatq: dist('sim/threatq/bin.js'),
  edm: dist('sim/edm/bin.js'),
}

/**
 * How the e2e tests run the connector: `node <bundle>`, or, with TQ_CONNECTOR_EXE set (the release
 * tests), that single executable directly with no `node` on PATH.
 */
const EXE = process.env.TQ_CONNECTOR_EXE
const withoutNode = (path: string): string =>
  path
    .split(delimiter)
    .filter((dir) => dir !== '' && !existsSync(join(dir, 'node')))
    .join(delimiter)
export const CONNECTOR =
  EXE === undefined || EXE === ''
    ? {
        command: process.execPath,
        args: [BIN.connector],
        path: process.env.PATH ?? '',
        /** What the cron line written by --cron runs. */
        cronProgram: `${process.execPath} ${BIN.connector}`,
      }
    : { command: EXE, args: [], path: withoutNode(process.env.PATH ?? ''), cronProgram: EXE }

export interface Sim {
  url: string
  child: ChildProcess
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  stop(): Promise<void>
}

/**
 * A simulator's young generation sized for bulk JSON (V8 reads it only at start-up): ThreatQ
 * consume measured 18.5k → 21.9k events per CPU-second with it (docs/sim-threatq.md).
 */
export const SIM_NODE_FLAGS = ['--max-semi-space-size=64']

export async function startSim(
  bin: string,
  args: readonly string[],
  nodeFlags: readonly string[] = SIM_NODE_FLAGS,
): Promise<Sim> {
  const child = spawn(process.execPath, [...nodeFlags, bin, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await readyUrl(child, bin)
  return {
    url,
    child,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}${path}`, {
        dispatcher: simDispatcher,
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`)
      return (text === '' ? undefined : JSON.parse(text)) as T
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once('exit', () => {
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/**
 * The URL of a simulator's ready line (`{"ready":true,"url":…}`, sim/common/serve.ts). A child
 * that fails to start, exits first or prints something else is an error, and one still running
 * is killed: a test that fails here must not leave a simulator behind.
 */
export function readyUrl(child: ChildProcess, bin: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const fail = (error: Error): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      reject(error)
    }
    child.once('error', (error) => {
      fail(new Error(`simulator ${bin} did not start: ${error.message}`, { cause: error }))
    })
    child.once('exit', (code) => {
      reject(new Error(`simulator ${bin} exited with ${String(code)} before it was ready`))
    })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => {
      const url = readyLine(line)
      if (url === undefined) fail(new Error(`simulator ${bin} printed no ready line: ${line}`))
      else resolve(url)
    })
  })
}

function readyLine(line: string): string | undefined {
  try {
    const ready = JSON.parse(line) as { url?: unknown } | null
    return typeof ready?.url === 'string' ? ready.url : undefined
  } catch {
    return undefined
  }
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunningCli {
  child: ChildProcess
  /** Settles when the process has exited and its output is closed. */
  result: Promise<CliResult & { signal: NodeJS.Signals | null }>
}

/** Starts the connector command; `env` is all it sees besides PATH and TZ. */
export function startCli(args: readonly string[], env: Record<string, string> = {}): RunningCli {
  return startProcess(CONNECTOR.command, [...CONNECTOR.args, ...args], {
    env: { PATH: CONNECTOR.path, TZ: process.env.TZ ?? 'UTC', ...env },
  })
}

/** Starts any command with no terminal, collecting its output; `env` is all it sees. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string },
): RunningCli {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, result }
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const { code, stdout, stderr } = await startCli(args, env).result
  return { code, stdout, stderr }
}

/** A command line run by /bin/sh as cron runs one: no terminal, this env only. */
export async function runShell(
  line: string,
  options: { env: Record<string, string>; cwd?: string },
): Promise<CliResult> {
  const { code, stdout, stderr } = await startProcess('/bin/sh', ['-c', line], options).result
  return { code, stdout, stderr }
}

/**
 * A command line run in a terminal (`script`, util-linux), as a person at a shell runs it; `screen`
 * is what it printed so far. `noTerminal` is the reason to skip when `script` is missing.
 */
export function startInTerminal(
  line: string,
  env: Record<string, string>,
): { child: ChildProcess; screen(): string; exited: Promise<number | null> } {
  const child = spawn('script', ['-qefc', line, '/dev/null'], {
    env: { TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let screen = ''
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { child, screen: () => screen, exited }
}

export const noTerminal =
  spawnSync('script', ['--version']).status === 0 ? false : '`script` (util-linux) is not installed'

const madeDirs: string[] = []
// Test processes leave nothing in /tmp (a release build is ~130 MB); TEST_KEEP_TMP=1 keeps it all
// for a post-mortem.
process.on('exit', () => {
  if (process.env.TEST_KEEP_TMP === '1') return
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory under the system temp dir, removed when the test process exits. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  madeDirs.push(dir)
  return dir
}
