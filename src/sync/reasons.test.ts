import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Logger } from '../log/logger.js'
import { EXAMPLES_PER_REASON, ReasonLog } from './reasons.js'

interface Line {
  level: string
  fields: object
  message: string | undefined
}

function recorder(): { lines: Line[]; logger: Logger } {
  const lines: Line[] = []
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields, message })
    }
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  }
}

describe('ReasonLog', () => {
  it('2,866 skips of two reasons are two lines, each with its count and a few examples', () => {
    const log = new ReasonLog('indicator skipped')
    for (let id = 0; id < 2866; id++)
      log.add(id % 3 === 0 ? 'invalid value' : 'not enforceable by AED', { id })
    const { lines, logger } = recorder()
    log.flush(logger)
    assert.equal(lines.length, 2)
    const byMessage = new Map(lines.map((l) => [l.message, l]))
    const skipped = byMessage.get('indicator skipped: not enforceable by AED')
    assert.ok(skipped)
    assert.equal(skipped.level, 'info')
    assert.deepEqual(skipped.fields, {
      reason: 'not enforceable by AED',
      count: 1910,
      examples: [{ id: 1 }, { id: 2 }, { id: 4 }, { id: 5 }, { id: 7 }],
    })
    assert.equal(
      (byMessage.get('indicator skipped: invalid value')?.fields as { count: number }).count,
      956,
    )
    assert.equal(EXAMPLES_PER_REASON, 5)
  })

  it('logs at the level it was made with, once: a second flush writes nothing', () => {
    const log = new ReasonLog('AED rejected an object', 'warn')
    log.add('HTTP 422: bad pattern', { id: 'indicator--1' })
    const { lines, logger } = recorder()
    log.flush(logger)
    log.flush(logger)
    assert.deepEqual(
      lines.map((l) => l.level),
      ['warn'],
    )
  })
})
