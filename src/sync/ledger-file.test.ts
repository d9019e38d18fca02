import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  describeLedgerProblem,
  type LedgerFile,
  type LedgerProblem,
  type LedgerWording,
  lostProblem,
  openLedgerFile,
  readLedgerFile,
  recoverLedgerFile,
  type Recovery,
  writeLedgerFile,
} from './ledger-file.js'

/** A toy format: `toy <target>`; anything else is corrupt. */
const toy = (
  file: string,
  target: string,
  companions: string[] = [],
): LedgerFile<{ t: string }> => ({
  file,
  companions,
  decode: (bytes) => {
    const m = /^toy (\S+)$/.exec(bytes.toString('utf8'))
    return m?.[1] === undefined ? 'it is not a toy ledger' : { t: m[1] }
  },
  retargeted: ({ t }) => (t === target ? undefined : `it was written for ${t}`),
})

const REBUILD: Recovery = { fault: true, step: 'rebuild' }
const EMPTY_FAULT: Recovery = { fault: true, step: 'start-empty' }
const FRESH: Recovery = { fault: false, step: 'start-empty' }

describe('ledger file protocol', () => {
  let dir: string
  let n = 0
  const path = (): string => join(dir, `t${String(++n)}.ledger`)
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-file-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a file of this target as it is, moving nothing', async () => {
    const file = path()
    await writeFile(file, 'toy a')
    assert.deepEqual(await openLedgerFile(toy(file, 'a'), { expected: 1, dryRun: false }), {
      saved: { t: 'a' },
      problem: undefined,
    })
    assert.equal(await readFile(file, 'utf8'), 'toy a')
  })

  it('a missing file is a first run unless the last run saved entries nothing else holds', async () => {
    const file = path()
    const open = (expected: number | undefined, resumable?: boolean) =>
      openLedgerFile(toy(file, 'a'), { expected, dryRun: false, resumable })
    assert.deepEqual(await open(undefined), { saved: undefined, problem: undefined })
    assert.deepEqual(await open(0), { saved: undefined, problem: undefined })
    assert.deepEqual(await open(7, true), { saved: undefined, problem: undefined })
    assert.deepEqual(await open(7), {
      saved: undefined,
      problem: {
        kind: 'lost',
        detail: `${file} is missing, but the last run saved 7 entries in it`,
      },
    })
    assert.deepEqual(lostProblem('f', { expected: 2 }), {
      kind: 'lost',
      detail: 'f is missing, but the last run saved 2 entries in it',
    })
  })

  it('moves a corrupt file and its companions aside; corrupt is told before retargeted', async () => {
    const file = path()
    const journal = `${file}.journal`
    await writeFile(file, 'toy b extra')
    await writeFile(journal, 'j')
    const { saved, problem } = await openLedgerFile(toy(file, 'a', [journal]), {
      expected: 1,
      dryRun: false,
    })
    assert.equal(saved, undefined)
    assert.equal(problem?.kind, 'corrupt')
    assert.equal(problem.detail, 'it is not a toy ledger')
    assert.ok(problem.movedTo.startsWith(`${file}.corrupt-`), problem.movedTo)
    assert.equal(await readFile(problem.movedTo, 'utf8'), 'toy b extra')
    assert.equal(await stat(file).catch(() => undefined), undefined)
    assert.equal(await stat(journal).catch(() => undefined), undefined, 'the journal went too')
  })

  it('moves a file of another target aside', async () => {
    const file = path()
    await writeFile(file, 'toy b')
    const { problem } = await openLedgerFile(toy(file, 'a'), { expected: 1, dryRun: false })
    assert.equal(problem?.kind, 'retargeted')
    assert.equal(problem.detail, 'it was written for b')
    assert.equal(await readFile(problem.movedTo, 'utf8'), 'toy b')
  })

  it('a dry run reports a bad file but leaves it and its companions in place', async () => {
    const file = path()
    const journal = `${file}.journal`
    await writeFile(file, 'toy b')
    await writeFile(journal, 'j')
    const before = (await readdir(dir)).sort()
    const { problem } = await openLedgerFile(toy(file, 'a', [journal]), {
      expected: 1,
      dryRun: true,
    })
    assert.equal(problem?.kind, 'retargeted')
    assert.equal(problem.movedTo, `${file} (left in place: dry run)`)
    assert.deepEqual((await readdir(dir)).sort(), before)
  })

  it('says a dry run left the bad file where it is, and a real run where it moved it', async () => {
    const file = path()
    await writeFile(file, 'toy b')
    const dry = await openLedgerFile(toy(file, 'a'), { expected: 1, dryRun: true })
    assert.ok(dry.problem !== undefined)
    assert.equal(
      describeLedgerProblem(dry.problem, REBUILD, TOY_LEDGER),
      'the toy ledger belongs to another toy (it was written for b); a dry run leaves it where it is and this run rebuilds it from the toys',
    )
    const real = await openLedgerFile(toy(file, 'a'), { expected: 1, dryRun: false })
    assert.ok(real.problem?.kind === 'retargeted')
    assert.equal(
      describeLedgerProblem(real.problem, FRESH, TOY_LEDGER),
      `the toy ledger belongs to another toy (it was written for b); it was moved to ${real.problem.movedTo}; this run starts a new one`,
    )
  })

  it('writes atomically with mode 0600 and drops the companions the file now holds', async () => {
    const file = path()
    const journal = `${file}.journal`
    await writeFile(journal, 'j')
    await writeLedgerFile({ file, companions: [journal] }, 'toy a')
    assert.equal(await readFile(file, 'utf8'), 'toy a')
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.equal(await stat(journal).catch(() => undefined), undefined)
    await writeLedgerFile({ file, companions: [journal] }, 'toy a')
    assert.equal(await readFile(file, 'utf8'), 'toy a', 'a missing companion is fine')
  })

  it('reads a file as it is for --status: none, unreadable with the file named, or what it holds', async () => {
    const file = path()
    const decode = toy(file, 'a').decode
    assert.equal(await readLedgerFile(file, decode), undefined)
    await writeFile(file, 'nope')
    assert.equal(await readLedgerFile(file, decode), `${file}: it is not a toy ledger`)
    await writeFile(file, 'toy z')
    assert.deepEqual(await readLedgerFile(file, decode), { t: 'z' })
    assert.equal(await readFile(file, 'utf8'), 'toy z')
  })
})

