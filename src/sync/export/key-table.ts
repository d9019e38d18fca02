/**
 * An open-addressing hash table from numeric keys (one or two exact integers held as float64) to
 * a ledger entry: state, generation and version. Columns are typed arrays, so a million entries
 * cost tens of megabytes and no JS object each (a 1M-entry ledger must not need 1M objects
 * alive). Entries are never removed during a run: `drop` marks them, and the file
 * written at the end leaves them out.
 */

/** AED holds a live version of the object. */
export const LIVE = 1
/** AED holds a revoked version (its id can never be used again: the next export is a new generation). */
export const REVOKED = 2
/** Known, nothing in AED: left out of the saved ledger. */
export const DROPPED = 3

export type EntryState = typeof LIVE | typeof REVOKED | typeof DROPPED

const EMPTY = 0
const MAX_LOAD = 0.7
const MIN_CAPACITY = 1024
/**
 * Growth without a reservation: half again, not double. At a million entries a doubling left the
 * table as large as 2.9 entries' worth per entry, and the old columns (16 MB) alive beside the
 * new (32 MB) until a full collection (docs/performance.md, "Issue 23: the export's memory and CPU at a million").
 */
const GROWTH = 1.5

/** Slots for `entries` at most MAX_LOAD full. */
const capacityFor = (entries: number): number =>
  Math.max(MIN_CAPACITY, Math.ceil(entries / MAX_LOAD) + 1)

function mix(a: number, b: number): number {
  // Exact integers below 2^53: the low and high 32 bits, mixed (murmur3's finaliser).
  let h = Math.imul((a >>> 0) ^ Math.imul(Math.floor(a / 0x1_0000_0000), 0x9e3779b1), 0x85ebca6b)
  h ^= Math.imul((b >>> 0) ^ Math.imul(Math.floor(b / 0x1_0000_0000), 0x27d4eb2f), 0xc2b2ae35)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  return h >>> 0
}

export class KeyTable {
  private capacity: number
  size = 0
  private keys: Float64Array
  private states: Uint8Array
  private gens: Uint16Array
  private versions: Uint32Array
  /** Per-run marks (src/sync/policy/verdict.ts MARK: wanted this run, or why not); never saved. */
  private marks: Uint8Array

  constructor(
    /** 1: one key per entry (objects); 2: a pair (relationships). */
    readonly width: 1 | 2,
    expected = 0,
  ) {
    const capacity = capacityFor(expected)
    this.capacity = capacity
    this.keys = new Float64Array(capacity * width)
    this.states = new Uint8Array(capacity)
    this.gens = new Uint16Array(capacity)
    this.versions = new Uint32Array(capacity)
    this.marks = new Uint8Array(capacity)
  }

  /** The slot of a key, or -1. */
  find(a: number, b = 0): number {
    // Any capacity, not only powers of two: the table can be sized to what it will hold.
    let slot = mix(a, b) % this.capacity
    for (;;) {
      if (this.states[slot] === EMPTY) return -1
      if (this.keyMatches(slot, a, b)) return slot
      slot = this.next(slot)
    }
  }

  private next(slot: number): number {
    return slot + 1 === this.capacity ? 0 : slot + 1
  }

  /** Slots in the table (its columns' length): what it costs, at 16 or 24 bytes a slot. */
  get slots(): number {
    return this.capacity
  }

  /**
   * Makes room for `more` entries beyond those held in one step, so a run that knows what it will
   * add (a replayed file, a plan's new objects) never grows in steps, each leaving its old
   * columns for the collector.
   */
  reserve(more: number): void {
    const wanted = capacityFor(this.size + more)
    if (wanted > this.capacity) this.resize(wanted)
  }

  /** The slot of a key, added (DROPPED, generation 0) when absent. */
  slot(a: number, b = 0): number {
    const found = this.find(a, b)
    if (found >= 0) return found
    if (this.size + 1 > this.capacity * MAX_LOAD)
      this.resize(Math.max(capacityFor(this.size + 1), Math.ceil(this.capacity * GROWTH)))
    let slot = mix(a, b) % this.capacity
    while (this.states[slot] !== EMPTY) slot = this.next(slot)
    this.keys[slot * this.width] = a
    if (this.width === 2) this.keys[slot * 2 + 1] = b
    this.states[slot] = DROPPED
    this.size++
    return slot
  }

  private keyMatches(slot: number, a: number, b: number): boolean {
    if (this.width === 1) return this.keys[slot] === a
    return this.keys[slot * 2] === a && this.keys[slot * 2 + 1] === b
  }

  private resize(capacity: number): void {
    const old = {
      keys: this.keys,
      states: this.states,
      gens: this.gens,
      versions: this.versions,
      marks: this.marks,
      capacity: this.capacity,
    }
    this.capacity = capacity
    this.keys = new Float64Array(this.capacity * this.width)
    this.states = new Uint8Array(this.capacity)
    this.gens = new Uint16Array(this.capacity)
    this.versions = new Uint32Array(this.capacity)
    this.marks = new Uint8Array(this.capacity)
    this.size = 0
    for (let i = 0; i < old.capacity; i++) {
      if (old.states[i] === EMPTY) continue
      const a = old.keys[i * this.width] as number
      const b = this.width === 2 ? (old.keys[i * 2 + 1] as number) : 0
      const slot = this.slot(a, b)
      this.states[slot] = old.states[i] as number
      this.gens[slot] = old.gens[i] as number
      this.versions[slot] = old.versions[i] as number
      this.marks[slot] = old.marks[i] as number
    }
  }

  keyA(slot: number): number {
    return this.keys[slot * this.width] as number
  }
  keyB(slot: number): number {
    return this.width === 2 ? (this.keys[slot * 2 + 1] as number) : 0
  }
  state(slot: number): number {
    return this.states[slot] as number
  }
  gen(slot: number): number {
    return this.gens[slot] as number
  }
  version(slot: number): number {
    return this.versions[slot] as number
  }
  mark(slot: number): number {
    return this.marks[slot] as number
  }

  set(slot: number, state: EntryState, gen: number, version: number): void {
    this.states[slot] = state
    this.gens[slot] = gen
    this.versions[slot] = version
  }
  setMark(slot: number, mark: number): void {
    this.marks[slot] = mark
  }

  /** Calls `visit` for every slot in use (any state). */
  forEach(visit: (slot: number) => void): void {
    for (let i = 0; i < this.capacity; i++) if (this.states[i] !== EMPTY) visit(i)
  }

  /** Entries in a state. */
  count(state: EntryState): number {
    let n = 0
    for (let i = 0; i < this.capacity; i++) if (this.states[i] === state) n++
    return n
  }
}
