/** The checks: snapshots and limits in, a verdict out. Pure, so every rule is tested with plain data. */
import { UserError } from '../core/errors.js'
import { engineLimits, engineName } from '../observe/info.js'
import { formatBytes, formatCount } from '../core/size.js'
import { counterDelta, restarted, type Snapshot } from '../observe/snapshot.js'

// Facts about two snapshots, read where judging needs them (they live with the snapshot, below).
export { counterDelta, restarted } from '../observe/snapshot.js'

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
  // MEMORY DOCTOR's limit for allocator_frag_ratio (src/object.c).
  maxFragmentationRatio: 1.1,
  failOn: new Set(DEFAULT_FAIL_ON)
}

/**
 * Parses `fail-on`: a comma list of check names; `none` for no failing check. An empty value is the
 * default list: the runner passes an input set to '' exactly as one not set, so the two cannot differ.
 */
export function parseFailOn(text: string, name = 'fail-on'): Set<CheckName> {
  const value = text.trim()
  if (value === '') return new Set(DEFAULT_FAIL_ON)
  if (value.toLowerCase() === 'none') return new Set()
  const out = new Set<CheckName>()
  const parts = value.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')
  // "," or ", ," names no check: it must not quietly mean "fail on nothing" (that is `none`).
  if (parts.length === 0) {
    throw new UserError(`${name}: "${value}" names no check. Use a comma list of ${CHECK_NAMES.join(', ')}, e.g. oom,used-memory, or none.`)
  }
  for (const part of parts) {
    if (!(CHECK_NAMES as readonly string[]).includes(part)) {
      throw new UserError(
        `${name}: "${part}" is not a check. Use a comma list of ${CHECK_NAMES.join(', ')} (or none), e.g. oom,used-memory,leaked-keys.`
      )
    }
    out.add(part as CheckName)
  }
  return out
}

/**
 * `reported`: measured but not judged (no limit set, or not meaningful, e.g. fragmentation of an
 * almost empty Redis); `unknown`: the check could not be made (see `reason`). Neither is a pass.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'reported' | 'unknown'
/** A report's (and a node's) outcome: the worst of its checks, as `fail-on` weighs them. */
export type Verdict = 'pass' | 'warn' | 'fail'
export const CHECK_STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail', 'reported', 'unknown']
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
  /** Why the check could not be made; set exactly when the status is `unknown`. */
  reason?: string
}

/**
 * Where the judged peak came from: the samples, INFO's used_memory_peak (when it rose during the
 * step), or used_memory in the snapshot before or after the step.
 */
export type PeakSource = 'sampled' | 'info-peak' | 'before' | 'after'

/** One figure that could have been the step's peak. */
export interface PeakCandidate {
  source: PeakSource
  bytes: number
  /** When it was seen (samples and snapshots). */
  at?: string
}

export interface PeakFigure {
  bytes: number | null
  /** The candidate that won; with no figure at all, `after`. */
  source: PeakSource
  /** When the peak was seen, where known. */
  at?: string
  /** Which figure was used and why, in words. */
  explanation: string
  /** Every figure that was compared, highest first; the renderers show these instead of deciding again. */
  candidates: PeakCandidate[]
}

/** What the samples saw of counters that a restart (or CONFIG RESETSTAT) set back to zero during the step. */
export interface CounterResets {
  /** How many times the counters were reset (a changed run_id or a counter that dropped). */
  count: number
  /** When each reset was first seen. */
  at: string[]
  /** Whether the server's run_id changed (a restart) rather than only the counters dropping. */
  restarted: boolean
  /** Growth seen before the last reset, which the snapshot after the step can no longer show. */
  oomErrors: number
  rejectedCalls: number
  evictedKeys: number
}

/** What happened during the step besides the two snapshots (sampling and key analysis add to it). */
/** Limits the inputs asked for that CONFIG SET could not apply to this server (attach mode). */
export interface LimitsRefused {
  /** CONFIG parameters left at the server's own value, e.g. `maxmemory`. */
  settings: string[]
  /** The server's reply, e.g. `ERR unknown command 'CONFIG'`. */
  reason: string
}

