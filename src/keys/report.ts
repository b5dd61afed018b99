/**
 * The key analysis's part of the report (`report.keys` in the JSON), and what it tells the checks
 * (exact leaked keys, keys in the wrong DB). Pure: inventories in, plain data out.
 */
import type { StepObservations } from '../judge/checks.js'
import type { DbKeys } from '../observe/info.js'
import type { LeakResult, LeakSample } from './diff.js'
import { keyName, type KeyName } from './prefix.js'
import type { DbScan, Inventory, KeyGroup, SampledFigures, ScanMethod, SizedKey } from './tally.js'
import type { EncodingMix, KeyDetail } from './details.js'

export const MEMORY_USAGE_NOTE =
  'MEMORY USAGE estimates each key (it samples 5 elements of a collection), and the sum over all keys does not add up to used_memory: ' +
  'Redis also holds its own overhead, and the estimate counts some allocations differently. Compare prefixes by their shares, not against INFO.'

export const TOP_N = 10
/** Prefixes the report keeps for the baseline history, which compares prefixes with the base branch. */
export const LARGEST_PREFIXES = 50

export type TtlStatus = 'none' | 'set' | 'unknown'

export interface PrefixFigure {
  db: number
  prefix: string
  prefixBase64?: string
  keys: number
  bytes: number
  /** Share of the bytes of all keys scanned (0..1); null on servers without MEMORY USAGE. */
  share: number | null
  /** Extrapolated from part of the DB (the scan stopped at key-scan-budget). */
  estimated: boolean
  /** With key-memory sampled: half the width of the 95% interval around `bytes` (0 when every key was measured; null when none was). */
  bytesMargin?: number | null
  /** With key-memory sampled: keys whose MEMORY USAGE was asked. */
  measuredKeys?: number
}

export interface KeyFigure extends KeyName {
  db: number
  bytes: number
  ttl: TtlStatus
  /** Seconds left, for keys with a TTL. */
  ttlSeconds?: number
}

export interface ScanFacts {
  takenAt: string
  durationMs: number
  method: ScanMethod
  fallbackReason?: string
  complete: boolean
  dbs: DbScan[]
}

/** A leaked key's name as listed: `bytes` null when sampled key memory did not measure it. */
export type LeakedKeyFigure = Omit<KeyFigure, 'bytes'> & { bytes: number | null }

export interface LeakedGroupFigure {
  db: number
  prefix: string
  prefixBase64?: string
  keys: number
  withoutTtl: number
  /** Exact, or extrapolated from the group's measured keys where `bytesMargin` is set. */
  bytes: number
  /** Present when key-memory sampled left some of these keys unmeasured (past 100,000 leaked keys): half the width of the 95% interval (null: none measured). */
  bytesMargin?: number | null
  /** With `bytesMargin`: keys whose MEMORY USAGE was asked. */
  measuredKeys?: number
  samples: LeakedKeyFigure[]
}

