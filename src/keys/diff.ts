/**
 * Leaked keys: keys present after the step and not before, per DB, found one key at a time while
 * the "after" scan runs, so the "after" side never has to be held in memory. Pure: no I/O.
 */

import { KeyHashSet } from './keyset.js'

/** The "before" key names per DB, as hashes (keyset.ts). */
export type KeySets = Map<number, KeyHashSet>

export interface LeakSample {
  key: string
  bytes: number
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
  bytes: number
  /** The first few names, up to the per-prefix cap. */
  samples: LeakSample[]
}

export interface LeakResult {
  count: number
  byDb: Record<string, number>
  withoutTtl: number
  bytes: number
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

export class LeakCollector {
  /** Per DB, per prefix: no key string built per leaked key. */
  private readonly groups = new Map<number, Map<string, LeakGroup>>()
  private count = 0
  private withoutTtl = 0
  private bytes = 0
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

  /** Looks at one key of the "after" scan; true when it was not there before. */
  add(db: number, key: string, prefix: string, bytes: number, ttlMs: number | null): boolean {
    let seen = this.before.get(db)
    if (!seen) {
      seen = new KeyHashSet()
      this.before.set(db, seen)
    }
    if (!seen.add(key)) return false
    // Now in the set: a second isNew for this key (SCAN may return a key twice) must say so.
    if (key === this.lastKey && db === this.lastDb) this.lastNew = false
    this.count++
    this.bytes += bytes
    this.byDb[db] = (this.byDb[db] ?? 0) + 1
    if (ttlMs === -1) this.withoutTtl++
    let byPrefix = this.groups.get(db)
    if (!byPrefix) {
      byPrefix = new Map()
      this.groups.set(db, byPrefix)
    }
    let g = byPrefix.get(prefix)
    if (!g) {
      g = { db, prefix, keys: 0, withoutTtl: 0, bytes: 0, samples: [] }
      byPrefix.set(prefix, g)
    }
    g.keys++
    g.bytes += bytes
    if (ttlMs === -1) g.withoutTtl++
    if (g.samples.length < this.caps.perPrefix && this.namesKept < this.caps.total) {
      g.samples.push({ key, bytes, ttlMs })
      this.namesKept++
    }
    return true
  }

  result(): LeakResult {
    const groups = [...this.groups.values()].flatMap((byPrefix) => [...byPrefix.values()]).sort((a, b) => b.keys - a.keys || b.bytes - a.bytes)
    for (const g of groups) g.samples.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return {
      count: this.count,
      byDb: { ...this.byDb },
      withoutTtl: this.withoutTtl,
      bytes: this.bytes,
      groups,
      namesKept: this.namesKept,
      namesCapped: this.namesKept < this.count
    }
  }
}
