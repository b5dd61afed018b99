/**
 * Leaked keys: keys present after the step and not before, per DB, found one key at a time while
 * the "after" scan runs, so the "after" side never has to be held in memory. Pure: no I/O.
 * Counts are always exact. Bytes are exact unless sampled key memory left some leaked keys
 * unmeasured (past EXACT_LEFT_BEHIND): a prefix's bytes are then extrapolated from its measured
 * leaked keys, with a 95% interval, as the inventory does for its prefixes.
 */

import { KeyHashSet } from './keyset.js'
import { extrapolate, Z_95 } from './sampling.js'

/** The "before" key names per DB, as hashes (keyset.ts). */
export type KeySets = Map<number, KeyHashSet>

export interface LeakSample {
  key: string
  /** Null when sampled key memory did not measure this key. */
  bytes: number | null
  /** PTTL: -1 for no TTL; null if unknown. */
  ttlMs: number | null
}

/** Leaked keys of one prefix in one DB. */
export interface LeakGroup {
  db: number
  prefix: string
  keys: number
  /** Keys without a TTL: these stay until someone deletes them. */
  withoutTtl: number
  /** Exact, or extrapolated where `bytesMargin` is set. */
  bytes: number
  /** Present when some of the group's keys were not measured: half the width of the 95% interval around `bytes` (Infinity when none was). */
  bytesMargin?: number
  /** With `bytesMargin`: keys of the group whose MEMORY USAGE was asked. */
  measuredKeys?: number
  /** The first few names, up to the per-prefix cap. */
  samples: LeakSample[]
}

export interface LeakResult {
  count: number
  byDb: Record<string, number>
  withoutTtl: number
  /** Exact, or the sum of the groups' estimates where `bytesMargin` is set. */
  bytes: number
  /** Present when some leaked keys were not measured: half the width of the 95% interval around `bytes`. */
  bytesMargin?: number
  /** With `bytesMargin`: leaked keys whose MEMORY USAGE was asked. */
  measuredKeys?: number
  /** Largest groups first. */
  groups: LeakGroup[]
  /** Names kept over all groups (the cap on names kept). */
  namesKept: number
  /** True when more leaked keys exist than names were kept. */
  namesCapped: boolean
}

export interface LeakCaps {
  /** Names kept per prefix. */
  perPrefix: number
  /** Names kept over all prefixes. */
  total: number
}

export const DEFAULT_LEAK_CAPS: LeakCaps = { perPrefix: 5, total: 500 }

/** A group while counting: `bytes` over its measured keys, and their sums for the estimate. */
interface Counting extends LeakGroup {
  measured: number
  sumSq: number
}

export class LeakCollector {
  /** Per DB, per prefix: no key string built per leaked key. */
  private readonly groups = new Map<number, Map<string, Counting>>()
  private count = 0
  private withoutTtl = 0
  private unmeasured = 0
  private namesKept = 0
  private readonly byDb: Record<string, number> = {}
  /** The last isNew question and its answer: the scan asks twice per key (its TTL, how to measure it). */
  private lastKey: string | null = null
  private lastDb = -1
  private lastNew = false

  /** `before` is taken over: leaked keys are added to it, so a key SCAN returns twice counts once. */
  constructor(
    private readonly before: KeySets,
    private readonly caps: LeakCaps = DEFAULT_LEAK_CAPS
  ) {}

  /** True when the key was not there before (nor seen yet in this scan): its TTL is wanted. */
  isNew(db: number, key: string): boolean {
    if (key === this.lastKey && db === this.lastDb) return this.lastNew
    this.lastKey = key
    this.lastDb = db
    this.lastNew = !this.before.get(db)?.has(key)
    return this.lastNew
  }

  /** Looks at one key of the "after" scan; true when it was not there before. `measured` false: sampled mode did not measure it (`bytes` is ignored). */
  add(db: number, key: string, prefix: string, bytes: number, ttlMs: number | null, measured = true): boolean {
    let seen = this.before.get(db)
    if (!seen) {
      seen = new KeyHashSet()
      this.before.set(db, seen)
    }
    if (!seen.add(key)) return false
    // Now in the set: a second isNew for this key (SCAN may return a key twice) must say so.
    if (key === this.lastKey && db === this.lastDb) this.lastNew = false
    this.count++
    this.byDb[db] = (this.byDb[db] ?? 0) + 1
    if (ttlMs === -1) this.withoutTtl++
    let byPrefix = this.groups.get(db)
    if (!byPrefix) {
      byPrefix = new Map()
      this.groups.set(db, byPrefix)
    }
    let g = byPrefix.get(prefix)
    if (!g) {
      g = { db, prefix, keys: 0, withoutTtl: 0, bytes: 0, samples: [], measured: 0, sumSq: 0 }
      byPrefix.set(prefix, g)
    }
    g.keys++
    if (measured) {
      g.measured++
      g.bytes += bytes
      g.sumSq += bytes * bytes
    } else this.unmeasured++
    if (ttlMs === -1) g.withoutTtl++
    if (g.samples.length < this.caps.perPrefix && this.namesKept < this.caps.total) {
      g.samples.push({ key, bytes: measured ? bytes : null, ttlMs })
      this.namesKept++
    }
    return true
  }

  result(): LeakResult {
    const estimated = this.unmeasured > 0
    let bytes = 0
    let variance = 0
    const groups: LeakGroup[] = []
    for (const { measured, sumSq, ...g } of [...this.groups.values()].flatMap((byPrefix) => [...byPrefix.values()])) {
      if (estimated) {
        // The measured leaked keys (the first in SCAN order, whose order follows a hash of the name) are a fair sample of the group.
        const est = extrapolate(g.keys, { n: measured, sum: g.bytes, sumSq }, 0, 0)
        g.bytes = est.bytes
        g.bytesMargin = est.margin
        g.measuredKeys = measured
        // Groups are sampled independently: their variances add up.
        variance += (est.margin / Z_95) ** 2
      }
      bytes += g.bytes
      g.samples.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      groups.push(g)
    }
    groups.sort((a, b) => b.keys - a.keys || b.bytes - a.bytes)
    return {
      count: this.count,
      byDb: { ...this.byDb },
      withoutTtl: this.withoutTtl,
      bytes,
      ...(estimated ? { bytesMargin: Z_95 * Math.sqrt(variance), measuredKeys: this.count - this.unmeasured } : {}),
      groups,
      namesKept: this.namesKept,
      namesCapped: this.namesKept < this.count
    }
  }
}
