/** The report: one JSON document that the summary, the PR comment, the CLI and the outputs are made from. */
import { judge, type CheckResult, type Judgement, type PeakFigure, type RestartFacts, type StepObservations, type Thresholds } from './checks.js'
import type { ServerInfo } from './info.js'
import { memoryFacts } from './memory-facts.js'
import type { RedisTarget } from './redis/target.js'
import type { CommandReport } from './run/output.js'
import type { SamplingReport } from './sampler/sample.js'
import type { Snapshot } from './snapshot.js'
import type { KeysReport } from './keys/report.js'
import type { CauseReport } from './explain/cause.js'
import { TOOL_NAME, TOOL_VERSION } from './version.js'
import type { InstancesReport } from './step/multi.js'

/**
 * 2: check statuses `reported` and `unknown` (with `reason`) replace `skipped`; `peak.source` is
 * `sampled`, `info-peak`, `before` or `after` with `peak.candidates`; `restart`.
 */
export const SCHEMA_VERSION = 2
/** Versions that `diff` reads: it uses only the snapshots, whose shape has not changed. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2]

export type Verdict = 'pass' | 'warn' | 'fail'

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION
  tool: { name: string; version: string }
  generatedAt: string
  /** Where Redis was; the URL has its password masked. */
  target: { url: string; host: string; port: number; db: number }
  server: ServerInfo | null
  verdict: Verdict
  before: Snapshot | null
  after: Snapshot | null
  peak: PeakFigure | null
  /** Set when Redis restarted (or its counters were reset) during the step; what it carried over. */
  restart: RestartFacts | null
  oomErrors: number | null
  rejectedCalls: number | null
  evictedKeys: number | null
  leakedKeys: number | null
  leakedKeysByDb: Record<string, number>
  checks: CheckResult[]
  /** Facts worth knowing that are not breaches. */
  notes: string[]
  /** Problems that kept part of the job from running (e.g. the main step could not connect). */
  errors: string[]
  /** Figures under redis_exporter's names, for dashboards: the state after the step. */
  metrics: Record<string, number | null>
  /** Sections that later parts of the product add (samples, key analysis, the command run). */
  extra: Record<string, unknown>
  /** The key analysis: prefixes, largest keys, leaked keys, keys in the wrong DB (absent when key-scan-budget is 0). */
  keys?: KeysReport
  /** The samples taken during the step, their peak, first OOM and eviction, and gaps; absent when not sampled. */
  sampling?: SamplingReport
  /** The command the `run` input ran; absent in attach mode. */
  command?: CommandReport
  /** What the memory is made of, what held it at the moments that mattered, when and by which test each leaked key appeared. */
  cause?: CauseReport
  /** Several instances or cluster nodes: per-node figures and verdicts, totals, imbalance, findings naming the instance. Absent for one Redis. */
  instances?: InstancesReport
}

export interface ReportInput {
  target: RedisTarget
  before: Snapshot | null
  after: Snapshot | null
  thresholds: Thresholds
  observations?: StepObservations
  errors?: string[]
  extra?: Record<string, unknown>
  keys?: KeysReport
  now?: Date
  sampling?: SamplingReport
  command?: CommandReport
  cause?: CauseReport
}

/** Judges the step and assembles the report. With no "after" snapshot, the verdict is `fail` and says why. */
export function buildReport(input: ReportInput): Report {
  const { target, before, after } = input
  const observations: StepObservations = { ...samplingObservations(input.sampling), ...input.observations }
  const judgement: Judgement | null = after ? judge(before, after, input.thresholds, observations) : null
  const errors = [...(input.errors ?? [])]
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    generatedAt: (input.now ?? new Date()).toISOString(),
    target: { url: target.display, host: target.host, port: target.port, db: target.db },
    server: after?.server ?? before?.server ?? null,
    verdict: judgement === null ? 'fail' : errors.length > 0 && judgement.verdict === 'pass' ? 'warn' : judgement.verdict,
    before,
    after,
    peak: judgement?.peak ?? null,
    restart: judgement?.restart ?? null,
    oomErrors: judgement?.oomErrors ?? null,
    rejectedCalls: judgement?.rejectedCalls ?? null,
    evictedKeys: judgement?.evictedKeys ?? null,
    leakedKeys: judgement?.leakedKeys ?? null,
    leakedKeysByDb: judgement?.leakedKeysByDb ?? {},
    checks: judgement?.checks ?? [],
    // What the 7.4+/Valkey 8 fields explain (rehashing after a bulk load, evicted scripts, dropped clients).
    notes: [...(judgement?.notes ?? []), ...(after ? memoryFacts(before, after).map((f) => f.text) : [])],
    errors,
    metrics: after ? exporterMetrics(after, judgement) : {},
    extra: input.extra ?? {},
    ...(input.keys ? { keys: input.keys } : {}),
    ...(input.sampling ? { sampling: input.sampling } : {}),
    ...(input.command ? { command: input.command } : {}),
    ...(input.cause ? { cause: input.cause } : {})
  }
}

/**
 * What the samples tell the checks: the sampled peak and the counter growth a restart would hide.
 * Read from the sampling section itself, so no caller can pass one without the other.
 */
export function samplingObservations(sampling: SamplingReport | undefined): StepObservations {
  if (!sampling) return {}
  const s = sampling.summary
  return {
    ...(s.peak ? { sampledPeak: s.peak } : {}),
    ...(s.resets && s.resets.count > 0 ? { counterResets: s.resets } : {})
  }
}

function exporterMetrics(after: Snapshot, j: Judgement | null): Record<string, number | null> {
  const m = after.memory
  const metrics: Record<string, number | null> = {
    redis_memory_used_bytes: m.usedMemory,
    redis_memory_used_rss_bytes: m.usedMemoryRss,
    redis_memory_used_peak_bytes: m.usedMemoryPeak,
    redis_memory_max_bytes: m.maxmemory,
    redis_mem_fragmentation_ratio: m.memFragmentationRatio,
    redis_evicted_keys_total: after.evictedKeys,
    redis_errors_total_oom: after.errorstats === null ? null : (after.errorstats.OOM ?? 0),
    redis_connected_clients: after.connectedClients,
    step_peak_memory_bytes: j?.peak.bytes ?? null
  }
  for (const [db, k] of Object.entries(after.keyspace)) metrics[`redis_db_keys_db${db}`] = k.keys
  return metrics
}

/** Total keys over all databases, or null without a snapshot. */
export function totalKeys(s: Snapshot | null): number | null {
  if (!s) return null
  return Object.values(s.keyspace).reduce((sum, db) => sum + db.keys, 0)
}
