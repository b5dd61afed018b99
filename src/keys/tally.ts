/**
 * Counts keys into KeyGroups and keeps the largest keys, one key at a time, then turns the counts
 * into an Inventory (extrapolated by DBSIZE when the scan stopped early). Pure: no I/O.
 */
import { prefixOf, type PrefixRule } from './prefix.js'
import { extrapolate, type SampleStats } from './sampling.js'

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

/** `raw`: the lean pipeline on a socket of its own (raw.ts); `pipeline`: the client's (redis/client.ts). */
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
  /** Per DB and prefix, largest bytes first; extrapolated where `estimated`, from a sample where `margin` is set. */
  groups: (KeyGroup & { estimated: boolean } & SampledFigures)[]
  /** Largest keys by MEMORY USAGE, largest first (only those the scan saw). */
  topKeys: SizedKey[]
  /** Keys put into the catch-all group because there were more than `maxGroups` prefixes. */
  foldedKeys: number
  /** Present when MEMORY USAGE ran on a sample of each prefix (key-memory sampled): groups then carry `margin`. */
  sampled?: SampledMemory
}

/** How a sampled inventory measured its keys. */
export interface SampledMemory {
  /** Keys whose MEMORY USAGE was asked (sample and exact ones). */
  measuredKeys: number
  /** The interval's confidence (0.95). */
  confidence: number
}

/** A group's figures when its bytes come from a sample: ± margin (95%), and how many of its keys were measured. */
export interface SampledFigures {
  margin?: number
  measured?: number
}

/** A group while counting: the exact part and the sample's sums. */
interface Counting extends KeyGroup {
  exactKeys: number
  exactBytes: number
  sample: SampleStats
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
  private readonly groups = new Map<number, Map<string, Counting>>()
  private sampledAny = false
  private measuredKeys = 0
  private groupCount = 0
  private foldedKeys = 0
  private top: SizedKey[] = []
  private topMin = 0
  /** The DB of the last key and its groups: keys come one DB at a time. */
  private lastDb = -1
  private lastGroups: Map<string, Counting> | undefined

  constructor(private readonly opts: TallyOptions) {}

  /**
   * Counts one key; returns its prefix. `how` says how its bytes were measured: 2 exactly (the
   * default), 1 for its prefix's sample, 0 not at all (sampled mode; `bytes` is ignored).
   * `knownPrefix`: prefixOf(key) by this tally's rule, when the caller has it already.
   */
  add(db: number, key: string, bytes: number, how: 0 | 1 | 2 = 2, knownPrefix?: string): string {
    // The sample chooser already computed the prefix (by the same rule): not twice per key.
    let prefix = knownPrefix ?? prefixOf(key, this.opts.rule)
    let byPrefix = db === this.lastDb ? this.lastGroups : this.groups.get(db)
    if (!byPrefix) {
      byPrefix = new Map()
      this.groups.set(db, byPrefix)
    }
    this.lastDb = db
    this.lastGroups = byPrefix
    let g = byPrefix.get(prefix)
    if (!g) {
      if (this.groupCount >= this.opts.maxGroups) {
        prefix = OTHER_PREFIX
        this.foldedKeys++
        g = byPrefix.get(prefix)
      }
      if (!g) {
        g = { db, prefix, keys: 0, bytes: 0, exactKeys: 0, exactBytes: 0, sample: { n: 0, sum: 0, sumSq: 0 } }
        byPrefix.set(prefix, g)
        this.groupCount++
      }
    }
    g.keys++
    if (how === 0) {
      this.sampledAny = true
      return prefix
    }
    this.measuredKeys++
    g.bytes += bytes
    if (how === 2) {
      g.exactKeys++
      g.exactBytes += bytes
    } else {
      g.sample.n++
      g.sample.sum += bytes
      g.sample.sumSq += bytes * bytes
    }
    if (this.opts.topKeys > 0 && (this.top.length < this.opts.topKeys || bytes > this.topMin)) this.keepTop({ db, key, bytes, ttlMs: null })
    return prefix
  }

  /** The sample of one prefix so far (for SampleChooser), undefined before its first key. */
  sampleOf(db: number, prefix: string): SampleStats | undefined {
    return this.groups.get(db)?.get(prefix)?.sample
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
        const { exactKeys, exactBytes, sample, ...plain } = g
        let extra: SampledFigures = {}
        if (this.sampledAny) {
          const est = extrapolate(g.keys, sample, exactKeys, exactBytes)
          plain.bytes = est.bytes
          extra = { margin: est.margin, measured: exactKeys + sample.n }
        }
        groups.push(
          f === undefined
            ? { ...plain, ...extra, estimated: false }
            : {
                ...plain,
                ...extra,
                ...(extra.margin === undefined ? {} : { margin: extra.margin * f }),
                keys: Math.round(plain.keys * f),
                bytes: Math.round(plain.bytes * f),
                estimated: true
              }
        )
      }
    }
    groups.sort((a, b) => b.bytes - a.bytes || b.keys - a.keys)
    return {
      ...meta,
      complete: meta.dbs.every((d) => d.complete),
      groups,
      topKeys: this.top,
      foldedKeys: this.foldedKeys,
      ...(this.sampledAny ? { sampled: { measuredKeys: this.measuredKeys, confidence: 0.95 } } : {})
    }
  }
}
