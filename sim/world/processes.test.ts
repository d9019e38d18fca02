import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { readyUrl } from './processes.js'

describe('readyUrl (a simulator process starting)', () => {
  it('reads the url of the ready line', async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'console.log(\'{"ready":true,"url":"http://x"}\')'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    assert.equal(await readyUrl(child, 'ok-sim'), 'http://x')
  })

  it('kills a child whose first line is no ready line', async () => {
    const child = spawn(
      process.execPath,
      ['-e', "console.log('starting…'); setInterval(() => {}, 60_000)"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const exited = once(child, 'exit')
    await assert.rejects(
      readyUrl(child, 'chatty-sim'),
      /chatty-sim printed no ready line: starting…/,
    )
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null]
    assert.equal(code, null)
    assert.equal(signal, 'SIGKILL')
  })

  it('is an error, not a crash, when the child cannot start', async () => {
    const child = spawn(process.execPath, ['-e', ''], {
      cwd: '/nonexistent-directory-of-readyUrl-test',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await assert.rejects(readyUrl(child, 'lost-sim'), /lost-sim did not start: .*ENOENT/)
  })
})
