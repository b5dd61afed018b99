/** The checks: snapshots and limits in, a verdict out. Pure, so every rule is tested with plain data. */
import { UserError } from './errors.js'
import { formatBytes } from './size.js'
import type { Snapshot } from './snapshot.js'

export const CHECK_NAMES = [
  'oom',
  'used-memory',
  'peak-memory',
  'memory-percent',
  'fragmentation',
  'evictions',
  'leaked-keys',
  'wrong-db',
  'peak-increase', 'used-increase', 'leaked-keys-increase'
] as const
export type CheckName = (typeof CHECK_NAMES)[number]

export const DEFAULT_FAIL_ON: readonly CheckName[] = ['oom', 'used-memory', 'peak-memory', 'memory-percent']

/** MEMORY DOCTOR's own gates (src/object.c): below these, fragmentation figures are noise. */
export const FRAGMENTATION_MIN_USED = 5 * 1024 * 1024
export const FRAGMENTATION_MIN_BYTES = 10 * 1024 * 1024
/** peak/used above this: memory was much higher earlier, and fragmentation may come from that peak. */
export const PEAK_TO_USED_RATIO = 1.5

export interface Thresholds {
  maxUsedMemory?: number
  maxPeakMemory?: number
  /** Percent of maxmemory the step's peak may reach. */
  maxMemoryPercent?: number
  maxFragmentationRatio?: number
  maxLeakedKeys?: number
  failOn: ReadonlySet<CheckName>
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  maxMemoryPercent: 90,
  maxFragmentationRatio: 1.5,
  failOn: new Set(DEFAULT_FAIL_ON)
}