export interface KeysReport {
  settings: { keyDelimiter: string; prefixDepth: number; ignoreKeys: string[]; expectedDb: number | null; keyScanBudgetMs: number; keyPatterns?: string[] }
  /** False on servers without MEMORY USAGE: counts only. */
  memoryUsage: boolean
  memoryUsageNote: string
  /** Both scans saw every key. */
  complete: boolean
  /** Some figures are extrapolated by DBSIZE because a scan stopped at the budget. */
  extrapolated: boolean
  before: ScanFacts | null
  after: ScanFacts
  /** Sum of MEMORY USAGE over the keys after the step (extrapolated where a scan stopped). */
  totalBytes: number
  totalKeys: number
  topPrefixesByMemory: PrefixFigure[]
  topPrefixesByCount: PrefixFigure[]
  /**
   * The largest prefixes by bytes (by keys without MEMORY USAGE), up to LARGEST_PREFIXES, for the
   * baseline history; `complete` when that is every prefix. Absent in reports of earlier versions.
   */
  largestPrefixes?: { list: PrefixFigure[]; complete: boolean }
  topKeys: KeyFigure[]
  /** Keys present after the step and not before; null when no complete "before" inventory exists. */
  leaked: {
    /** True when both scans were complete, so the count is exact; false: at least this many (the "after" scan stopped early). */
    exact: boolean
    count: number
    byDb: Record<string, number>
    withoutTtl: number
    withTtl: number
    /** Exact, or extrapolated per prefix where `bytesMargin` is set. */
    bytes: number
    /** Present when key-memory sampled measured only part of the leaked keys (the first 100,000): half the width of the 95% interval around `bytes`. */
    bytesMargin?: number | null
    /** With `bytesMargin`: leaked keys whose MEMORY USAGE was asked. */
    measuredKeys?: number
    groups: LeakedGroupFigure[]
    /** More leaked keys exist than names are listed. */
    namesCapped: boolean
  } | null
  /** Why `leaked` is null, in words. */
  leakedUnavailable?: string
  wrongDb: { expectedDb: number; keys: number; byDb: Record<string, number>; groups: LeakedGroupFigure[] } | null
  /** The largest keys with type, encoding and element count, as `redis-cli --bigkeys`; absent when not asked. */
  largestKeys?: KeyDetailFigure[]
  /** Per prefix, the encodings of a sample of its keys; absent when not asked. */
  encodingMix?: EncodingMixFigure[]
  /**
   * How memory was measured after the step (key-memory): `sampled` when MEMORY USAGE ran on a
   * sample per prefix, with the interval of the total (prefixes carry theirs). Absent in reports of earlier versions.
   */
  keyMemory?: { mode: 'exact' | 'sampled'; measuredKeys: number; confidence?: number; totalBytesMargin?: number | null }
  /**
   * `key-scope`: only new keys matching these globs count as this job's leaks. `outsideNewKeys`:
   * new keys outside it (another job's, on a shared Redis); null without a "before" key list.
   */
  scope?: { patterns: string[]; outsideNewKeys: number | null }
}

export interface KeysInput {
  settings: KeysReport['settings']
  before: Inventory | null
  after: Inventory
  leaks: LeakResult | null
  /** INFO keyspace before and after, for the per-DB growth when there is no exact diff. */
  keyspaceBefore: Record<string, DbKeys> | null
  keyspaceAfter: Record<string, DbKeys>
}

function scanFacts(inv: Inventory): ScanFacts {
  const { takenAt, durationMs, method, fallbackReason, complete, dbs } = inv
  return { takenAt, durationMs, method, ...(fallbackReason ? { fallbackReason } : {}), complete, dbs }
}

function withPrefix<T extends object>(base: T, bytes: string): T & { prefix: string; prefixBase64?: string } {
  const n = keyName(bytes)
  return { ...base, prefix: n.key, ...(n.keyBase64 ? { prefixBase64: n.keyBase64 } : {}) }
}

export function keyFigure(db: number, key: string, bytes: number, ttlMs: number | null): KeyFigure {
  if (ttlMs === null) return { ...keyName(key), db, bytes, ttl: 'unknown' }
  return { ...keyName(key), db, bytes, ttl: ttlMs >= 0 ? 'set' : 'none', ...(ttlMs >= 0 ? { ttlSeconds: Math.ceil(ttlMs / 1000) } : {}) }
}

function prefixFigure(g: KeyGroup & { estimated: boolean } & SampledFigures, total: number, memory: boolean): PrefixFigure {
  return withPrefix(
    {
      db: g.db,
      keys: g.keys,
      bytes: Math.round(g.bytes),
      share: memory && total > 0 ? g.bytes / total : null,
      estimated: g.estimated,
      ...(g.margin === undefined ? {} : { bytesMargin: Number.isFinite(g.margin) ? Math.round(g.margin) : null, measuredKeys: g.measured ?? 0 })
    },
    g.prefix
  )
}