export interface StepObservations {
  /** The step's own peak from sampling `used_memory`, when the step was sampled. */
  sampledPeak?: { bytes: number; at: string }
  /** Counter resets the samples saw; their earlier growth still counts. */
  counterResets?: CounterResets
  /** OOM messages found in the output of the command the action ran. */
  outputOomLines?: number
  /** Exact leaked keys from the key inventory; replaces the per-DB count difference. */
  leakedKeys?: { count: number; byDb: Record<string, number> }
  /** Keys found outside the expected DB. */
  wrongDb?: { expectedDb: number; keys: number; dbs: string[] }
  /** maxmemory or maxmemory-policy that could not be set: the server ran with its own. */
  limitsRefused?: LimitsRefused
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
  /** Set when Redis restarted (or its counters were reset) during the step. */
  restart: RestartFacts | null
}

/** A restart during the step, for a visible line in every format. */
export interface RestartFacts {
  /** True for a changed run_id; false when only the counters dropped (CONFIG RESETSTAT). */
  restarted: boolean
  /** When the samples first saw it; empty when only the snapshots show it. */
  at: string[]
  /** Growth from before the restart that still counts. */
  carried: { oomErrors: number; rejectedCalls: number; evictedKeys: number }
}

/** Preference among equal candidates: a sample has a time, INFO's peak is what Redis itself proves. */
const PEAK_PREFERENCE: readonly PeakSource[] = ['sampled', 'info-peak', 'after', 'before']

const PEAK_WORDS: Record<PeakSource, string> = {
  sampled: 'the highest used_memory sampled during the step',
  'info-peak': "INFO's used_memory_peak after the step, which rose during the step, so the step reached at least that",
  after: 'used_memory after the step',
  before: 'used_memory before the step'
}

/**
 * The step's peak: the highest of the sampled peak, used_memory in both snapshots, and INFO's
 * used_memory_peak when it rose during the step (or Redis restarted, which resets it): Redis
 * then proves the step reached at least that, even when a spike fell between two samples.
 * Decided here once; the report carries every candidate so no renderer decides again.
 */
export function stepPeak(before: Snapshot | null, after: Snapshot, obs: StepObservations): PeakFigure {
  const candidates: PeakCandidate[] = []
  if (obs.sampledPeak) candidates.push({ source: 'sampled', bytes: obs.sampledPeak.bytes, at: obs.sampledPeak.at })
  const infoPeakAfter = after.memory.usedMemoryPeak
  const infoPeakBefore = before?.memory.usedMemoryPeak ?? null
  const infoPeakRose =
    infoPeakAfter !== null &&
    before !== null &&
    (restarted(before, after) || (obs.counterResets?.restarted ?? false) || (infoPeakBefore !== null && infoPeakAfter > infoPeakBefore))
  if (infoPeakRose && infoPeakAfter !== null) candidates.push({ source: 'info-peak', bytes: infoPeakAfter, at: after.takenAt })
  if (after.memory.usedMemory !== null) candidates.push({ source: 'after', bytes: after.memory.usedMemory, at: after.takenAt })
  if (before?.memory.usedMemory != null) candidates.push({ source: 'before', bytes: before.memory.usedMemory, at: before.takenAt })
  candidates.sort((a, b) => b.bytes - a.bytes || PEAK_PREFERENCE.indexOf(a.source) - PEAK_PREFERENCE.indexOf(b.source))
  const top = candidates[0]
  if (!top) return { bytes: null, source: 'after', explanation: 'not known: the server reports no used_memory', candidates }
  let explanation = PEAK_WORDS[top.source]
  if (before === null) explanation = 'used_memory at the snapshot (one moment, no step)'
  else if (top.source !== 'sampled' && obs.sampledPeak) explanation += ', higher than every sample'
  else if (top.source !== 'info-peak' && !obs.sampledPeak && !infoPeakRose) {
    explanation +=
      ": INFO's used_memory_peak did not rise during the step (Redis never resets it), so the step stayed below an earlier peak; " +
      'sample the step (the run input) to see its own peak'
  }
  return { bytes: top.bytes, source: top.source, ...(top.at ? { at: top.at } : {}), explanation, candidates }
}

