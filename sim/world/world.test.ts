import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { tempDir } from './processes.js'
import { forgetRuns } from './world.js'

describe('forgetRuns', () => {
  it("removes every file a run leaves, the syslog/EDM checkpoint too, and keeps the instance's config", async () => {
    const configDir = await tempDir('forget-runs-')
    const left = [
      'a.state.json',
      'a.ledger',
      'a.ledger.journal',
      'a.lists.json',
      'a.syslog.json',
      'a.runs.json',
    ]
    for (const name of ['a.yaml', 'b.syslog.json', ...left]) {
      await writeFile(join(configDir, name), '{}')
    }
    await forgetRuns({ configDir }, 'a')
    assert.deepEqual((await readdir(configDir)).sort(), ['a.yaml', 'b.syslog.json'])
  })
})