/** Parses `fail-on`: a comma list of check names; `none` for no failing check. */
export function parseFailOn(text: string, name = 'fail-on'): Set<CheckName> {
  const value = text.trim()
  if (value === '') return new Set(DEFAULT_FAIL_ON)
  if (value.toLowerCase() === 'none') return new Set()
  const out = new Set<CheckName>()
  for (const part of value.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')) {
    if (!(CHECK_NAMES as readonly string[]).includes(part)) {
      throw new UserError(
        `${name}: "${part}" is not a check. Use a comma list of ${CHECK_NAMES.join(', ')} (or none), e.g. oom,used-memory,leaked-keys.`
      )
    }
    out.add(part as CheckName)
  }
  return out
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped'
export type Unit = 'bytes' | 'count' | 'ratio'

export interface CheckResult {
  check: CheckName
  status: CheckStatus
  measured: number | null
  limit: number | null
  unit: Unit
  /** One sentence a person understands: what was measured, against what, and what it means. */
  message: string
  /** What to do about it, for breaches. */
  advice?: string
}

export type PeakSource = 'sampled' | 'info-peak' | 'before-after'

export interface PeakFigure {
  bytes: number | null
  source: PeakSource
  /** When the peak was seen (sampled peaks only). */
  at?: string
  /** Which figure was used and why, in words. */
  explanation: string
}

/** What happened during the step besides the two snapshots (sampling and key analysis add to it). */
export interface StepObservations {
  /** The step's own peak from sampling `used_memory`, when the step was sampled. */
  sampledPeak?: { bytes: number; at: string }
  /** OOM messages found in the output of the command the action ran. */
  outputOomLines?: number
  /** Exact leaked keys from the key inventory; replaces the per-DB count difference. */
  leakedKeys?: { count: number; byDb: Record<string, number> }
  /** Keys found outside the expected DB. */
  wrongDb?: { expectedDb: number; keys: number; dbs: string[] }
}

export interface Judgement {
  verdict: 'pass' | 'warn' | 'fail'
  checks: CheckResult[]
  peak: PeakFigure
  oomErrors: number | null
  rejectedCalls: number | null
  evictedKeys: number | null
  leakedKeys: number
  leakedKeysByDb: Record<string, number>
  /** Facts worth knowing that are not breaches (no maxmemory, a restart, ...). */
  notes: string[]
}

/** True when the two snapshots come from different server runs (Redis restarted in between). */
export function restarted(before: Snapshot | null, after: Snapshot): boolean {
  return before !== null && before.runId !== null && after.runId !== null && before.runId !== after.runId
}

/** How much a counter grew; after a restart the counter started from zero, so its value is the growth. */
export function counterDelta(before: number | null | undefined, after: number | null | undefined, restart: boolean): number | null {
  if (after === null || after === undefined) return null
  if (restart) return after
  if (before === null || before === undefined) return null
  return Math.max(0, after - before)
}

/** The step's peak, and which figure it came from. */
export function stepPeak(before: Snapshot | null, after: Snapshot, obs: StepObservations): PeakFigure {
  const ends = [before?.memory.usedMemory, after.memory.usedMemory].filter((n): n is number => typeof n === 'number')
  if (obs.sampledPeak) {
    return {
      bytes: Math.max(obs.sampledPeak.bytes, ...ends),
      source: 'sampled',
      at: obs.sampledPeak.at,
      explanation: 'the highest used_memory sampled during the step'
    }
  }
  const infoPeakAfter = after.memory.usedMemoryPeak
  const infoPeakBefore = before?.memory.usedMemoryPeak ?? null
  if (infoPeakAfter !== null && (restarted(before, after) || (infoPeakBefore !== null && infoPeakAfter > infoPeakBefore))) {
    return {
      bytes: infoPeakAfter,
      source: 'info-peak',
      explanation: "INFO's used_memory_peak, which rose during the step, so the step set it"
    }
  }
  return {
    bytes: ends.length > 0 ? Math.max(...ends) : null,
    source: 'before-after',
    explanation:
      "the larger of used_memory before and after: INFO's used_memory_peak did not rise during the step " +
      '(Redis never resets it), so the step stayed below an earlier peak; use the run input to sample the exact peak'
  }
}

/** Judges one step. `before` is null when the main step could not take its snapshot. */
export function judge(before: Snapshot | null, after: Snapshot, t: Thresholds, obs: StepObservations = {}): Judgement {
  const restart = restarted(before, after)
  const notes: string[] = []
  if (restart) notes.push('Redis restarted during the step: counters are counted from the restart.')
  if (before === null) notes.push('No "before" snapshot: changes during the step cannot be measured, only the state after it.')
  const checks: CheckResult[] = []
  const breach = (check: CheckName): CheckStatus => (t.failOn.has(check) ? 'fail' : 'warn')
  const mem = after.memory
  const peak = stepPeak(before, after, obs)

  // oom
  const oomFromStats = after.errorstats === null ? null : counterDelta(before?.errorstats?.OOM ?? 0, after.errorstats.OOM ?? 0, restart)
  const rejectedCalls = sumRejected(before, after, restart)
  let oomErrors: number | null = oomFromStats
  if (obs.outputOomLines !== undefined) oomErrors = Math.max(oomErrors ?? 0, obs.outputOomLines)
  if (before === null && oomFromStats !== null && obs.outputOomLines === undefined) oomErrors = null
  if (oomErrors === null) {
    checks.push({
      check: 'oom',
      status: 'skipped',
      measured: null,
      limit: 0,
      unit: 'count',
      message:
        after.errorstats === null
          ? 'Could not run: this server does not report errorstats (Redis before 6.2 and some forks); run the tests through the run input so OOM messages in their output are counted.'
          : 'Could not run: without a "before" snapshot the OOM counter cannot be compared.'
    })
  } else if (oomErrors > 0) {
    checks.push({
      check: 'oom',
      status: breach('oom'),
      measured: oomErrors,
      limit: 0,
      unit: 'count',
      message: `Redis refused ${plural(oomErrors, 'command')} with "OOM command not allowed when used memory > 'maxmemory'" during the step.`,
      advice:
        'Tests wrote more than maxmemory allows. Look for keys left behind by earlier tests and for large values, or raise maxmemory.'
    })
  } else {
    checks.push({ check: 'oom', status: 'pass', measured: 0, limit: 0, unit: 'count', message: 'No command was refused for lack of memory.' })
  }

  // used-memory
  checks.push(
    limitCheck('used-memory', mem.usedMemory, t.maxUsedMemory, breach, {
      what: 'used_memory after the step',
      over: 'Redis holds more data after the step than allowed: keys written by the tests were not deleted, or values are larger than expected.',
      advice: 'Delete what the tests write (FLUSHDB between tests), give keys a TTL, or raise max-used-memory.'
    })
  )

  // peak-memory
  checks.push(
    limitCheck('peak-memory', peak.bytes, t.maxPeakMemory, breach, {
      what: `the step's peak (${peak.explanation})`,
      over: 'At some point during the step Redis used more memory than allowed.',
      advice: 'Find what the tests load at once (big fixtures, bulk inserts) or raise max-peak-memory.'
    })
  )

  // memory-percent
  checks.push(memoryPercentCheck(mem.maxmemory, peak, t, breach))
  if (mem.maxmemory === 0) {
    notes.push('No maxmemory is set: Redis may grow until the machine runs out of memory, and OOM errors cannot happen before that.')
  }

  // fragmentation
  checks.push(fragmentationCheck(after, t, breach))

  // evictions
  const evicted = counterDelta(before?.evictedKeys, after.evictedKeys, restart)
  if (evicted === null) {
    checks.push({
      check: 'evictions',
      status: 'skipped',
      measured: null,
      limit: 0,
      unit: 'count',
      message: after.evictedKeys === null ? 'evicted_keys: not reported by this server.' : 'Could not run without a "before" snapshot.'
    })
  } else if (evicted > 0) {
    checks.push({
      check: 'evictions',
      status: breach('evictions'),
      measured: evicted,
      limit: 0,
      unit: 'count',
      message: `Redis evicted ${plural(evicted, 'key')} during the step to stay under maxmemory (policy ${mem.maxmemoryPolicy ?? 'unknown'}): tests may have read data that had silently gone.`,
      advice: 'Raise maxmemory, or delete what earlier tests left behind.'
    })
  } else {
    checks.push({ check: 'evictions', status: 'pass', measured: 0, limit: 0, unit: 'count', message: 'No key was evicted.' })
  }

  // leaked-keys
  const leaked = obs.leakedKeys ?? keyCountGrowth(before, after)
  checks.push(leakedKeysCheck(leaked, before !== null || obs.leakedKeys !== undefined, obs.leakedKeys !== undefined, t, breach))

  // wrong-db
  if (obs.wrongDb) {
    const w = obs.wrongDb
    checks.push({
      check: 'wrong-db',
      status: w.keys > 0 ? breach('wrong-db') : 'pass',
      measured: w.keys,
      limit: 0,
      unit: 'count',
      message:
        w.keys > 0
          ? `${plural(w.keys, 'key')} appeared in DB ${w.dbs.join(', ')} although the tests should use DB ${w.expectedDb}.`
          : `All new keys are in DB ${w.expectedDb}, as expected.`,
      advice: w.keys > 0 ? `Check the database number in the tests' Redis URL or SELECT calls (expected ${w.expectedDb}).` : undefined
    })
  }

  const verdict = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'pass'
  return {
    verdict,
    checks,
    peak,
    oomErrors,
    rejectedCalls,
    evictedKeys: evicted,
    leakedKeys: leaked.count,
    leakedKeysByDb: leaked.byDb,
    notes
  }
}

function limitCheck(
  check: CheckName,
  measured: number | null,
  limit: number | undefined,
  breach: (c: CheckName) => CheckStatus,
  words: { what: string; over: string; advice: string }
): CheckResult {
  if (limit === undefined) {
    return { check, status: 'skipped', measured, limit: null, unit: 'bytes', message: `No limit set for ${words.what}.` }
  }
  if (measured === null) {
    return { check, status: 'skipped', measured, limit, unit: 'bytes', message: `Could not run: ${words.what} is not reported by this server.` }
  }
  if (measured > limit) {
    return {
      check,
      status: breach(check),
      measured,
      limit,
      unit: 'bytes',
      message: `${capitalize(words.what)} was ${formatBytes(measured)}, over the limit of ${formatBytes(limit)}. ${words.over}`,
      advice: words.advice
    }
  }
  return { check, status: 'pass', measured, limit, unit: 'bytes', message: `${capitalize(words.what)} was ${formatBytes(measured)}, within ${formatBytes(limit)}.` }
}

function memoryPercentCheck(
  maxmemory: number | null,
  peak: PeakFigure,
  t: Thresholds,
  breach: (c: CheckName) => CheckStatus
): CheckResult {
  const base = { check: 'memory-percent' as const, unit: 'bytes' as const, measured: peak.bytes }
  if (t.maxMemoryPercent === undefined) return { ...base, status: 'skipped', limit: null, message: 'No max-memory-percent set.' }
  if (maxmemory === null) return { ...base, status: 'skipped', limit: null, message: 'Skipped: maxmemory is not reported by this server.' }
  if (maxmemory === 0) return { ...base, status: 'skipped', limit: null, message: 'Skipped: no maxmemory is set, so there is no share to measure.' }
  const limit = Math.floor((maxmemory * t.maxMemoryPercent) / 100)
  if (peak.bytes === null) return { ...base, status: 'skipped', limit, message: 'Could not run: used_memory is not reported by this server.' }
  const pct = ((peak.bytes / maxmemory) * 100).toFixed(1)
  if (peak.bytes > limit) {
    return {
      ...base,
      status: breach('memory-percent'),
      limit,
      message: `The step's peak reached ${formatBytes(peak.bytes)}, ${pct}% of maxmemory ${formatBytes(maxmemory)} (limit ${t.maxMemoryPercent}%): the suite runs close to OOM.`,
      advice: 'Clean up between tests so memory does not pile up, or raise maxmemory.'
    }
  }
  return { ...base, status: 'pass', limit, message: `The step's peak was ${pct}% of maxmemory ${formatBytes(maxmemory)} (limit ${t.maxMemoryPercent}%).` }
}

function fragmentationCheck(after: Snapshot, t: Thresholds, breach: (c: CheckName) => CheckStatus): CheckResult {
  const m = after.memory
  const base = { check: 'fragmentation' as const, unit: 'ratio' as const, measured: m.memFragmentationRatio, limit: t.maxFragmentationRatio ?? null }
  if (t.maxFragmentationRatio === undefined) return { ...base, status: 'skipped', message: 'No max-fragmentation-ratio set.' }
  if (m.memFragmentationRatio === null || m.usedMemory === null) {
    return { ...base, status: 'skipped', message: 'mem_fragmentation_ratio: not reported by this server.' }
  }
  const ratio = m.memFragmentationRatio.toFixed(2)
  if (m.usedMemory < FRAGMENTATION_MIN_USED) {
    return {
      ...base,
      status: 'skipped',
      message: `Not judged: only ${formatBytes(m.usedMemory)} is in use (under 5 MB), too little for the ratio (${ratio}) to mean anything. An almost empty Redis always shows a high ratio, since the process's baseline RSS is counted against very little data.`
    }
  }
  if (m.memFragmentationBytes !== null && m.memFragmentationBytes <= FRAGMENTATION_MIN_BYTES) {
    return {
      ...base,
      status: 'skipped',
      message: `Not judged: only ${formatBytes(m.memFragmentationBytes)} is lost to fragmentation (10 MB or less), so the ratio ${ratio} is harmless.`
    }
  }
  if (m.memFragmentationRatio > t.maxFragmentationRatio) {
    const peakCause =
      m.usedMemoryPeak !== null && m.usedMemoryPeak / m.usedMemory > PEAK_TO_USED_RATIO
        ? ` It is likely caused by an earlier peak: memory once reached ${formatBytes(m.usedMemoryPeak)}, and freed memory is not always returned to the system.`
        : ''
    return {
      ...base,
      status: breach('fragmentation'),
      message: `Fragmentation ratio ${ratio} is over ${t.maxFragmentationRatio}: Redis's process holds ${formatBytes(m.memFragmentationBytes ?? 0)} more than its data needs.${peakCause}`,
      advice: 'Usually harmless in tests. If it persists, turn on activedefrag or restart Redis between suites.'
    }
  }
  return { ...base, status: 'pass', message: `Fragmentation ratio ${ratio} is within ${t.maxFragmentationRatio}.` }
}

function keyCountGrowth(before: Snapshot | null, after: Snapshot): { count: number; byDb: Record<string, number> } {
  const byDb: Record<string, number> = {}
  let count = 0
  if (before === null) return { count, byDb }
  const dbs = new Set([...Object.keys(before.keyspace), ...Object.keys(after.keyspace)])
  for (const db of dbs) {
    const grown = (after.keyspace[db]?.keys ?? 0) - (before.keyspace[db]?.keys ?? 0)
    if (grown > 0) {
      byDb[db] = grown
      count += grown
    }
  }
  return { count, byDb }
}

function leakedKeysCheck(
  leaked: { count: number; byDb: Record<string, number> },
  measurable: boolean,
  /** From the key inventory: the names are known, not only the counts. */
  exact: boolean,
  t: Thresholds,
  breach: (c: CheckName) => CheckStatus
): CheckResult {
  const base = { check: 'leaked-keys' as const, unit: 'count' as const, limit: t.maxLeakedKeys ?? null }
  if (!measurable) return { ...base, status: 'skipped', measured: null, message: 'Could not run without a "before" snapshot.' }
  const where = Object.entries(leaked.byDb)
    .map(([db, n]) => `DB ${db}: ${n}`)
    .join(', ')
  const found =
    leaked.count === 0
      ? 'No keys were left behind.'
      : exact
        ? `${plural(leaked.count, 'key')} left behind: present after the step and not before (${where}).`
        : `${plural(leaked.count, 'key')} more after the step than before (${where}).`
  if (t.maxLeakedKeys === undefined) {
    return { ...base, status: 'pass', measured: leaked.count, message: `${found}${leaked.count > 0 ? ' Reported only: set max-leaked-keys to check it.' : ''}` }
  }
  if (leaked.count > t.maxLeakedKeys) {
    return {
      ...base,
      status: breach('leaked-keys'),
      measured: leaked.count,
      message: `${found} The limit is ${t.maxLeakedKeys}: tests leave keys behind, which makes later tests depend on them and flaky.`,
      advice: 'Delete the keys each test writes (FLUSHDB in a before-each hook, or DEL in cleanup), or give them a TTL.'
    }
  }
  return { ...base, status: 'pass', measured: leaked.count, message: `${found} The limit is ${t.maxLeakedKeys}.` }
}

function sumRejected(before: Snapshot | null, after: Snapshot, restart: boolean): number | null {
  if (after.commandstats === null) return null
  const total = (s: Snapshot | null): number | null => {
    if (!s?.commandstats) return null
    let sum = 0
    let any = false
    for (const stat of Object.values(s.commandstats)) {
      if (stat.rejectedCalls !== null) {
        sum += stat.rejectedCalls
        any = true
      }
    }
    return any ? sum : null
  }
  const a = total(after)
  if (a === null && Object.keys(after.commandstats).length > 0) return null
  return counterDelta(total(before) ?? 0, a ?? 0, restart)
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