/** Judges one step. `before` is null for one moment (the snapshot command) or when the main step could not take its snapshot. */
export function judge(before: Snapshot | null, after: Snapshot, t: Thresholds, obs: StepObservations = {}): Judgement {
  const resets = obs.counterResets && obs.counterResets.count > 0 ? obs.counterResets : null
  // A reset seen only by the samples (CONFIG RESETSTAT, or a restart the run_id missed) also makes `after` count from zero.
  const restart = restarted(before, after) || resets !== null
  const carried = { oomErrors: resets?.oomErrors ?? 0, rejectedCalls: resets?.rejectedCalls ?? 0, evictedKeys: resets?.evictedKeys ?? 0 }
  const step = before !== null
  /** Words for the moment the figures describe: a snapshot has no step. */
  const when = step ? 'after the step' : 'at the snapshot'
  // Messages name the engine the step ran against: "Valkey refused 3 commands" on Valkey.
  const engine = engineName(after.server)
  const notes: string[] = []
  if (restart) notes.push(`${engine} restarted during the step: counters are counted from the restart, plus what the samples saw before it.`)
  if (!step) notes.push('No "before" snapshot: only the state at this moment is judged, not what changed.')
  // Engines the suite cannot run (Dragonfly, KeyDB) differ in ways the figures alone do not show.
  notes.push(...engineLimits(after.server))
  const checks: CheckResult[] = []
  const breach = breachOf(t)
  const mem = after.memory
  const peak = stepPeak(before, after, obs)
  const peakWords = step ? "the step's peak" : 'used_memory'

  // oom
  const lifetimeOom = after.errorstats === null ? null : (after.errorstats.OOM ?? 0)
  const statsDelta =
    after.errorstats === null || !step ? null : (counterDelta(before.errorstats?.OOM ?? 0, after.errorstats.OOM ?? 0, restart) ?? 0) + carried.oomErrors
  const rejectedCalls = step ? addCarried(sumRejected(before, after, restart), carried.rejectedCalls) : null
  let oomErrors: number | null = statsDelta
  if (obs.outputOomLines !== undefined) oomErrors = Math.max(oomErrors ?? 0, obs.outputOomLines)
  if (oomErrors === null && !step) {
    checks.push({
      check: 'oom',
      status: 'reported',
      measured: lifetimeOom,
      limit: null,
      unit: 'count',
      message:
        lifetimeOom === null
          ? 'Not judged: one snapshot has no step to count OOM errors in, and this server does not report errorstats.'
          : `Not judged: one snapshot has no step to count OOM errors in; since the server started it refused ${plural(lifetimeOom, 'command')} with OOM.`
    })
  } else if (oomErrors === null) {
    const reason =
      'this server does not report errorstats (Redis before 6.2 and some forks); run the tests through the run input so OOM messages in their output are counted'
    checks.push({ check: 'oom', status: 'unknown', measured: null, limit: 0, unit: 'count', message: `Could not be checked: ${reason}.`, reason })
  } else if (oomErrors > 0) {
    const resetWords = resets?.restarted || restarted(before, after) ? 'before Redis restarted' : 'before the counters were reset'
    const beforeRestart = carried.oomErrors > 0 ? ` (${formatCount(carried.oomErrors)} of them ${resetWords})` : ''
    checks.push({
      check: 'oom',
      status: breach('oom'),
      measured: oomErrors,
      limit: 0,
      unit: 'count',
      message: `${engine} refused ${plural(oomErrors, 'command')} with "OOM command not allowed when used memory > 'maxmemory'" during the step${beforeRestart}.`,
      advice:
        'Tests wrote more than maxmemory allows. Look for keys left behind by earlier tests and for large values, or raise maxmemory.'
    })
  } else {
    checks.push({ check: 'oom', status: 'pass', measured: 0, limit: 0, unit: 'count', message: 'No command was refused for lack of memory.' })
  }

  // used-memory
  checks.push(
    limitCheck('used-memory', mem.usedMemory, t.maxUsedMemory, breach, {
      what: `used_memory ${when}`,
      over: step
        ? `${engine} holds more data after the step than allowed: keys written by the tests were not deleted, or values are larger than expected.`
        : `${engine} holds more data than allowed.`,
      advice: 'Delete what the tests write (FLUSHDB between tests), give keys a TTL, or raise max-used-memory.'
    })
  )

  // peak-memory
  checks.push(
    limitCheck('peak-memory', peak.bytes, t.maxPeakMemory, breach, {
      what: step ? `${peakWords} (${peak.explanation})` : 'used_memory at the snapshot',
      over: step ? `At some point during the step ${engine} used more memory than allowed.` : `${engine} uses more memory than allowed.`,
      advice: 'Find what the tests load at once (big fixtures, bulk inserts) or raise max-peak-memory.'
    })
  )

  // memory-percent
  checks.push(memoryPercentCheck(mem.maxmemory, peak, t, breach, peakWords, obs.limitsRefused))
  if (mem.maxmemory === 0) {
    notes.push(`No maxmemory is set: ${engine} may grow until the machine runs out of memory, and OOM errors cannot happen before that.`)
  }

  // fragmentation
  checks.push(fragmentationCheck(after, t, breach))

  // evictions
  const evicted = step ? addCarried(counterDelta(before.evictedKeys, after.evictedKeys, restart), carried.evictedKeys) : null
  if (!step) {
    checks.push({
      check: 'evictions',
      status: 'reported',
      measured: after.evictedKeys,
      limit: null,
      unit: 'count',
      message:
        after.evictedKeys === null
          ? 'Not judged: one snapshot has no step to count evictions in, and evicted_keys is not reported by this server.'
          : `Not judged: one snapshot has no step to count evictions in; since the server started it evicted ${plural(after.evictedKeys, 'key')}.`
    })
  } else if (evicted === null) {
    const reason = 'evicted_keys is not reported by this server'
    checks.push({ check: 'evictions', status: 'unknown', measured: null, limit: 0, unit: 'count', message: `Could not be checked: ${reason}.`, reason })
  } else if (evicted > 0) {
    checks.push({
      check: 'evictions',
      status: breach('evictions'),
      measured: evicted,
      limit: 0,
      unit: 'count',
      message: `${engine} evicted ${plural(evicted, 'key')} during the step to stay under maxmemory (policy ${mem.maxmemoryPolicy ?? 'unknown'}): tests may have read data that had silently gone.`,
      advice: 'Raise maxmemory, or delete what earlier tests left behind.'
    })
  } else {
    checks.push({ check: 'evictions', status: 'pass', measured: 0, limit: 0, unit: 'count', message: 'No key was evicted.' })
  }

  // leaked-keys
  const leaked = obs.leakedKeys ?? keyCountGrowth(before, after)
  checks.push(leakedKeysCheck(leaked, step || obs.leakedKeys !== undefined, obs.leakedKeys !== undefined, t, breach))

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

  // Without samples nothing carried the counters across a restart: a zero after it proves nothing
  // about the OOM errors or evictions before it (26,872 OOM errors once vanished that way).
  if (step && restarted(before, after) && resets === null && !obs.sampledPeak) {
    const reason = `${engine} restarted during the step and no samples were taken (sample-interval: 0), so its counters from before the restart are lost; sample the step to carry them across a restart`
    for (const [i, c] of checks.entries()) {
      if ((c.check === 'oom' || c.check === 'evictions') && c.status === 'pass') {
        checks[i] = { check: c.check, status: 'unknown', measured: null, limit: c.limit, unit: c.unit, message: `Could not be checked: ${reason}.`, reason }
      }
    }
  }

  return {
    verdict: verdictOf(checks, t.failOn),
    checks,
    peak,
    oomErrors,
    rejectedCalls,
    evictedKeys: evicted,
    leakedKeys: leaked.count,
    leakedKeysByDb: leaked.byDb,
    notes,
    restart: restart ? { restarted: restarted(before, after) || (resets?.restarted ?? false), at: resets?.at ?? [], carried } : null
  }
}