/** A wording of the test's own: the floor's tests know neither ledger (test/layers.test.ts). */
const TOY_LEDGER: LedgerWording = {
  name: 'the toy ledger',
  other: 'another toy',
  rebuilds: 'this run rebuilds it from the toys',
  rebuilt: 'toy ledger rebuilt:',
  found: 'toys found',
}

describe('ledger recovery steps', () => {
  const run = async (problem: LedgerProblem | undefined, recovery: Recovery) => {
    const summary = { notes: [] as string[], problems: [] as string[] }
    const warnings: [object, string | undefined][] = []
    const logger = {
      warn: (fields: object, message?: string) => warnings.push([fields, message]),
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
    }
    let rebuilds = 0
    const decided = await recoverLedgerFile(
      problem,
      {
        file: 'x.ledger',
        wording: TOY_LEDGER,
        decide: () => recovery,
        rebuild: () => {
          rebuilds++
          return Promise.resolve(12)
        },
      },
      { logger, summary },
    )
    return { decided, summary, warnings, rebuilds }
  }

  it('does nothing without a problem', async () => {
    const r = await run(undefined, REBUILD)
    assert.deepEqual(r, {
      decided: undefined,
      summary: { notes: [], problems: [] },
      warnings: [],
      rebuilds: 0,
    })
  })

  it('a fault is a problem (exit 3), logged with the file, then rebuilt and counted', async () => {
    const r = await run({ kind: 'lost', detail: 'gone' }, REBUILD)
    const message = describeLedgerProblem({ kind: 'lost', detail: 'gone' }, REBUILD, TOY_LEDGER)
    assert.deepEqual(r.summary, {
      problems: [message],
      notes: ['toy ledger rebuilt: 12 toys found'],
    })
    assert.deepEqual(r.warnings, [[{ ledger: 'x.ledger' }, message]])
    assert.equal(r.rebuilds, 1)
  })

  it('a fresh start is a note and rebuilds nothing', async () => {
    const problem: LedgerProblem = { kind: 'retargeted', detail: 'd', movedTo: 'm' }
    const r = await run(problem, FRESH)
    assert.deepEqual(r.summary, {
      problems: [],
      notes: [describeLedgerProblem(problem, FRESH, TOY_LEDGER)],
    })
    assert.equal(r.rebuilds, 0)
  })

  it('a fault without a rebuild is still a problem', async () => {
    const r = await run({ kind: 'corrupt', detail: 'd', movedTo: 'm' }, EMPTY_FAULT)
    assert.equal(r.summary.problems.length, 1)
    assert.deepEqual(r.summary.notes, [])
    assert.equal(r.rebuilds, 0)
  })
})
