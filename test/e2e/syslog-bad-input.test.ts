/**
 * The syslog import's bad input (docs/reliability.md, "The import's bad input"), the real CLI
 * against threatq-sim, the file written as rsyslog's traditional template writes it: each kind of
 * bad line is counted by its reason in the summary and the run goes on; a file that shrinks or is
 * deleted between runs is said and read on; the events' block counts stay equal to the good blocks
 * written — nothing imported before is lost or doubled.
 */
import assert from 'node:assert/strict'
import { appendFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { blockCount, type Api } from '../helpers/blocked.js'
import { tempDir } from '../../sim/world/processes.js'
import { threatqApi } from '../../sim/world/threatq-api.js'
import { startWorld, type World } from '../../sim/world/world.js'

let written = 0
/** The syslog prefix: its time moves on with each line, as a daemon's does. */
const prefix = (): string => {
  const s = written++
  return `Dec  7 10:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} aed-sim CEF: `
}
const HEADER = '0|NETSCOUT|Arbor Edge Defense|7.1.1.0|Blocked Host|Blocked Host|5|'

/** A good Blocked Host line for a deny-list block of `ioc`, `rt` ms. */
const blocked = (ioc: string, rt: number): string =>
  `${prefix()}${HEADER}rt=${String(rt)} src=10.1.1.1 dst=${ioc} dpt=443 proto=tcp cs1=${ioc} cs1Label=IOC Pattern cs3=ip cs3Label=Match Type\n`

const line = (stdout: string, key: string): string =>
  new RegExp(`^\\s*${key}:\\s*(.*)$`, 'm').exec(stdout)?.[1] ?? ''

describe('syslog import: bad input is counted, the run goes on, nothing lost or doubled', () => {
  let world: World
  let api: Api
  let file: string
  /** Good blocks written so far. */
  let good = 0
  // An hour ago: the events' hour is one the test does not straddle.
  const rt = Date.now() - 3_600_000

  const goodLines = (n: number): string => {
    good += n
    return Array.from({ length: n }, (_, i) => blocked(`203.0.113.${String(i % 3)}`, rt)).join('')
  }
  const importRun = async (): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const result = await world.run(['-i'])
    assert.equal(result.code, 0, result.stdout + result.stderr)
    return result
  }

  before(async () => {
    world = await startWorld({})
    api = await threatqApi(world.threatq)
    file = join(await tempDir('tq-aed-bad-'), 'aed.log')
    await writeFile(file, '')
    await world.configure({ alert_source: 'syslog', syslog_file: file })
  })
  after(async () => {
    await world.stop()
  })

  it('each kind of bad line is counted by its reason; the good lines around them are imported', async () => {
    const bad = [
      // Truncated mid-header, and a header with the wrong field count.
      `${prefix()}0|NETSCOUT|Arbor Edge\n`,
      `${prefix()}0|NETSCOUT|Arbor Edge Defense|7.1.1.0|Blocked Host|5|rt=${String(rt)} src=10.1.1.1\n`,
      // Binary garbage.
      Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x7f, 0x0a]).toString('latin1'),
      // Another vendor's CEF.
      'Dec  7 10:15:00 fw1 CEF: 0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|src=1.2.3.4 dst=5.6.7.8\n',
      // rt in 1970 and a year ahead.
      blocked('203.0.113.50', 0),
      blocked('203.0.113.51', rt + 366 * 86_400_000),
    ]
    await writeFile(file, goodLines(2) + bad.join('') + goodLines(1), { flag: 'a' })
    // A 1 MB line, then a good one.
    await appendFile(file, `${prefix()}${HEADER}rt=${String(rt)} msg=${'x'.repeat(1 << 20)}\n`)
    // An IOC pattern that is not a valid indicator value: the block counts, no indicator is made.
    await appendFile(file, goodLines(1) + blocked('999.1.1.1', rt))
    good += 1
    const result = await importRun()
    const skipped = line(result.stdout, 'skipped')
    for (const reason of [
      /bad syslog line 4\b/, // truncated, field count, garbage, 1 MB
      /not imported: foreign notification 1\b/,
      /Blocked Host without a usable rt 2\b/,
      /invalid indicator value 1\b/,
    ])
      assert.match(skipped, reason, result.stdout)
    assert.equal(await blockCount(api), good)
    const made = await api<{ data: { value: string }[] }>('GET', '/api/indicators?limit=100')
    assert.ok(!made.data.some((i) => i.value === '999.1.1.1'))
  })

  it('a file that shrank between runs is said and read from its start, nothing doubled', async () => {
    await writeFile(file, goodLines(2))
    const result = await importRun()
    assert.match(result.stderr + result.stdout, /was truncated/)
    assert.equal(await blockCount(api), good)
  })

  it('a deleted file is said, the run exits 0, and the next file is read whole', async () => {
    await rm(file)
    const result = await importRun()
    assert.match(result.stderr + result.stdout, /does not exist/)
    assert.equal(await blockCount(api), good)
    await writeFile(file, goodLines(3))
    await importRun()
    await importRun()
    assert.equal(await blockCount(api), good)
  })
})
