/** Samples taken during the step, and what they say. Pure: INFO text or samples in, plain data out. */
import type { CounterResets } from '../judge/checks.js'
import type { Snapshot } from '../observe/snapshot.js'
import { numberField, parseCommandstats, parseErrorstats, type InfoSections } from '../observe/info.js'
import { stretches } from '../core/downsample.js'

/** One look at Redis during the step. Figures are null where the server does not report them. */
export interface Sample {
  at: string
  /** False when Redis did not answer: the sample marks a gap, its figures are null. */
  connected: boolean
  usedMemory: number | null
  usedMemoryRss: number | null
  evictedKeys: number | null
  /** errorstat_OOM's count; null where the server has no errorstats (Redis < 6.2). */
  oomErrors: number | null
  /**
   * Every errorstat_* count by error prefix (`OOM`, `WRONGTYPE`, `BUSYGROUP`…), so the first reply of
   * each kind can be timed; null where the server has no errorstats. Absent in samples of older versions.
   */
  errorstats?: Record<string, number> | null
  /** The sum of commandstats' rejected_calls; null where not reported. Absent in samples of older versions. */
  rejectedCalls?: number | null
  /** The server's run_id: a new one means Redis restarted and its counters began again at zero. Absent in older samples. */
  runId?: string | null
  /** Why Redis did not answer, on samples where connected is false. */
  error?: string
}

/** A moment in the step and the figure seen then. */
export interface Moment {
  bytes: number
  at: string
}

/** A stretch of the step in which Redis did not answer. */
export interface Gap {
  /** The first sample that found Redis unreachable. */
  from: string
  /** The first sample that reached Redis again; null when it never came back while sampling. */
  to: string | null
  samples: number
  error: string | null
}

/** What the samples say about the step. */
export interface SampleSummary {
  count: number
  connectedCount: number
  firstAt: string | null
  lastAt: string | null
  /** The highest used_memory sampled, and when. */
  peak: Moment | null
  peakRss: Moment | null
  /** When the OOM counter (errorstat_OOM) first grew, compared with the step's start. */
  firstOomAt: string | null
  /** When evicted_keys first grew. */
  firstEvictionAt: string | null
  gaps: Gap[]
  /**
   * Counter resets (restarts) the samples saw, with the growth before them, which the snapshot after
   * the step no longer shows. Absent in reports of older versions.
   */
  resets?: CounterResets
}

/** The sampling section of the JSON report. */
export interface SamplingReport {
  intervalMs: number
  startedAt: string
  summary: SampleSummary
  /** The samples, thinned to at most about `MAX_REPORT_SAMPLES` (keeping each stretch's highest sample). */
  samples: Sample[]
  /** How many samples there were before thinning, when they were thinned. */
  thinnedFrom?: number
}

/** Above this many samples the report keeps the highest of each stretch (6 h at 500 ms is 43,200). */
export const MAX_REPORT_SAMPLES = 10_000

/** A sample from parsed INFO memory, stats and errorstats. */
export function sampleFromInfo(sections: InfoSections, at: Date): Sample {
  // The section header comes even with no errors; no header means the server has no errorstats.
  const errorstats = sections.errorstats === undefined ? null : parseErrorstats(sections.errorstats)
  return {
    at: at.toISOString(),
    connected: true,
    usedMemory: numberField(sections.memory, 'used_memory'),
    usedMemoryRss: numberField(sections.memory, 'used_memory_rss'),
    evictedKeys: numberField(sections.stats, 'evicted_keys'),
    oomErrors: errorstats === null ? null : (errorstats.OOM ?? 0),
    errorstats,
    rejectedCalls: sections.commandstats === undefined ? null : sumRejectedCalls(sections.commandstats),
    runId: sections.server?.run_id ?? null
  }
}

/** rejected_calls summed over all commands; null when no command reports it (before Redis 6.2). */
function sumRejectedCalls(section: Record<string, string>): number | null {
  let sum: number | null = null
  for (const stat of Object.values(parseCommandstats(section))) if (stat.rejectedCalls !== null) sum = (sum ?? 0) + stat.rejectedCalls
  return sum
}

