import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DROPPED, LIVE, REVOKED } from './key-table.js'
import {
  Ledger,
  type LedgerFiles,
  type LedgerUpdate,
  objectKey,
  refOfKey,
  retargeted,
  UPDATE,
} from './ledger.js'

const target = { aed: 'aed.example', collection: 'c-1', stixVersion: '2.0', host: 'tq.example' }

const live = (id: number, version = 100): LedgerUpdate => ({
  kind: UPDATE.OBJECT,
  a: objectKey('indicators', id),
  b: 0,
  state: LIVE,
  gen: 0,
  version,
})

describe('export ledger', () => {
  let dir: string
  let n = 0
  const files = (): LedgerFiles => {
    n++
    return {
      file: join(dir, `l${String(n)}.ledger`),
      journal: join(dir, `l${String(n)}.ledger.journal`),
    }
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledger-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('packs collection and id into one key and back', () => {
    assert.deepEqual(refOfKey(objectKey('malware', 123456789)), {
      collection: 'malware',
      id: 123456789,
    })
    assert.throws(() => objectKey('indicators', 2 ** 41), RangeError)
  })

  it('round-trips a ledger with objects, relationships and report digests, 0600', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.openJournal()
    await ledger.commit([
      live(1),
      { ...live(2), state: REVOKED, gen: 3 },
      {
        kind: UPDATE.RELATIONSHIP,
        a: objectKey('indicators', 1),
        b: objectKey('malware', 9),
        state: LIVE,
        gen: 1,
        version: 5,
      },
      {
        kind: UPDATE.REPORT_DIGEST,
        a: objectKey('report', 4),
        b: 0,
        state: LIVE,
        gen: 0,
        version: 0xdeadbeef,
      },
      { ...live(4), a: objectKey('report', 4) },
    ])
    const counts = await ledger.save(new Date())
    assert.deepEqual(counts, { objects: 3, relationships: 1 })
    assert.equal((await stat(f.file)).mode & 0o777, 0o600)
    assert.equal(await stat(f.journal).catch(() => undefined), undefined, 'the journal is gone')
    const { ledger: back, problem } = await Ledger.open(f, target, 4)
    assert.equal(problem, undefined)
    const slot = back.objects.find(objectKey('indicators', 2))
    assert.equal(back.objects.state(slot), REVOKED)
    assert.equal(back.objects.gen(slot), 3)
    const rel = back.relationships.find(objectKey('indicators', 1), objectKey('malware', 9))
    assert.equal(back.relationships.version(rel), 5)
    assert.equal(back.reports.get(objectKey('report', 4)), 0xdeadbeef)
    assert.equal(back.liveCount(), 3)
  })

  it('resumes from the journal of a run killed before it saved, ignoring a torn last record', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.openJournal()
    await ledger.commit([live(1), live(2)])
    await ledger.closeJournal()
    await appendFile(f.journal, Buffer.alloc(7, 1))
    const { ledger: back, problem } = await Ledger.open(f, target, undefined)
    assert.equal(problem, undefined)
    assert.equal(back.objects.count(LIVE), 2)
  })

  it('says a ledger is lost when the state says it held entries and no file is there', async () => {
    const { ledger, problem } = await Ledger.open(files(), target, 1000)
    assert.equal(problem?.kind, 'lost')
    assert.match(problem.detail, /1000 entries/)
    assert.equal(ledger.liveCount(), 0)
  })

  it('moves a corrupt ledger aside and starts empty', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.commit([live(1)])
    await ledger.save(new Date())
    const bytes = await readFile(f.file)
    const at = bytes.length - 40
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at)
    await writeFile(f.file, bytes)
    const { ledger: back, problem } = await Ledger.open(f, target, 1)
    assert.equal(problem?.kind, 'corrupt')
    assert.match(problem.detail, /checksum/)
    assert.equal(back.liveCount(), 0)
    assert.ok((await readdir(dir)).some((name) => name.includes('.corrupt-')))
  })

  it('does not apply a ledger of another collection', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.commit([live(1)])
    await ledger.save(new Date())
    const { ledger: back, problem } = await Ledger.open(f, { ...target, collection: 'c-2' }, 1)
    assert.equal(problem?.kind, 'retargeted')
    assert.equal(back.liveCount(), 0)
  })

  it('does not apply a ledger of another AED, even with the same collection id', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.commit([live(1)])
    await ledger.save(new Date())
    const { ledger: back, problem } = await Ledger.open(f, { ...target, aed: 'other:8443' }, 1)
    assert.equal(problem?.kind, 'retargeted')
    assert.match(problem.detail, /aed "aed\.example"; this run exports with "other:8443"/)
    assert.equal(back.liveCount(), 0)
  })

  it("takes a ledger written before the AED was recorded as this AED's", () => {
    const { aed: _, ...old } = target
    assert.deepEqual(retargeted(old, target), [])
    assert.deepEqual(retargeted(old, { ...target, host: 'tq2' }), ['host'])
    assert.deepEqual(retargeted({ ...target, aed: 'x' }, target), ['aed'])
  })

  it('keeps the id scope a ledger was saved with; one not read from a file takes the given scope', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined, false, 'alpha')
    assert.equal(ledger.ids, 'alpha')
    await ledger.commit([live(1)])
    await ledger.save(new Date())
    const { ledger: back } = await Ledger.open(f, target, 1, false, 'other')
    assert.equal(back.ids, 'alpha', 'the file says')
    const { ledger: moved } = await Ledger.open(f, { ...target, aed: 'b' }, 1, false, '')
    assert.equal(moved.ids, '', 'another target: the scope given')
  })

  it('holds 200,000 entries in typed arrays and finds each', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    const updates = Array.from({ length: 200_000 }, (_, i) => live(i + 1, i))
    await ledger.commit(updates)
    await ledger.save(new Date())
    const { ledger: back } = await Ledger.open(f, target, 200_000)
    for (let i = 0; i < 200_000; i += 997) {
      const slot = back.objects.find(objectKey('indicators', i + 1))
      assert.equal(back.objects.version(slot), i)
    }
    assert.equal(back.objects.find(objectKey('indicators', 300_000)), -1)
    assert.ok((await stat(f.file)).size < 200_000 * 25)
  })

  it('saves in parts and reopens each table sized for its own entries', async () => {
    const f = files()
    const { ledger } = await Ledger.open(f, target, undefined)
    await ledger.openJournal()
    const objects = 9_001
    const relationships = 5_003
    const updates: LedgerUpdate[] = []
    for (let i = 1; i <= objects; i++)
      updates.push({ ...live(i, i), state: i % 5 === 0 ? REVOKED : LIVE, gen: i % 3 })
    for (let i = 1; i <= relationships; i++)
      updates.push({
        kind: UPDATE.RELATIONSHIP,
        a: objectKey('indicators', i),
        b: objectKey('malware', i + 7),
        state: LIVE,
        gen: 1,
        version: 0x10001,
      })
    updates.push({ ...live(objects + 1), state: DROPPED })
    updates.push({
      kind: UPDATE.REPORT_DIGEST,
      a: objectKey('indicators', 6),
      b: 0,
      state: LIVE,
      gen: 0,
      version: 77,
    })
    await ledger.commit(updates)
    assert.deepEqual(await ledger.save(new Date()), { objects, relationships })
    const { ledger: back } = await Ledger.open(f, target, objects + relationships)
    for (let i = 1; i <= objects; i++) {
      const slot = back.objects.find(objectKey('indicators', i))
      assert.equal(back.objects.version(slot), i)
      assert.equal(back.objects.gen(slot), i % 3)
      assert.equal(back.objects.state(slot), i % 5 === 0 ? REVOKED : LIVE)
    }
    for (let i = 1; i <= relationships; i++) {
      const slot = back.relationships.find(objectKey('indicators', i), objectKey('malware', i + 7))
      assert.equal(back.relationships.version(slot), 0x10001)
    }
    assert.equal(back.objects.find(objectKey('indicators', objects + 1)), -1, 'dropped: not saved')
    assert.equal(back.reports.get(objectKey('indicators', 6)), 77)
    // Each table holds its own kind at most 70% full, not room for every record of the file.
    assert.ok(back.objects.slots <= objects / 0.7 + 2, String(back.objects.slots))
    assert.ok(back.relationships.slots <= relationships / 0.7 + 2, String(back.relationships.slots))
  })
})
