import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { createProgress, readThenDeliver } from './progress.js'

/** A terminal as cli-progress sees one: `isTTY`, a width, and what was written to it. */
function fakeTerminal(isTTY = true): Writable & { isTTY: boolean; columns: number; text: string } {
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        stream.text += chunk.toString()
        done()
      },
    }),
    { isTTY, columns: 120, text: '' },
  )
  return stream
}

/** Each line the bars drew, escape sequences (cursor moves, line clears) removed. */
function drawn(text: string): string[] {
  const ESC = String.fromCharCode(0x1b)
  const plain = text.replace(new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g'), '\n')
  return plain
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

const FULL = '\u2588'
const EMPTY = '\u2591'

/** The bar's last drawing after these updates and its stop, and all it wrote. */
function drawAfter(
  label: string,
  updates: readonly (readonly [number, number | undefined])[],
): { last: string | undefined; text: string } {
  const terminal = fakeTerminal()
  const bar = createProgress(label, true, terminal)
  for (const [done, total] of updates) bar.update(done, total)
  bar.stop()
  return { last: drawn(terminal.text).at(-1), text: terminal.text }
}

describe('progress bar', () => {
  it('shows done/total and no time left, without ETA text', () => {
    const { last, text } = drawAfter('export: AED', [
      [0, 10],
      [4, 10],
      [10, 10],
    ])
    assert.equal(last, `export: AED [${FULL.repeat(40)}] 10/10`)
    assert.doesNotMatch(text, /ETA|N\/A|∞|\d+s\b/)
  })

  it('draws 0/0 as an empty bar, not a full one', () => {
    assert.equal(drawAfter('export: AED', [[0, 0]]).last, `export: AED [${EMPTY.repeat(40)}] 0/0`)
  })

  it('without a total shows only the count: no bar to look full', () => {
    const { last, text } = drawAfter('import', [
      [5, undefined],
      [9, undefined],
    ])
    assert.equal(last, 'import 9')
    assert.ok(!text.includes(FULL), text)
  })

  it('draws nothing when disabled or when the stream is not a terminal', () => {
    for (const [enabled, terminal] of [
      [false, fakeTerminal()],
      [true, fakeTerminal(false)],
    ] as const) {
      const bar = createProgress('export', enabled, terminal)
      bar.update(3, 10)
      bar.stop()
      assert.equal(terminal.text, '')
    }
  })

  it('reads, then follows delivery to the number AED acknowledged', () => {
    const terminal = fakeTerminal()
    const progress = readThenDeliver('export', true, terminal)
    progress.read(100, 300)
    progress.read(300, 300)
    // The estimate grows once the stream of objects is read to its end.
    progress.deliver(0, 40)
    progress.read(1, 1) // the reading bar has ended: ignored
    progress.deliver(25, 40)
    progress.deliver(42, 42)
    progress.stop()
    const lines = drawn(terminal.text)
    assert.ok(lines.includes(`export: scan [${FULL.repeat(40)}] 300/300`), lines.join('\n'))
    assert.equal(lines.at(-1), `export: AED [${FULL.repeat(40)}] 42/42`)
    assert.ok(!lines.some((line) => line.startsWith('export: scan') && line.endsWith('1/1')))
  })
})
