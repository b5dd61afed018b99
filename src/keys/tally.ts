/**
 * Counts keys into KeyGroups and keeps the largest keys, one key at a time, then turns the counts
 * into an Inventory (extrapolated by DBSIZE when the scan stopped early). Pure: no I/O.
 */
import { prefixOf, type PrefixRule } from './prefix.js'

/** Keys of one prefix in one DB. `prefix` is a byte string (see prefix.ts). */
export interface KeyGroup {
  db: number
  prefix: string
  keys: number
  /** Sum of MEMORY USAGE over the keys; 0 where the server has no MEMORY USAGE. */
  bytes: number
}

/** One key with its memory. `key` is a byte string. */
export interface SizedKey {
  db: number
  key: string
  bytes: number
  /** PTTL: milliseconds left, -1 for no TTL, null when not asked. */
  ttlMs: number | null
}

/** How far the scan of one DB got. */
export interface DbScan {
  db: number
  /** DBSIZE when the scan of this DB started. */
  dbsize: number
  /** Keys the scan returned (after ignore-keys). */
  scanned: number
  /** Keys left out by ignore-keys. */
  ignored: number
  complete: boolean
}

/** `raw`: the lean pipeline on a socket of its own (raw.ts); `pipeline`: node-redis's. */
export type ScanMethod = 'raw' | 'lua' | 'pipeline'

/** What one scan of the whole keyspace found. Group figures of DBs whose scan stopped early are extrapolated. */
export interface Inventory {
  takenAt: string
  durationMs: number
  method: ScanMethod
  /** Why the Lua fast path was not used, when it was asked for and failed. */
  fallbackReason?: string
  /** False on servers without MEMORY USAGE (e.g. Dragonfly): counts only. */
  memoryUsage: boolean
  complete: boolean
  dbs: DbScan[]
  /** Per DB and prefix, largest bytes first; extrapolated where `estimated`. */
  groups: (KeyGroup & { estimated: boolean })[]
  /** Largest keys by MEMORY USAGE, largest first (only those the scan saw). */
  topKeys: SizedKey[]
  /** Keys put into the catch-all group because there were more than `maxGroups` prefixes. */
  foldedKeys: number
}

export const OTHER_PREFIX = '(other prefixes)'

export interface TallyOptions {
  rule: PrefixRule
  /** How many of the largest keys to keep. */
  topKeys: number
  /** Past this many distinct prefixes, new ones go into one catch-all group so memory stays bounded. */
  maxGroups: number
}

export const DEFAULT_TALLY: Omit<TallyOptions, 'rule'> = { topKeys: 20, maxGroups: 20_000 }

export class KeyTally {
  private readonly groups = new Map<number, Map<string, KeyGroup>>()
  private groupCount = 0
  private foldedKeys = 0
  private top: SizedKey[] = []
  private topMin = 0

  constructor(private readonly opts: TallyOptions) {}

  /** Counts one key; returns its prefix. */
  add(db: number, key: string, bytes: number): string {
    let prefix = prefixOf(key, this.opts.rule)
    let byPrefix = this.groups.get(db)
    if (!byPrefix) {
      byPrefix = new Map()
      this.groups.set(db, byPrefix)
    }
    let g = byPrefix.get(prefix)
    if (!g) {
      if (this.groupCount >= this.opts.maxGroups) {
        prefix = OTHER_PREFIX
        this.foldedKeys++
        g = byPrefix.get(prefix)
      }
      if (!g) {
        g = { db, prefix, keys: 0, bytes: 0 }
        byPrefix.set(prefix, g)
        this.groupCount++
      }
    }
    g.keys++
    g.bytes += bytes
    if (this.opts.topKeys > 0 && (this.top.length < this.opts.topKeys || bytes > this.topMin)) this.keepTop({ db, key, bytes, ttlMs: null })
    return prefix
  }

  /** The largest keys so far, for filling in their TTLs. */
  get largest(): readonly SizedKey[] {
    return this.top
  }

  private keepTop(k: SizedKey): void {
    // A sorted array is enough: it holds ~20 keys, and most keys are smaller than its smallest.
    let i = this.top.length
    while (i > 0 && this.top[i - 1].bytes < k.bytes) i--
    this.top.splice(i, 0, k)
    if (this.top.length > this.opts.topKeys) this.top.pop()
    this.topMin = this.top[this.top.length - 1].bytes
  }

  /** The inventory: groups scaled by DBSIZE/scanned for DBs whose scan did not finish. */
  finish(meta: Omit<Inventory, 'groups' | 'topKeys' | 'foldedKeys' | 'complete'>): Inventory {
    const factor = new Map<number, number>()
    for (const d of meta.dbs) {
      // The part seen stands for the whole DB: DBSIZE over the keys seen (ignored ones included).
      if (!d.complete && d.scanned > 0) factor.set(d.db, Math.max(1, d.dbsize / (d.scanned + d.ignored)))
    }
    const groups: Inventory['groups'] = []
    for (const byPrefix of this.groups.values()) {
      for (const g of byPrefix.values()) {
        const f = factor.get(g.db)
        groups.push(
          f === undefined
            ? { ...g, estimated: false }
            : { ...g, keys: Math.round(g.keys * f), bytes: Math.round(g.bytes * f), estimated: true }
        )
      }
    }
    groups.sort((a, b) => b.bytes - a.bytes || b.keys - a.keys)
    return {
      ...meta,
      complete: meta.dbs.every((d) => d.complete),
      groups,
      topKeys: this.top,
      foldedKeys: this.foldedKeys
    }
  }
}