/** report.keys.keyMemory: how the inventory after the step measured memory. */
function keyMemoryFacts(after: Inventory): NonNullable<KeysReport['keyMemory']> {
  if (!after.sampled) return { mode: 'exact', measuredKeys: after.dbs.reduce((s, d) => s + d.scanned, 0) }
  // Prefixes are sampled independently: their variances add up.
  let variance = 0
  for (const g of after.groups) variance += ((g.margin ?? 0) / 1.96) ** 2
  return {
    mode: 'sampled',
    measuredKeys: after.sampled.measuredKeys,
    confidence: after.sampled.confidence,
    totalBytesMargin: Number.isFinite(variance) ? Math.round(1.96 * Math.sqrt(variance)) : null
  }
}

/** A margin for the JSON report: whole bytes, null when unbounded (nothing measured). */
const marginFigure = (m: number): number | null => (Number.isFinite(m) ? Math.round(m) : null)

function leakGroups(leaks: LeakResult, keep: (db: number) => boolean): LeakedGroupFigure[] {
  return leaks.groups
    .filter((g) => keep(g.db))
    .map((g) =>
      withPrefix(
        {
          db: g.db,
          keys: g.keys,
          withoutTtl: g.withoutTtl,
          bytes: Math.round(g.bytes),
          ...(g.bytesMargin === undefined ? {} : { bytesMargin: marginFigure(g.bytesMargin), measuredKeys: g.measuredKeys ?? 0 }),
          samples: g.samples.map((s: LeakSample) => ({ ...keyFigure(g.db, s.key, s.bytes ?? 0, s.ttlMs), bytes: s.bytes }))
        },
        g.prefix
      )
    )
}

/** Keys more per DB after than before, from INFO keyspace (the fallback without an exact diff). */
export function keyGrowth(before: Record<string, DbKeys> | null, after: Record<string, DbKeys>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const db of new Set([...Object.keys(before ?? {}), ...Object.keys(after)])) {
    const grown = (after[db]?.keys ?? 0) - (before?.[db]?.keys ?? 0)
    if (grown > 0) out[db] = grown
  }
  return out
}

/** Builds `report.keys` and the observations the checks take from it. */
export function buildKeysReport(input: KeysInput): { keys: KeysReport; observations: StepObservations } {
  const { before, after, leaks, settings } = input
  const memory = after.memoryUsage
  const totalBytes = Math.round(after.groups.reduce((s, g) => s + g.bytes, 0))
  const totalKeys = after.groups.reduce((s, g) => s + g.keys, 0)
  const byCount = [...after.groups].sort((a, b) => b.keys - a.keys || b.bytes - a.bytes)
  const complete = after.complete && (before?.complete ?? true)
  const extrapolated = after.groups.some((g) => g.estimated) || (before?.groups.some((g) => g.estimated) ?? false)

  let leaked: KeysReport['leaked'] = null
  let leakedUnavailable: string | undefined
  const observations: StepObservations = {}
  if (!before) {
    leakedUnavailable = 'There is no key inventory from before the step, so leaked keys are counted as the growth of each DB.'
  } else if (!before.complete) {
    leakedUnavailable =
      'The key scan before the step stopped at key-scan-budget, so keys new in the step cannot be told apart from keys it did not reach; leaked keys are counted as the growth of each DB. Raise key-scan-budget for exact names.'
  } else if (leaks) {
    leaked = {
      exact: after.complete,
      count: leaks.count,
      byDb: leaks.byDb,
      withoutTtl: leaks.withoutTtl,
      withTtl: leaks.count - leaks.withoutTtl,
      bytes: Math.round(leaks.bytes),
      ...(leaks.bytesMargin === undefined ? {} : { bytesMargin: marginFigure(leaks.bytesMargin), measuredKeys: leaks.measuredKeys ?? 0 }),
      groups: leakGroups(leaks, () => true),
      namesCapped: leaks.namesCapped
    }
    if (after.complete) observations.leakedKeys = { count: leaks.count, byDb: leaks.byDb }
  }

  let wrongDb: KeysReport['wrongDb'] = null
  if (settings.expectedDb !== null) {
    const expected = settings.expectedDb
    const perDb = leaked ? leaked.byDb : keyGrowth(input.keyspaceBefore, input.keyspaceAfter)
    const byDb: Record<string, number> = {}
    for (const [db, n] of Object.entries(perDb)) if (Number(db) !== expected && n > 0) byDb[db] = n
    const keys = Object.values(byDb).reduce((s, n) => s + n, 0)
    wrongDb = { expectedDb: expected, keys, byDb, groups: leaks && leaked ? leakGroups(leaks, (db) => db !== expected) : [] }
    observations.wrongDb = { expectedDb: expected, keys, dbs: Object.keys(byDb) }
  }

  const keys: KeysReport = {
    settings,
    memoryUsage: memory,
    memoryUsageNote: memory
      ? MEMORY_USAGE_NOTE
      : 'This server has no MEMORY USAGE (or answers it differently, as Dragonfly does): keys are counted, memory per prefix and key is not measured.',
    complete,
    extrapolated,
    before: before ? scanFacts(before) : null,
    after: scanFacts(after),
    totalBytes,
    totalKeys,
    topPrefixesByMemory: memory ? after.groups.slice(0, TOP_N).map((g) => prefixFigure(g, totalBytes, memory)) : [],
    topPrefixesByCount: byCount.slice(0, TOP_N).map((g) => prefixFigure(g, totalBytes, memory)),
    largestPrefixes: {
      list: (memory ? after.groups : byCount).slice(0, LARGEST_PREFIXES).map((g) => prefixFigure(g, totalBytes, memory)),
      complete: after.groups.length <= LARGEST_PREFIXES
    },
    topKeys: memory ? after.topKeys.slice(0, TOP_N).map((k: SizedKey) => keyFigure(k.db, k.key, k.bytes, k.ttlMs)) : [],
    leaked,
    ...(leakedUnavailable ? { leakedUnavailable } : {}),
    wrongDb,
    // Absent for exact figures, so reports of exact scans stay as they were.
    ...(memory && after.sampled ? { keyMemory: keyMemoryFacts(after) } : {})
  }
  return { keys, observations }
}

