/**
 * Takes a moment snapshot: the top prefixes by bytes and the largest keys, within a budget of its
 * own (default 1 s and 20,000 keys), plus what the memory is made of. It reuses the key inventory
 * (inventory.ts) with those bounds: past them the figures are extrapolated by DBSIZE and the
 * snapshot says it looked at part of the keyspace.
 */
import type { KeyMatcher } from '../keys/glob.js'
import { describeError } from '../core/errors.js'
import type { RedisConnection } from '../redis/connection.js'
import { maskUrlText } from '../redis/target.js'
import { describeKeys, EncodingSampler, sampleEncodings } from '../keys/details.js'
import { takeInventory } from '../keys/inventory.js'
import { keyName, type PrefixRule } from '../keys/prefix.js'
import { keyDetailFigure } from '../keys/report.js'
import { KeyInput, readKeySettings } from '../keys/settings.js'
import type { Sample } from '../sampler/sample.js'
import { takeMemoryBreakdown, type BreakdownResult } from './memory.js'
import { MomentTrigger, type MomentPrefix, type MomentReason, type MomentSnapshot } from './moments.js'

export interface MomentBudget {
  /** Longest time for the key scan. */
  ms: number
  /** Most keys the scan looks at. */
  keys: number
}

export const DEFAULT_MOMENT_BUDGET: MomentBudget = { ms: 1000, keys: 20_000 }

export interface MomentRequest {
  reasons: MomentReason[]
  /** The sample that triggered it. */
  at: string
  usedMemory: number | null
  maxmemory: number | null
  rule: PrefixRule
  ignore?: KeyMatcher | null
  budget?: MomentBudget
  /** How many prefixes and keys it keeps. */
  top?: number
}

/** Keys per prefix whose TYPE is asked, for the "(stream)" beside a prefix. */
const TYPE_SAMPLES = 3

/** Takes one moment snapshot; never throws (a failure is recorded in `error`, the rest kept). */
export async function takeMomentSnapshot(conn: RedisConnection, req: MomentRequest): Promise<MomentSnapshot> {
  const started = Date.now()
  const budget = req.budget ?? DEFAULT_MOMENT_BUDGET
  const top = req.top ?? 5
  const snapshot: MomentSnapshot = {
    kind: 'moment',
    reasons: req.reasons,
    at: req.at,
    usedMemory: req.usedMemory,
    maxmemory: req.maxmemory,
    scan: { complete: false, scannedKeys: 0, totalKeys: 0, durationMs: 0, budgetMs: budget.ms, keyBudget: budget.keys },
    topPrefixes: [],
    largestKeys: [],
    breakdown: { breakdown: null, reason: 'not taken' },
    tookMs: 0
  }
  // What the memory is made of comes first: it costs two commands and matters even when the scan fails.
  snapshot.breakdown = await breakdownOrReason(conn)
  try {
    const sampler = new EncodingSampler(TYPE_SAMPLES, 500)
    const inv = await takeInventory(conn, {
      rule: req.rule,
      ignore: req.ignore ?? null,
      budgetMs: budget.ms,
      maxKeys: budget.keys,
      topKeys: top,
      onKey: (db, key, prefix) => sampler.add(db, key, prefix)
    })
    const scanned = inv.dbs.reduce((s, d) => s + d.scanned + d.ignored, 0)
    const total = inv.dbs.reduce((s, d) => s + d.dbsize, 0)
    snapshot.scan = {
      complete: inv.complete,
      scannedKeys: scanned,
      totalKeys: Math.max(total, scanned),
      durationMs: inv.durationMs,
      budgetMs: budget.ms,
      keyBudget: budget.keys,
      ...(inv.complete ? {} : { note: 'the first keys SCAN returned (hash order, close to a random sample), figures extrapolated by DBSIZE' })
    }
    const topGroups = inv.groups.slice(0, top)
    const wanted = new Set(topGroups.map((g) => `${g.db}\n${g.prefix}`))
    const [mixes, details] = await Promise.all([
      sampleEncodings(conn, sampler, { only: (db, prefix) => wanted.has(`${db}\n${prefix}`) }),
      describeKeys(conn, inv.topKeys.slice(0, top))
    ])
    snapshot.topPrefixes = topGroups.map((g): MomentPrefix => {
      const mix = mixes.find((m) => m.db === g.db && m.prefix === g.prefix)
      const types = new Map<string, number>()
      for (const [enc, n] of Object.entries(mix?.encodings ?? {})) types.set(enc.split('/')[0], (types.get(enc.split('/')[0]) ?? 0) + n)
      const name = keyName(g.prefix)
      return {
        db: g.db,
        prefix: name.key,
        ...(name.keyBase64 ? { prefixBase64: name.keyBase64 } : {}),
        keys: g.keys,
        bytes: g.bytes,
        estimated: g.estimated,
        types: [...types.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t)
      }
    })
    snapshot.largestKeys = details.map(keyDetailFigure)
  } catch (err) {
    snapshot.error = maskUrlText(describeError(err))
  }
  snapshot.tookMs = Date.now() - started
  return snapshot
}

