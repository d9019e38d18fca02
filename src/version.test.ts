import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { BUILD, runningAsExecutable, versionText } from './version.js'

describe('version', () => {
  it('unbundled, reads the version from package.json and says the commit is unknown', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    assert.equal(BUILD.version, pkg.version)
    assert.match(BUILD.commit, /^unknown/)
    assert.equal(runningAsExecutable(), false)
  })

  it('prints the version, the commit and the Node.js runtime, one a line', () => {
    assert.equal(
      versionText('tq-conn-netscout-aed', { version: '1.2.3', commit: '0123456789ab' }),
      `tq-conn-netscout-aed 1.2.3\ncommit 0123456789ab\nNode.js ${process.version}`,
    )
  })
})
