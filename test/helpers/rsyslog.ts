/**
 * A real rsyslogd (the Debian package) for e2e tests: its own config, work directory and pid
 * file in a temp dir, imtcp on a free loopback port, everything it receives written to one file
 * with the traditional template (what a site's daemon writes by default).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { access, readFile, writeFile } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { tempDir } from '../../sim/world/processes.js'

export const RSYSLOGD = process.env.RSYSLOGD ?? '/usr/sbin/rsyslogd'

/**
 * Whether the test can run: without rsyslogd it is skipped, except under CI (REQUIRE_RSYSLOG=1,
 * set by .ci/run), where a missing daemon fails it.
 */
export async function rsyslogAvailable(): Promise<boolean> {
  try {
    await access(RSYSLOGD)
    return true
  } catch {
    if (process.env.REQUIRE_RSYSLOG === '1')
      throw new Error(
        `REQUIRE_RSYSLOG=1 but ${RSYSLOGD} is missing: install the Debian package rsyslog (.ci/run does)`,
      )
    return false
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface Rsyslog {
  port: number
  /** The file it writes. */
  file: string
  dir: string
  /** Asks it to close and reopen its files (what logrotate's postrotate does). */
  hup(): void
  stop(): Promise<void>
}

export async function startRsyslog(): Promise<Rsyslog> {
  const dir = await tempDir('tq-aed-rsyslog-')
  const port = await freePort()
  const file = join(dir, 'aed.log')
  const conf = join(dir, 'rsyslog.conf')
  await writeFile(
    conf,
    [
      `global(workDirectory="${dir}")`,
      'module(load="imtcp")',
      `input(type="imtcp" port="${String(port)}" address="127.0.0.1")`,
      `*.* action(type="omfile" file="${file}" template="RSYSLOG_TraditionalFileFormat")`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve()
    }),
  )
  // Ready once it accepts a connection.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(`rsyslogd exited ${String(child.exitCode)}: ${stderr}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => {
        resolve(false)
      })
    })
    if (ok) break
    if (i > 200) throw new Error(`rsyslogd did not listen on ${String(port)}: ${stderr}`)
    await sleep(50)
  }
  return {
    port,
    file,
    dir,
    hup: () => child.kill('SIGHUP'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await exited
      }
    },
  }
}

/** Lines holding `marker` in these files (missing files hold none). */
export async function countLines(files: readonly string[], marker: string): Promise<number> {
  let n = 0
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '')
    for (const line of text.split('\n')) if (line.includes(marker)) n++
  }
  return n
}

/** Waits until the files hold `expected` lines with `marker` (rsyslog writes asynchronously). */
export async function waitForLines(
  files: readonly string[],
  marker: string,
  expected: number,
): Promise<void> {
  for (let i = 0; ; i++) {
    const n = await countLines(files, marker)
    if (n === expected) return
    if (n > expected || i > 600)
      throw new Error(`expected ${String(expected)} lines with ${marker}, found ${String(n)}`)
    await sleep(50)
  }
}
