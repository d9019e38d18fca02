/** A growable list of numbers in one Float64Array: tuples of a run's plan without an object each. */
export class NumberList {
  private items = new Float64Array(1024)
  length = 0

  push(...values: number[]): void {
    if (this.length + values.length > this.items.length) {
      const grown = new Float64Array(Math.max(this.items.length * 2, this.length + values.length))
      grown.set(this.items.subarray(0, this.length))
      this.items = grown
    }
    for (const v of values) this.items[this.length++] = v
  }

  at(index: number): number {
    return this.items[index] as number
  }
}
