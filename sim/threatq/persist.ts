/**
 * `--data-dir` persistence: the store as NDJSON (one record a line, so a million indicators never
 * become one giant string), written to a temporary file and renamed into place. Saves are
 * debounced after changes and forced on shutdown; the snapshot is loaded at start.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { SimCore } from './core.js'
import {
  Store,
  type ConnectorRec,
  type NamedRec,
  type Pivot,
  type SavedSearch,
  type Sequences,
  type SourceRec,
  type StatusRec,
  type TqObject,
  type TypeRec,
} from './store.js'

export const SNAPSHOT_FILE = 'threatq-sim.ndjson'
const FORMAT = 'threatq-sim-snapshot'
const VERSION = 1

type Line =
  | { t: 'header'; format: string; version: number; seq: Sequences }
  | { t: 'itype'; v: TypeRec }
  | { t: 'status'; v: StatusRec }
  | { t: 'etype'; v: TypeRec }
  | { t: 'source'; v: SourceRec }
  | { t: 'attrdef'; v: NamedRec }
  | { t: 'tag'; v: NamedRec }
  | { t: 'search'; v: SavedSearch }
  | { t: 'connector'; v: ConnectorRec }
  | { t: 'obj'; v: TqObject }
  | { t: 'pivot'; v: Pivot }

function* lines(store: Store): Generator<Line> {
  yield { t: 'header', format: FORMAT, version: VERSION, seq: store.seq }
  for (const v of store.indicatorTypes) yield { t: 'itype', v }
  for (const v of store.indicatorStatuses) yield { t: 'status', v }
  for (const v of store.eventTypes) yield { t: 'etype', v }
  for (const v of store.sources) yield { t: 'source', v }
  for (const v of store.attributeDefs.items) yield { t: 'attrdef', v }
  for (const v of store.tags.items) yield { t: 'tag', v }
  for (const v of store.searches) yield { t: 'search', v }
  for (const v of store.connectors) yield { t: 'connector', v }
  for (const table of store.tables.values()) for (const v of table.all()) yield { t: 'obj', v }
  for (const v of store.pivots.values()) yield { t: 'pivot', v }
}

export class SnapshotError extends Error {}

export async function writeSnapshot(store: Store, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, SNAPSHOT_FILE)
  const tmp = `${path}.tmp`
  const out = createWriteStream(tmp)
  let chunk = ''
  for (const line of lines(store)) {
    chunk += `${JSON.stringify(line)}\n`
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
  renameSync(tmp, path)
}

/** The snapshot in `dir`, or undefined when there is none. */
export async function readSnapshot(dir: string, clock: () => number): Promise<Store | undefined> {
  const path = join(dir, SNAPSHOT_FILE)
  if (!existsSync(path)) return undefined
  const store = new Store(clock)
  let seq: Sequences | undefined
  const input = createInterface({ input: createReadStream(path), crlfDelay: Infinity })
  let n = 0
  for await (const raw of input) {
    n++
    if (raw.trim() === '') continue
    let line: Line
    try {
      line = JSON.parse(raw) as Line
    } catch (cause) {
      throw new SnapshotError(`${path}:${String(n)}: not JSON`, { cause })
    }
    switch (line.t) {
      case 'header':
        if (line.format !== FORMAT || line.version !== VERSION) {
          throw new SnapshotError(
            `${path}: not a threatq-sim snapshot of version ${String(VERSION)}`,
          )
        }
        seq = line.seq
        break
      case 'itype':
        store.indicatorTypes.push(line.v)
        break
      case 'status':
        store.indicatorStatuses.push(line.v)
        break
      case 'etype':
        store.eventTypes.push(line.v)
        break
      case 'source':
        store.addSource(line.v)
        break
      case 'attrdef':
        store.attributeDefs.add(line.v)
        break
      case 'tag':
        store.tags.add(line.v)
        break
      case 'search':
        store.searches.push(line.v)
        break
      case 'connector':
        store.connectors.push(line.v)
        break
      case 'obj':
        store.insert(line.v.collection, line.v, line.v.id)
        break
      case 'pivot': {
        const p = line.v
        const a = store.get(p.aColl, p.aId)
        const b = store.get(p.bColl, p.bId)
        // A link written while its object was being created (a save is not atomic) is dropped.
        if (a !== undefined && b !== undefined) store.link(a, b, p.id, p.createdAt)
        break
      }
    }
  }
  if (seq === undefined) throw new SnapshotError(`${path}: no header line`)
  store.seq = seq
  return store
}

/** [SIM] Delay from a change to the snapshot that includes it (changes meanwhile ride along). */
export const SAVE_DEBOUNCE_MS = 1000

/** Debounced snapshots of the simulator's current store. */
export class Persister {
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> | undefined
  private dirty = false

  constructor(
    private readonly sim: SimCore,
    private readonly dir: string,
    private readonly delayMs = SAVE_DEBOUNCE_MS,
  ) {
    sim.onChange(() => {
      this.schedule()
    })
  }

  private schedule(): void {
    this.dirty = true
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.save().catch((error: unknown) => {
        process.stderr.write(`threatq-sim: snapshot failed: ${String(error)}\n`)
      })
    }, this.delayMs)
    this.timer.unref()
  }

  private async save(): Promise<void> {
    if (this.saving !== undefined) {
      await this.saving
    }
    if (!this.dirty) return
    this.dirty = false
    this.saving = writeSnapshot(this.sim.store, this.dir).finally(() => {
      this.saving = undefined
    })
    await this.saving
  }

  /** Writes pending changes now (shutdown). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    await this.save()
  }
}