/**
 * The checks a step without an "after" snapshot could not make, each `unknown` with `reason`
 * (e.g. the post step's time bound was reached, or Redis could not be reached): never left out,
 * so a reader sees what was not checked and why. Limits as the thresholds give them.
 */
export function uncheckedWithoutAfter(t: Thresholds, reason: string): CheckResult[] {
  const unknown = (check: CheckName, unit: Unit, limit: number | null): CheckResult => ({ check, status: 'unknown', measured: null, limit, unit, message: `Could not be checked: ${reason}.`, reason })
  return [
    unknown('oom', 'count', 0),
    unknown('used-memory', 'bytes', t.maxUsedMemory ?? null),
    unknown('peak-memory', 'bytes', t.maxPeakMemory ?? null),
    unknown('memory-percent', 'bytes', null),
    unknown('fragmentation', 'ratio', t.maxFragmentationRatio ?? null),
    unknown('evictions', 'count', 0),
    unknown('leaked-keys', 'count', t.maxLeakedKeys ?? null)
  ]
}

/**
 * fail when a check failed; warn when one warned or when a check that `fail-on` names could not
 * be made (a gate that could not see must not pass); else pass. `reported` never changes it.
 */
export function verdictOf(checks: readonly CheckResult[], failOn: ReadonlySet<CheckName>): 'pass' | 'warn' | 'fail' {
  if (checks.some((c) => c.status === 'fail')) return 'fail'
  if (checks.some((c) => c.status === 'warn' || (c.status === 'unknown' && failOn.has(c.check)))) return 'warn'
  return 'pass'
}

