/**
 * A set of strings held as 64-bit hashes in one typed array (open addressing): a run of a million
 * syslog lines can write a million event keys, and a `Set` of their strings would hold ~70 bytes
 * each on V8's heap, which old space then lets grow to a few times that before collecting
 * (docs/performance.md, "Issue 22"). Here each key costs 16–32 bytes outside the traced heap.
 * Two different keys share a hash with probability about n²/2⁶⁵ (1M keys: 3·10⁻⁸).
 */
export class KeySet {
  /** Pairs of 32-bit halves; (0, 0) is an empty slot (a hash of 0 is stored as 1). */
  private slots: Uint32Array
  private count = 0

  constructor(capacity = 1024) {
    let size = 16
    while (size < capacity * 2) size *= 2
    this.slots = new Uint32Array(size * 2)
  }

  get size(): number {
    return this.count
  }

  has(key: string): boolean {
    const [hi, lo] = hash(key)
    const at = this.find(this.slots, hi, lo)
    return this.slots[at * 2] === hi && this.slots[at * 2 + 1] === lo
  }

  add(key: string): void {
    const [hi, lo] = hash(key)
    const at = this.find(this.slots, hi, lo)
    if (this.slots[at * 2] === hi && this.slots[at * 2 + 1] === lo) return
    this.slots[at * 2] = hi
    this.slots[at * 2 + 1] = lo
    if (++this.count * 2 > this.slots.length / 2) this.grow()
  }

  /** The slot holding (hi, lo), or the empty one where it would go. */
  private find(slots: Uint32Array, hi: number, lo: number): number {
    const mask = slots.length / 2 - 1
    let at = lo & mask
    for (;;) {
      const h = slots[at * 2] ?? 0
      const l = slots[at * 2 + 1] ?? 0
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return at
      at = (at + 1) & mask
    }
  }

  private grow(): void {
    const old = this.slots
    const slots = new Uint32Array(old.length * 2)
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i] ?? 0
      const lo = old[i + 1] ?? 0
      if (hi === 0 && lo === 0) continue
      const at = this.find(slots, hi, lo)
      slots[at * 2] = hi
      slots[at * 2 + 1] = lo
    }
    this.slots = slots
  }
}

/** Two 32-bit hashes of the UTF-16 code units: FNV-1a, and a multiply-rotate with other constants. */
function hash(key: string): [number, number] {
  const lanes = new Uint32Array([0x811c9dc5, 0x9747b28c])
  for (let i = 0; i < key.length; i++) {
    lanes[0] = Math.imul((lanes[0] ?? 0) ^ key.charCodeAt(i), 0x01000193)
    const b = Math.imul((lanes[1] ?? 0) ^ key.charCodeAt(i), 0x5bd1e995)
    lanes[1] = b ^ (b >>> 13)
  }
  const [hi = 0, lo = 0] = lanes
  return hi === 0 && lo === 0 ? [0, 1] : [hi, lo]
}