/** A sample that records that Redis did not answer. */
export function gapSample(at: Date, error: string): Sample {
  return { at: at.toISOString(), connected: false, usedMemory: null, usedMemoryRss: null, evictedKeys: null, oomErrors: null, rejectedCalls: null, runId: null, error }
}

/** Parses the sampler's JSON lines; a torn or foreign line (the sampler killed mid-write) is skipped. */
export function parseSampleLines(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      const s = JSON.parse(line) as Partial<Sample>
      if (typeof s.at === 'string' && typeof s.connected === 'boolean') {
        out.push({
          at: s.at,
          connected: s.connected,
          usedMemory: num(s.usedMemory),
          usedMemoryRss: num(s.usedMemoryRss),
          evictedKeys: num(s.evictedKeys),
          oomErrors: num(s.oomErrors),
          ...('errorstats' in s ? { errorstats: errorCounts(s.errorstats) } : {}),
          ...('rejectedCalls' in s ? { rejectedCalls: num(s.rejectedCalls) } : {}),
          ...('runId' in s ? { runId: typeof s.runId === 'string' ? s.runId : null } : {}),
          ...(typeof s.error === 'string' ? { error: s.error } : {})
        })
      }
    } catch {
      // torn last line
    }
  }
  return out
}

/** Redis keeps at most 128 error kinds in errorstats; a line with more is not the sampler's. */
const MAX_ERROR_KINDS = 128

/** errorstats as the sampler wrote it: prefix → count; null when missing or malformed. */
function errorCounts(v: unknown): Record<string, number> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const entries = Object.entries(v as Record<string, unknown>)
  if (entries.length > MAX_ERROR_KINDS) return null
  const out: Record<string, number> = {}
  for (const [prefix, count] of entries) {
    const n = num(count)
    if (n !== null && prefix !== '__proto__') out[prefix] = n
  }
  return out
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

/** Counter values at the step's start, so growth before the first sample counts too. */
export interface CounterBaseline {
  oomErrors?: number | null
  evictedKeys?: number | null
  rejectedCalls?: number | null
  /** The "before" snapshot's run_id, so a restart before the first sample is seen too. */
  runId?: string | null
}

/** The counters of the "before" snapshot, which the samples' growth and restarts are measured from. */
export function counterBaseline(before: Snapshot | null): CounterBaseline {
  if (!before) return {}
  const rejected = before.commandstats === null ? null : Object.values(before.commandstats).reduce<number | null>((sum, c) => (c.rejectedCalls === null ? sum : (sum ?? 0) + c.rejectedCalls), null)
  return {
    oomErrors: before.errorstats ? (before.errorstats.OOM ?? 0) : null,
    evictedKeys: before.evictedKeys,
    rejectedCalls: rejected,
    runId: before.runId
  }
}