/** A described key as the JSON report carries it. */
export interface KeyDetailFigure extends KeyName {
  db: number
  type: string
  encoding: string | null
  elements: number | null
  bytes: number | null
  ttl: 'none' | 'set' | 'gone'
  ttlSeconds?: number
}

export function keyDetailFigure(d: KeyDetail): KeyDetailFigure {
  const ttl = d.ttlMs === -2 ? 'gone' : d.ttlMs >= 0 ? 'set' : 'none'
  return { ...keyName(d.key), db: d.db, type: d.type, encoding: d.encoding, elements: d.elements, bytes: d.bytes, ttl, ...(d.ttlMs >= 0 ? { ttlSeconds: Math.ceil(d.ttlMs / 1000) } : {}) }
}

/** An encoding mix as the JSON report carries it; `mixed` when one type holds more than one encoding. */
export interface EncodingMixFigure {
  db: number
  prefix: string
  prefixBase64?: string
  keys: number
  sampled: number
  encodings: Record<string, number>
  /** True when keys of one type have different encodings (e.g. some hashes crossed to hashtable). */
  mixed: boolean
}

export function encodingMixFigure(m: EncodingMix): EncodingMixFigure {
  const types = Object.keys(m.encodings).map((e) => e.split('/')[0])
  const n = keyName(m.prefix)
  return {
    db: m.db,
    prefix: n.key,
    ...(n.keyBase64 ? { prefixBase64: n.keyBase64 } : {}),
    keys: m.keys,
    sampled: m.sampled,
    encodings: m.encodings,
    mixed: new Set(types).size < types.length
  }
}

/** `report.keys` with the largest keys described and the encoding mix per prefix (largest prefixes first, as given). */
export function withKeyDetails(keys: KeysReport, details: KeyDetail[], mixes: EncodingMix[]): KeysReport {
  return { ...keys, largestKeys: details.map(keyDetailFigure), encodingMix: mixes.map(encodingMixFigure) }
}