async function breakdownOrReason(conn: RedisConnection): Promise<BreakdownResult> {
  try {
    return await takeMemoryBreakdown(conn)
  } catch (err) {
    return { breakdown: null, reason: maskUrlText(describeError(err)) }
  }
}

/**
 * What the sampler needs to take moment snapshots; plain JSON, since it travels in the sampler's
 * environment variable. Built by `momentConfig` from the key settings and thresholds.
 */
export interface MomentConfig {
  keyDelimiter: string
  prefixDepth: number
  keyPatterns: string[]
  ignoreKeys: string[]
  /** max-peak-memory in bytes, or null. */
  maxPeakMemory: number | null
  budgetMs: number
  maxKeys: number
  /** Counters of the snapshot before the step, when known. */
  before?: { oomErrors: number | null; evictedKeys: number | null }
}

/** Reads a MomentConfig out of parsed JSON; null when absent or malformed (no moments then, never a crash). */
export function momentConfigFrom(value: unknown): MomentConfig | null {
  if (value === null || typeof value !== 'object') return null
  const c = value as Partial<MomentConfig>
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')
  if (typeof c.keyDelimiter !== 'string' || !(Number(c.prefixDepth) >= 1) || !strings(c.keyPatterns) || !strings(c.ignoreKeys)) return null
  return {
    keyDelimiter: c.keyDelimiter,
    prefixDepth: Number(c.prefixDepth),
    keyPatterns: c.keyPatterns,
    ignoreKeys: c.ignoreKeys,
    maxPeakMemory: typeof c.maxPeakMemory === 'number' ? c.maxPeakMemory : null,
    budgetMs: Number(c.budgetMs) > 0 ? Number(c.budgetMs) : DEFAULT_MOMENT_BUDGET.ms,
    maxKeys: Number(c.maxKeys) > 0 ? Number(c.maxKeys) : DEFAULT_MOMENT_BUDGET.keys,
    ...(c.before ? { before: c.before } : {})
  }
}

/**
 * Watches the samples and takes a moment snapshot when one is due, one at a time and without
 * holding up the sampling: moments that fall due while one is taken are merged into the next.
 * At most one snapshot per reason, so at most four per step.
 */
export class MomentRecorder {
  private readonly trigger: MomentTrigger
  private readonly rule: PrefixRule
  private readonly ignore: KeyMatcher | null
  private running: Promise<void> | null = null
  private pending: { reasons: MomentReason[]; sample: Sample; maxmemory: number | null } | null = null

  constructor(
    private readonly config: MomentConfig,
    private readonly write: (snapshot: MomentSnapshot) => void
  ) {
    this.trigger = new MomentTrigger({ maxPeakMemory: config.maxPeakMemory }, config.before ?? null)
    const settings = readKeySettings((name) => {
      if (name === KeyInput.KeyDelimiter) return config.keyDelimiter
      if (name === KeyInput.PrefixDepth) return String(config.prefixDepth)
      if (name === KeyInput.KeyPatterns) return config.keyPatterns.join('\n')
      if (name === KeyInput.IgnoreKeys) return config.ignoreKeys.join('\n')
      return ''
    })
    this.rule = settings.rule
    this.ignore = settings.ignore
  }

  /** Called with every sample; `conn` is the sampler's connection (null while Redis is away). */
  onSample(sample: Sample, maxmemory: number | null, conn: RedisConnection | null): void {
    if (!sample.connected) return
    const reasons = this.trigger.observe({ usedMemory: sample.usedMemory, oomErrors: sample.oomErrors, evictedKeys: sample.evictedKeys, maxmemory })
    if (reasons.length === 0) return
    this.pending = { reasons: [...(this.pending?.reasons ?? []), ...reasons], sample: this.pending?.sample ?? sample, maxmemory }
    if (!this.running && conn) this.running = this.drain(conn)
  }

  /** Resolves when no snapshot is being taken (for the sampler's exit and for tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  private async drain(conn: RedisConnection): Promise<void> {
    try {
      while (this.pending) {
        const { reasons, sample, maxmemory } = this.pending
        this.pending = null
        const snapshot = await takeMomentSnapshot(conn, {
          reasons,
          at: sample.at,
          usedMemory: sample.usedMemory,
          maxmemory,
          rule: this.rule,
          ignore: this.ignore,
          budget: { ms: this.config.budgetMs, keys: this.config.maxKeys }
        })
        this.write(snapshot)
      }
    } finally {
      this.running = null
    }
  }
}
