/**
 * A set of key names held as 64-bit hashes in two typed arrays (open addressing): 1M keys take
 * 16 MB whatever the length of their names, where a JS Set of the names took over 100 MB.
 * Two keys share a hash with odds of about n / 2^64 (1 in 10^13 for a million keys): a new key
 * could then be taken for an old one. Pure: no I/O.
 */

const scratch = new Uint32Array(2)

/** Two independent 32-bit hashes of a byte string (FNV-1a and a multiply-xorshift hash). */
export function hashKey(key: string): [number, number] {
  const h = hashInto(key)
  return [h[0], h[1]]
}

/** hashKey without allocating: the result is valid until the next call. */
export function hashInto(key: string): Uint32Array {
  let a = 0x811c9dc5
  let b = 0x9747b28c ^ key.length
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35)
  b ^= b >>> 16
  scratch[0] = a
  // (0, 0) marks an empty slot.
  scratch[1] = a === 0 && b === 0 ? 1 : b
  return scratch
}

export class KeyHashSet {
  private hi: Uint32Array
  private lo: Uint32Array
  private mask: number
  private count = 0

  constructor(expected = 16) {
    let cap = 16
    while (cap < expected * 2) cap *= 2
    this.hi = new Uint32Array(cap)
    this.lo = new Uint32Array(cap)
    this.mask = cap - 1
  }

  get size(): number {
    return this.count
  }

  has(key: string): boolean {
    const h = hashInto(key)
    return this.hasHash(h[0], h[1])
  }

  /** Adds a key; true when it was not in the set. */
  add(key: string): boolean {
    const h = hashInto(key)
    return this.addHash(h[0], h[1])
  }

  hasHash(a: number, b: number): boolean {
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i]
      const l = this.lo[i]
      if (h === 0 && l === 0) return false
      if (h === a && l === b) return true
    }
  }

  addHash(a: number, b: number): boolean {
    if ((this.count + 1) * 2 > this.hi.length) this.grow()
    for (let i = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i]
      const l = this.lo[i]
      if (h === 0 && l === 0) {
        this.hi[i] = a
        this.lo[i] = b
        this.count++
        return true
      }
      if (h === a && l === b) return false
    }
  }

  private grow(): void {
    const { hi, lo } = this
    this.hi = new Uint32Array(hi.length * 2)
    this.lo = new Uint32Array(lo.length * 2)
    this.mask = this.hi.length - 1
    this.count = 0
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.addHash(hi[i], lo[i])
  }
}