/** Peak, first growth of the OOM and eviction counters, and the gaps, from samples in time order. */
export function summarizeSamples(samples: Sample[], baseline: CounterBaseline = {}): SampleSummary {
  let peak: Moment | null = null
  let peakRss: Moment | null = null
  const gaps: Gap[] = []
  let open: Gap | null = null
  const oom = firstGrowth(baseline.oomErrors ?? null)
  const evictions = firstGrowth(baseline.evictedKeys ?? null)
  const counters = {
    oomErrors: carriedCounter(baseline.oomErrors ?? null),
    rejectedCalls: carriedCounter(baseline.rejectedCalls ?? null),
    evictedKeys: carriedCounter(baseline.evictedKeys ?? null)
  }
  const resets: CounterResets = { count: 0, at: [], restarted: false, oomErrors: 0, rejectedCalls: 0, evictedKeys: 0 }
  let runId = baseline.runId ?? null
  let connectedCount = 0
  for (const s of samples) {
    if (!s.connected) {
      if (open) open.samples++
      else {
        open = { from: s.at, to: null, samples: 1, error: s.error ?? null }
        gaps.push(open)
      }
      continue
    }
    if (open) {
      open.to = s.at
      open = null
    }
    connectedCount++
    if (s.usedMemory !== null && (peak === null || s.usedMemory > peak.bytes)) peak = { bytes: s.usedMemory, at: s.at }
    if (s.usedMemoryRss !== null && (peakRss === null || s.usedMemoryRss > peakRss.bytes)) peakRss = { bytes: s.usedMemoryRss, at: s.at }
    oom.see(s.oomErrors, s.at)
    evictions.see(s.evictedKeys, s.at)
    // A new run_id is a restart; a counter that went down is a reset (a restart the run_id missed, or CONFIG RESETSTAT).
    const newRun = runId !== null && typeof s.runId === 'string' && s.runId !== runId
    const dropped =
      counters.oomErrors.drops(s.oomErrors) || counters.rejectedCalls.drops(s.rejectedCalls ?? null) || counters.evictedKeys.drops(s.evictedKeys)
    if (newRun || dropped) {
      resets.count++
      resets.at.push(s.at)
      if (newRun) resets.restarted = true
      for (const c of Object.values(counters)) c.reset()
    }
    counters.oomErrors.see(s.oomErrors)
    counters.rejectedCalls.see(s.rejectedCalls ?? null)
    counters.evictedKeys.see(s.evictedKeys)
    if (typeof s.runId === 'string') runId = s.runId
  }
  resets.oomErrors = counters.oomErrors.carried()
  resets.rejectedCalls = counters.rejectedCalls.carried()
  resets.evictedKeys = counters.evictedKeys.carried()
  return {
    count: samples.length,
    connectedCount,
    firstAt: samples[0]?.at ?? null,
    lastAt: samples[samples.length - 1]?.at ?? null,
    peak,
    peakRss,
    firstOomAt: oom.first(),
    firstEvictionAt: evictions.first(),
    gaps,
    resets
  }
}

/**
 * A counter across resets: on a reset, the growth of the run that ended (its last value seen
 * minus where it started) is carried, and the next run starts from zero. The growth between the
 * last sample and the reset itself is not seen, so the carried figure is a lower bound.
 */
function carriedCounter(start: number | null): { drops(v: number | null): boolean; reset(): void; see(v: number | null): void; carried(): number } {
  let base = start
  let last = start
  let carried = 0
  return {
    drops: (v) => v !== null && last !== null && v < last,
    reset() {
      if (last !== null) carried += Math.max(0, last - (base ?? last))
      base = 0
      last = null
    },
    see(v) {
      if (v === null) return
      base ??= v
      last = v
    },
    carried: () => carried
  }
}

/**
 * Tracks when a counter first grew. A counter that drops was reset by a restart; from then on any
 * value above zero is growth, since it counts from zero again.
 */
function firstGrowth(start: number | null): { see(v: number | null, at: string): void; first(): string | null } {
  let prev = start
  let at: string | null = null
  return {
    see(v, when) {
      if (v === null || at !== null) return
      if (prev !== null && (v > prev || (v < prev && v > 0))) at = when
      prev = v
    },
    first: () => at
  }
}

/**
 * Thins samples to about `max` by keeping, from each of `max` stretches of equal time (the one
 * downsampler, core/downsample.ts), the sample with the highest used_memory and the first gap
 * sample: the peak and every outage survive thinning.
 */
export function thinSamples(samples: Sample[], max: number): Sample[] {
  if (samples.length <= max) return samples
  const out: Sample[] = []
  for (const { items: run } of stretches(samples, max, (s) => Date.parse(s.at))) {
    let best: Sample | null = null
    let gap: Sample | null = null
    for (const s of run) {
      if (!s.connected) gap ??= s
      else if (best === null || (s.usedMemory ?? -1) > (best.usedMemory ?? -1)) best = s
    }
    // ISO times of one format: their text order is their time order, with no collator to set up.
    const kept = [best, gap].filter((s): s is Sample => s !== null).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    out.push(...kept)
  }
  return out
}
