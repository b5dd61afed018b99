/**
 * Sampled key memory: the scan still sees every key name (leaked keys stay exact), but MEMORY
 * USAGE runs on a sample of each prefix, and the prefix's bytes are extrapolated with an interval.
 *
 * Each prefix is a stratum. Its keys are measured in SCAN order until the sample is big enough
 * for ±TARGET_RELATIVE_ERROR at 95% confidence given the spread measured so far (every key of a
 * small prefix is measured, so its figure is exact). SCAN walks the hash table, whose order
 * follows a hash of the name, not its size or age, so the first keys of a prefix in SCAN order
 * are a fair sample of it. Keys the user acts on (those left behind) are measured exactly and
 * kept out of the sample. Pure: no I/O.
 */
import { prefixOf, type PrefixRule } from './prefix.js'

export type KeyMemoryMode = 'exact' | 'sampled' | 'auto'

/** `auto` measures every key up to this many keys in all DBs, and samples above. */
export const AUTO_EXACT_UP_TO = 200_000
/**
 * Keys left behind are measured exactly up to this many; past it they join the sample, and the
 * leaked keys' bytes are extrapolated per prefix from the ones measured (diff.ts).
 */
export const EXACT_LEFT_BEHIND = 100_000
/** The interval's confidence: 95% (z = 1.96). */
export const Z_95 = 1.96
/** The stated error the sample size aims at: ±5% of a prefix's bytes. */
export const TARGET_RELATIVE_ERROR = 0.05
/** Measured before the spread is trusted (400 let a 2.8σ miss through in bench/speed.sh): a prefix with fewer keys is measured whole. */
export const MIN_SAMPLE = 1000
/** A prefix with a wild spread stops here; its interval then says how good the figure is. */
export const MAX_SAMPLE = 20_000

/** Whether this scan measures every key, from the mode and the number of keys INFO keyspace lists. */
export function samplesKeyMemory(mode: KeyMemoryMode, totalKeys: number): boolean {
  return mode === 'sampled' || (mode === 'auto' && totalKeys > AUTO_EXACT_UP_TO)
}

/** The sample's running sums for one prefix. */
export interface SampleStats {
  /** Keys measured as part of the sample. */
  n: number
  sum: number
  sumSq: number
}

/** How many keys a prefix needs measured for the target error, given its sample so far. */
export function neededSample(s: SampleStats): number {
  if (s.n < MIN_SAMPLE) return MIN_SAMPLE
  const mean = s.sum / s.n
  if (mean <= 0) return MIN_SAMPLE
  const variance = Math.max(0, (s.sumSq - s.n * mean * mean) / (s.n - 1))
  const cv = Math.sqrt(variance) / mean
  const n = Math.ceil(((Z_95 * cv) / TARGET_RELATIVE_ERROR) ** 2)
  return Math.min(MAX_SAMPLE, Math.max(MIN_SAMPLE, n))
}

/**
 * The bytes of `keys` keys of which `s.n` were sampled (and `exactBytes` over `exactKeys` measured
 * outside the sample), with the half width of the 95% interval: a stratified estimate with the
 * finite-population correction, so a prefix measured whole has a margin of 0.
 */
export function extrapolate(keys: number, s: SampleStats, exactKeys: number, exactBytes: number): { bytes: number; margin: number } {
  const rest = keys - exactKeys
  if (rest <= 0 || s.n >= rest) return { bytes: exactBytes + s.sum, margin: 0 }
  if (s.n === 0) return { bytes: exactBytes, margin: Number.POSITIVE_INFINITY }
  const mean = s.sum / s.n
  const variance = s.n > 1 ? Math.max(0, (s.sumSq - s.n * mean * mean) / (s.n - 1)) : mean * mean
  const se = rest * Math.sqrt(variance / s.n) * Math.sqrt(1 - s.n / rest)
  return { bytes: exactBytes + rest * mean, margin: Math.max(Z_95 * se, unseenSpread(s.n, mean, rest)) }
}

/**
 * The least margin of a sampled figure. A sample whose keys all had one size (streams of a few
 * entries, fixed-size strings) has no spread, so the normal interval is ±0, which the report
 * reads as "every key measured"; yet the keys not measured may differ. By the rule of three, up
 * to 3/n of them may be of another kind at 95% without any showing in n draws; they are counted
 * as differing by the mean size. Small beside the normal interval when the sample has a spread.
 */
export function unseenSpread(n: number, mean: number, rest: number): number {
  return n > 0 ? Math.min(1, 3 / n) * mean * (rest - n) : Number.POSITIVE_INFINITY
}

/** One prefix's sampling state in the chooser. */
interface Stratum {
  asked: number
  /** Set once enough keys were asked: the prefix's other keys are counted only. */
  full: boolean
}

/**
 * Decides, key by key as SCAN returns them, which keys of one DB to measure: every key a caller
 * needs exactly (`exact`), and per prefix the sample. Asked before the batch's MEMORY USAGE is
 * sent, so the spread it judges by (the tally's, via `stats`) lags a batch or two behind;
 * measuring a few keys more is harmless. The prefix it computes is kept in `lastPrefix`, so the
 * tally need not compute it again (it is most of the client's CPU per key).
 */
export class SampleChooser {
  private readonly strata = new Map<string, Stratum>()
  lastPrefix = ''

  constructor(
    private readonly db: number,
    private readonly rule: PrefixRule,
    private readonly stats: (db: number, prefix: string) => SampleStats | undefined,
    private readonly exact: ((db: number, key: string) => boolean) | null = null,
    /** Counts toward `limit` (EXACT_LEFT_BEHIND unless set) across the DBs of one scan. */
    private readonly shared: { exactAsked: number; limit?: number } = { exactAsked: 0 }
  ) {}

  /** 2: measure exactly (outside the sample); 1: measure for the sample; 0: count only. */
  choose(key: string): 0 | 1 | 2 {
    const prefix = prefixOf(key, this.rule)
    this.lastPrefix = prefix
    if (this.exact && this.shared.exactAsked < (this.shared.limit ?? EXACT_LEFT_BEHIND) && this.exact(this.db, key)) {
      this.shared.exactAsked++
      return 2
    }
    let st = this.strata.get(prefix)
    if (!st) {
      st = { asked: 0, full: false }
      this.strata.set(prefix, st)
    }
    if (st.full) return 0
    if (st.asked >= MIN_SAMPLE) {
      const s = this.stats(this.db, prefix)
      if (st.asked >= (s ? neededSample(s) : MIN_SAMPLE)) {
        // Once the sample is big enough for the spread measured, it stays so: the spread of
        // MIN_SAMPLE keys or more changes little, and re-judging every key would cost CPU per key.
        if (s && s.n >= st.asked) st.full = true
        return 0
      }
    }
    st.asked++
    return 1
  }
}
