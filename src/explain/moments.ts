/**
 * Moments that matter: when the sampler should take a bounded key snapshot (the first OOM error,
 * the first eviction, the sampled used memory past 90% of maxmemory or of max-peak-memory), and
 * the moment snapshots as the sampler writes them (one JSON line each, next to the samples) and
 * the report reads them. Pure.
 *
 * By the after snapshot the keys that filled memory may be gone (tests clean up); a moment
 * snapshot is the only record of what held the memory when it mattered.
 */
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import type { BreakdownResult } from './memory.js'
import type { KeyDetailFigure } from '../keys/report.js'

export type MomentReason = 'first-oom' | 'first-eviction' | 'near-maxmemory' | 'near-max-peak-memory'

export const MOMENT_LABELS: Record<MomentReason, string> = {
  'first-oom': 'at the first OOM',
  'first-eviction': 'at the first eviction',
  'near-maxmemory': 'when used memory passed 90% of maxmemory',
  'near-max-peak-memory': 'when used memory passed 90% of max-peak-memory'
}

/** What one sample tells the trigger; null = not reported. */
export interface MomentObservation {
  usedMemory: number | null
  /** errorstat_OOM's count (Redis 6.2+). */
  oomErrors: number | null
  evictedKeys: number | null
  maxmemory: number | null
}

export interface MomentLimits {
  /** The max-peak-memory input in bytes, or null. */
  maxPeakMemory: number | null
  /** Share of the limit that counts as "close": 0.9. */
  share?: number
}

export const NEAR_LIMIT_SHARE = 0.9

/**
 * Decides, sample by sample, which moments are due. Each reason fires once per step. Counters are
 * judged against the first sample (the step's start); a counter that goes down means Redis
 * restarted, and the new run's counters become the base.
 */
export class MomentTrigger {
  private readonly fired = new Set<MomentReason>()
  private baseOom: number | null = null
  private baseEvicted: number | null = null
  private lastOom: number | null = null
  private lastEvicted: number | null = null

  /** `before`: the counters of the snapshot before the step, when known; else the first sample is the base. */
  constructor(
    private readonly limits: MomentLimits,
    before: { oomErrors: number | null; evictedKeys: number | null } | null = null
  ) {
    this.baseOom = before?.oomErrors ?? null
    this.baseEvicted = before?.evictedKeys ?? null
  }

  /** The base a counter is judged against: the first value seen, or 0 after a restart (the counter went down). */
  private base(base: number | null, last: number | null, now: number): number {
    if (base === null) return now
    if (now < base || (last !== null && now < last)) return 0
    return base
  }

  /** The moments this sample makes due, most telling first; empty most of the time. */
  observe(o: MomentObservation): MomentReason[] {
    const due: MomentReason[] = []
    const share = this.limits.share ?? NEAR_LIMIT_SHARE
    if (o.oomErrors !== null) {
      this.baseOom = this.base(this.baseOom, this.lastOom, o.oomErrors)
      this.lastOom = o.oomErrors
      if (o.oomErrors > this.baseOom) due.push('first-oom')
    }
    if (o.evictedKeys !== null) {
      this.baseEvicted = this.base(this.baseEvicted, this.lastEvicted, o.evictedKeys)
      this.lastEvicted = o.evictedKeys
      if (o.evictedKeys > this.baseEvicted) due.push('first-eviction')
    }
    if (o.usedMemory !== null) {
      if (o.maxmemory !== null && o.maxmemory > 0 && o.usedMemory >= share * o.maxmemory) due.push('near-maxmemory')
      if (this.limits.maxPeakMemory !== null && o.usedMemory >= share * this.limits.maxPeakMemory) due.push('near-max-peak-memory')
    }
    const fresh = due.filter((r) => !this.fired.has(r))
    for (const r of fresh) this.fired.add(r)
    return fresh
  }
}

/** A prefix's memory at a moment. */
export interface MomentPrefix {
  db: number
  prefix: string
  prefixBase64?: string
  keys: number
  bytes: number
  /** Extrapolated from the part scanned. */
  estimated: boolean
  /** Types of a few of its keys (`stream`, `hash`), most common first. */
  types: string[]
}

/** One moment snapshot: what held the memory when it mattered. */
export interface MomentSnapshot {
  kind: 'moment'
  reasons: MomentReason[]
  /** When the trigger fired (the sample's time). */
  at: string
  usedMemory: number | null
  maxmemory: number | null
  /** How the keys were looked at: all of them, or the first `scannedKeys` SCAN returned of `totalKeys`. */
  scan: { complete: boolean; scannedKeys: number; totalKeys: number; durationMs: number; budgetMs: number; keyBudget: number; note?: string }
  topPrefixes: MomentPrefix[]
  largestKeys: KeyDetailFigure[]
  /** What the memory was made of then. */
  breakdown: BreakdownResult
  /** Why the snapshot is empty or partial, when it failed. */
  error?: string
  /** Time the snapshot took, all commands included. */
  tookMs: number
}

/** Reads the moment lines out of the sampler's file (the sample lines and torn lines are skipped). */
export function parseMomentLines(text: string): MomentSnapshot[] {
  const out: MomentSnapshot[] = []
  for (const line of text.split('\n')) {
    if (!line.includes('"kind":"moment"')) continue
    try {
      const m = JSON.parse(line) as Partial<MomentSnapshot>
      if (m.kind === 'moment' && typeof m.at === 'string' && Array.isArray(m.reasons) && Array.isArray(m.topPrefixes)) out.push(m as MomentSnapshot)
    } catch {
      // torn last line
    }
  }
  return out
}

/**
 * One sentence for a moment, plain text (the renderer adds markup and escapes key names):
 * "at the first OOM (12.4 s into the step): 2.0 MB used, of which app:*:events 1.2 MB (stream), ...".
 */
export function describeMoment(m: MomentSnapshot, stepStartedAt: string | null, maxPrefixes = 3): string {
  const label = m.reasons.map((r) => MOMENT_LABELS[r]).join(' and ')
  const into = stepStartedAt ? ` (${formatDuration(Math.max(0, Date.parse(m.at) - Date.parse(stepStartedAt)))} into the step)` : ''
  const used = m.usedMemory === null ? 'used memory not reported' : `${formatBytes(m.usedMemory)} used`
  const parts = m.topPrefixes
    .slice(0, maxPrefixes)
    .map((p) => `${p.prefix} ${p.estimated ? '≈' : ''}${formatBytes(p.bytes)}${p.types.length > 0 ? ` (${p.types.join(', ')})` : ''}`)
  const of = parts.length > 0 ? `, of which ${parts.join(', ')}` : m.error ? `; the keys could not be looked at (${m.error})` : ', no keys'
  const sampled = m.scan.complete ? '' : ` (from ${formatCount(m.scan.scannedKeys)} of ${formatCount(m.scan.totalKeys)} keys${m.scan.note ? `: ${m.scan.note}` : ''})`
  return `${label}${into}: ${used}${of}${sampled}.`
}