function addCarried(n: number | null, carried: number): number | null {
  return n === null ? (carried > 0 ? carried : null) : n + carried
}

/** What a breach of each check is: `fail` for the checks `fail-on` names, else `warn`. */
export function breachOf(t: Pick<Thresholds, 'failOn'>): (check: CheckName) => CheckStatus {
  return (check) => (t.failOn.has(check) ? 'fail' : 'warn')
}

/**
 * A byte figure against its limit: one node's used memory or peak, and the total over several nodes.
 * `missing` says why a null figure is missing (default: the server does not report it).
 */
export function limitCheck(
  check: CheckName,
  measured: number | null,
  limit: number | undefined,
  breach: (c: CheckName) => CheckStatus,
  words: { what: string; over: string; advice: string; missing?: string }
): CheckResult {
  if (measured === null) {
    const reason = words.missing ?? `${words.what} is not reported by this server`
    // Without a limit nothing was to be judged, but the figure is still missing: say so rather than "reported".
    return { check, status: limit === undefined ? 'reported' : 'unknown', measured, limit: limit ?? null, unit: 'bytes', message: `Could not be checked: ${reason}.`, ...(limit === undefined ? {} : { reason }) }
  }
  if (limit === undefined) {
    return { check, status: 'reported', measured, limit: null, unit: 'bytes', message: `${capitalize(words.what)} was ${formatBytes(measured)}. Reported only: no limit is set.` }
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
  breach: (c: CheckName) => CheckStatus,
  peakWords: string,
  refused?: LimitsRefused
): CheckResult {
  const base = { check: 'memory-percent' as const, unit: 'bytes' as const, measured: peak.bytes }
  const Peak = capitalize(peakWords)
  if (t.maxMemoryPercent === undefined) return { ...base, status: 'reported', limit: null, message: 'Reported only: no max-memory-percent is set.' }
  // The share of the maxmemory the inputs asked for cannot be measured on a server that runs with its own.
  if (refused?.settings.includes('maxmemory')) {
    const reason = `maxmemory could not be set with CONFIG SET (${refused.reason}), so this server ran with its own`
    return { ...base, status: 'unknown', limit: null, message: `Could not be checked: ${reason}.`, reason }
  }
  if (maxmemory === null) {
    const reason = 'maxmemory is not reported by this server'
    return { ...base, status: 'unknown', limit: null, message: `Could not be checked: ${reason}.`, reason }
  }
  if (maxmemory === 0) return { ...base, status: 'reported', limit: null, message: 'Not judged: no maxmemory is set, so there is no share to measure.' }
  const limit = Math.floor((maxmemory * t.maxMemoryPercent) / 100)
  if (peak.bytes === null) {
    const reason = 'used_memory is not reported by this server'
    return { ...base, status: 'unknown', limit, message: `Could not be checked: ${reason}.`, reason }
  }
  const share = (peak.bytes / maxmemory) * 100
  const pct = share.toFixed(1)
  if (peak.bytes > limit) {
    // At or above 100% Redis is already refusing writes (or evicting): "close to OOM" would understate it.
    const meaning = peak.bytes > maxmemory ? 'Redis was over maxmemory.' : peak.bytes === maxmemory ? 'Redis reached maxmemory.' : 'the suite runs close to OOM.'
    return {
      ...base,
      status: breach('memory-percent'),
      limit,
      message: `${Peak} reached ${formatBytes(peak.bytes)}, ${pct}% of maxmemory ${formatBytes(maxmemory)} (limit ${t.maxMemoryPercent}%): ${meaning}`,
      advice:
        peak.bytes >= maxmemory
          ? 'Raise maxmemory, or clean up between tests so memory does not pile up.'
          : 'Clean up between tests so memory does not pile up, or raise maxmemory.'
    }
  }
  return { ...base, status: 'pass', limit, message: `${Peak} was ${pct}% of maxmemory ${formatBytes(maxmemory)} (limit ${t.maxMemoryPercent}%).` }
}

/** Redis 7.4 changed allocator_frag_* to count small bins only (large-bin fragmentation is left out). */
function smallBinsOnly(server: Snapshot['server']): boolean {
  if (server.kind !== 'redis' || !server.version) return false
  const [major, minor] = server.version.split('.').map(Number)
  return major > 7 || (major === 7 && minor >= 4)
}

/**
 * The process's RSS beyond the allocator, in words: `allocator_rss_*` (pages the allocator keeps
 * resident) and `rss_overhead_*` (RSS outside the allocator: binary, libraries, stacks). Said next
 * to the judged figure so that RSS minus used memory is never read as fragmentation.
 */
function rssOverheadWords(m: Snapshot['memory']): string {
  const parts: string[] = []
  if (m.allocatorRssBytes != null) parts.push(`allocator_rss_bytes ${formatBytes(Math.max(0, m.allocatorRssBytes))} (pages the allocator keeps resident)`)
  if (m.rssOverheadBytes != null) parts.push(`rss_overhead_bytes ${formatBytes(Math.max(0, m.rssOverheadBytes))} (the process outside the allocator)`)
  return parts.length ? ` Not fragmentation of the data: ${parts.join(', ')}.` : ''
}

/**
 * Judged on the allocator's own figures, as MEMORY DOCTOR does (src/object.c: allocator_frag_ratio
 * over its limit and allocator_frag_bytes over 10 MiB, from 5 MiB used). mem_fragmentation_* is RSS
 * over used memory: an idle Redis holds 7–11 MB of process beyond its data, so it passed 10 MB as
 * soon as the data passed a few MB and flagged idle servers.
 */
function fragmentationCheck(after: Snapshot, t: Thresholds, breach: (c: CheckName) => CheckStatus): CheckResult {
  const m = after.memory
  const engine = engineName(after.server)
  const ratio = m.allocatorFragRatio
  const bytes = m.allocatorFragBytes
  const base = { check: 'fragmentation' as const, unit: 'ratio' as const, measured: ratio, limit: t.maxFragmentationRatio ?? null }
  const bins = smallBinsOnly(after.server) ? ` (${engine} ${after.server.version} counts small bins only, so fragmentation of large allocations is not in it)` : ''
  const processRatio = m.memFragmentationRatio === null ? '' : ` mem_fragmentation_ratio ${m.memFragmentationRatio.toFixed(2)} is RSS over used memory, the process included, and is not judged.`
  // jemalloc reports its figures; other allocators (libc) leave them 0, which is no measurement.
  const noAllocator = ratio === null || bytes === null || ratio <= 0
  if (noAllocator || m.usedMemory === null) {
    const reason = `allocator_frag_ratio and allocator_frag_bytes are not reported by this server${after.server.allocator && !after.server.allocator.startsWith('jemalloc') ? ` (allocator ${after.server.allocator})` : ''}`
    if (t.maxFragmentationRatio === undefined) return { ...base, measured: null, status: 'reported', message: `Could not be checked: ${reason}.` }
    return { ...base, measured: null, status: 'unknown', message: `Could not be checked: ${reason}.${processRatio}`, reason }
  }
  const judged = `allocator_frag_ratio ${ratio.toFixed(2)} (allocator_frag_bytes ${formatBytes(Math.max(0, bytes))})${bins}`
  if (t.maxFragmentationRatio === undefined) {
    return { ...base, status: 'reported', message: `${judged}. Reported only: no max-fragmentation-ratio is set.` }
  }
  if (m.usedMemory < FRAGMENTATION_MIN_USED) {
    return {
      ...base,
      status: 'reported',
      message: `Not judged: only ${formatBytes(m.usedMemory)} is in use (under 5 MB), too little for fragmentation to matter (MEMORY DOCTOR's rule); ${judged}.${rssOverheadWords(m)}`
    }
  }
  if (bytes <= FRAGMENTATION_MIN_BYTES) {
    return {
      ...base,
      status: 'reported',
      message: `Not judged: ${judged}, 10 MB or less lost to fragmentation, which is harmless (MEMORY DOCTOR's rule).${rssOverheadWords(m)}`
    }
  }
  if (ratio > t.maxFragmentationRatio) {
    const peakCause =
      m.usedMemoryPeak !== null && m.usedMemoryPeak / m.usedMemory > PEAK_TO_USED_RATIO
        ? ` It is likely caused by an earlier peak: memory once reached ${formatBytes(m.usedMemoryPeak)}, and freed memory is not always returned to the system.`
        : ''
    return {
      ...base,
      status: breach('fragmentation'),
      message: `${judged} is over ${t.maxFragmentationRatio}: ${engine}'s allocator holds ${formatBytes(bytes)} in partly used pages.${peakCause}`,
      advice: 'Usually harmless in tests. If it persists, turn on activedefrag or restart Redis between suites.'
    }
  }
  return { ...base, status: 'pass', message: `${judged} is within ${t.maxFragmentationRatio}.` }
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
  if (!measurable) return { ...base, status: 'reported', measured: null, message: 'Not judged: one snapshot has no step, so no key can have been left behind by it.' }
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
    return { ...base, status: 'reported', measured: leaked.count, message: `${found} Reported only: set max-leaked-keys to check it.` }
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
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
}

/** Capitalises a sentence's first word, but not a field name such as used_memory, which reads as written. */
function capitalize(s: string): string {
  if (/^[a-z]+_/.test(s)) return s
  return s.charAt(0).toUpperCase() + s.slice(1)
}
