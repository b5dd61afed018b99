/** Builds the report (its schema is schema.ts, below): judges the step and assembles what was observed. */
import { judge, uncheckedWithoutAfter, type Judgement, type StepObservations, type Thresholds } from '../judge/checks.js'
import { applyDenials } from '../judge/denials.js'
import { memoryFacts } from '../observe/memory-facts.js'
import { stepErrors } from '../judge/step-errors.js'
import { stepTraffic, untouchedWarning } from '../observe/traffic.js'
import { denialNote, denialsOf, optionalRight, type Denial } from '../observe/permissions.js'
import { otherActiveClients, sharedUseNote } from '../observe/clients.js'
import type { RedisTarget } from '../redis/target.js'
import type { CommandReport } from '../run/output.js'
import type { SamplingReport } from '../sampler/sample.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { GuardFootprint } from '../observe/footprint.js'
import { formatBytes } from '../core/size.js'
import type { KeysReport } from '../keys/report.js'
import type { CauseReport } from '../explain/cause.js'
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js'
import { SCHEMA_VERSION, type Report } from './schema.js'

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
  /** Commands refused with NOPERM outside the snapshots (the key scan's); the snapshots carry their own. */
  denied?: string[]
  /** `key-scope`: leaked keys count only when named by the key inventory; a per-DB count cannot keep to it. */
  keyScope?: string[]
}

/** Judges the step and assembles the report. With no "after" snapshot, the verdict is `fail` and says why. */
export function buildReport(input: ReportInput): Report {
  const { target, before, after } = input
  const observations: StepObservations = { ...samplingObservations(input.sampling), ...input.observations }
  const judged: Judgement | null = after ? judge(before, after, input.thresholds, observations) : null
  const denials = denialsOf([
    ...(before?.denied ?? []),
    ...(after?.denied ?? []),
    ...(input.denied ?? []),
    ...(before?.clients?.denied ? [before.clients.denied] : []),
    ...(after?.clients?.denied ? [after.clients.denied] : [])
  ])
  const permitted = judged && denials.length > 0 ? withDenials(judged, denials, observations.leakedKeys !== undefined) : judged
  // key-scope without the key names: the per-DB growth counts every job's keys, so it cannot be judged.
  const judgement = permitted && before && input.keyScope?.length && observations.leakedKeys === undefined ? unscopedLeaks(permitted, input.keyScope) : permitted
  // INFO keyspace refused (or key-scope without key names): the per-DB key counts are missing or not this job's, not zero.
  const leaksUnknown = judgement?.checks.some((c) => c.check === 'leaked-keys' && c.status === 'unknown')
  const errors = [...(input.errors ?? [])]
  const traffic = before ? stepTraffic(before, after) : null
  const untouched = untouchedWarning(traffic, after)
  const others = before?.clients && after?.clients ? otherActiveClients(before.clients, after.clients, stepSeconds(before, after)) : null
  const shared = others ? sharedUseNote(others) : null
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
    leakedKeys: leaksUnknown ? null : (judgement?.leakedKeys ?? null),
    leakedKeysByDb: leaksUnknown ? {} : (judgement?.leakedKeysByDb ?? {}),
    checks: judgement?.checks ?? uncheckedWithoutAfter(input.thresholds, noAfterReason(errors)),
    // What the 7.4+/Valkey 8 fields explain (rehashing after a bulk load, evicted scripts, dropped clients).
    notes: [...(judgement?.notes ?? []), ...(after ? memoryFacts(before, after).map((f) => f.text) : []), ...(before?.guard ? [guardNote(before.guard)] : [])],
    ...(untouched || shared ? { warnings: [untouched, shared].filter((w): w is string => w !== null) } : {}),
    errors,
    metrics: after ? exporterMetrics(after, judgement) : {},
    extra: input.extra ?? {},
    ...(input.keys ? { keys: input.keys } : {}),
    ...(input.sampling ? { sampling: input.sampling } : {}),
    ...(input.command ? { command: input.command } : {}),
    ...(input.cause ? { cause: input.cause } : {}),
    ...(denials.length > 0 ? { permissions: { denied: denials } } : {}),
    ...(traffic ? { traffic } : {}),
    ...(others ? { otherClients: others } : {}),
    ...(before && after ? { errorReplies: stepErrors(before, after) } : {}),
    ...(before?.guard ? { guard: before.guard } : {})
  }
}

/** Why there is no "after" snapshot, from the error that says so (the last one), for the checks it leaves unknown. */
function noAfterReason(errors: string[]): string {
  const PREFIX = 'No snapshot after the step: '
  const line = [...errors].reverse().find((e) => e.startsWith(PREFIX))
  return line ? `no snapshot after the step (${line.slice(PREFIX.length).replace(/\.$/, '')})` : 'no snapshot after the step'
}

/** The guard's own footprint, said once (docs/effects.md lists everything it does). */
export function guardNote(g: GuardFootprint): string {
  const added = g.bytes === null ? 'an unknown amount' : formatBytes(Math.max(0, g.bytes))
  const histograms =
    g.histogramsAdded.length === 0
      ? ''
      : `, ${g.histogramsAdded.length} of them latency histograms for its own commands (~${formatBytes(g.histogramBytes)}: ${g.histogramsAdded.join(', ')}), which Redis keeps until CONFIG RESETSTAT`
  return `The guard itself added ${added} to this Redis before the "before" snapshot${histograms}; this is not counted as the step's. Its connections are named ${g.clientName}*.`
}

/** The leaked-keys check made unknown: with key-scope set, only a key inventory (names) can tell this job's keys. */
function unscopedLeaks(j: Judgement, scope: string[]): Judgement {
  const reason = `key-scope (${scope.join(', ')}) needs the key names, and the key inventory did not run or failed; keys per DB include other jobs' keys`
  const checks = j.checks.map((c) =>
    c.check === 'leaked-keys' && c.status !== 'unknown'
      ? { check: c.check, status: 'unknown' as const, measured: null, limit: c.limit, unit: c.unit, message: `Could not be checked: ${reason}.`, reason }
      : c
  )
  // The leaked-keys breach is gone with its count; another check's failure still fails the step, and the gap is at least a warning.
  return { ...j, checks, verdict: checks.some((c) => c.status === 'fail') ? 'fail' : 'warn' }
}

/** How long the step lasted, from the two snapshots' times (whole seconds up, as CLIENT LIST's idle is). */
function stepSeconds(before: Snapshot, after: Snapshot): number {
  return Math.ceil((Date.parse(after.takenAt) - Date.parse(before.takenAt)) / 1000)
}

/**
 * A judgement with the checks that need a refused command made unknown. The verdict is at least a
 * warning: a gate whose user may not look cannot pass, whatever `fail-on` names.
 */
function withDenials(j: Judgement, denials: Denial[], exactLeaks: boolean): Judgement {
  const checks = applyDenials(j.checks, denials, exactLeaks)
  return {
    ...j,
    checks,
    verdict: j.verdict === 'fail' ? 'fail' : denials.every((d) => optionalRight(d.command)) ? j.verdict : 'warn',
    notes: [...denials.map(denialNote), ...j.notes]
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
