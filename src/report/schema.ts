/**
 * The report's schema: the one JSON document that the summary, the PR comment, the CLI and the
 * outputs are made from. Types and the schema's version only, importing nothing but types, so it
 * sits at the bottom: every module that reads a report imports this, and none of the modules it
 * reads its sections' types from imports a report back (`npm run check:cycles` holds it there).
 * The report is built in build.ts, above.
 */
import type { CheckResult, PeakFigure, RestartFacts, Verdict } from '../judge/checks.js'
import type { InstancesReport } from '../judge/nodes.js'
import type { ErrorCounts } from '../observe/snapshot.js'
import type { GuardFootprint } from '../observe/footprint.js'
import type { ServerInfo } from '../observe/info.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { StepTraffic } from '../observe/traffic.js'
import type { Denial } from '../observe/permissions.js'
import type { ClientEntry } from '../observe/clients.js'
import type { CommandReport } from '../run/output.js'
import type { SamplingReport } from '../sampler/sample.js'
import type { KeysReport } from '../keys/report.js'
import type { CauseReport } from '../explain/cause.js'
import type { ReportBaseline } from '../baseline/schema.js'

export type { Verdict } from '../judge/checks.js'

/**
 * 2: check statuses `reported` and `unknown` (with `reason`) replace `skipped`; `peak.source` is
 * `sampled`, `info-peak`, `before` or `after` with `peak.candidates`; `restart`.
 */
export const SCHEMA_VERSION = 2
/** Versions that `diff` reads: it uses only the snapshots, whose shape has not changed. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2]

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
  /**
   * What puts the figures in doubt without a check failing: the step sent this Redis nothing of its
   * own (the tests used another?), or another client wrote during it (a shared Redis?). Shown as
   * warnings; the verdict stays what the checks say. Absent when there are none.
   */
  warnings?: string[]
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
  /** This run against the base branch's baseline (pull request, file), or what was recorded (push); absent when neither. */
  baseline?: ReportBaseline
  /** Commands the Redis user may not run (NOPERM), and what each cost; absent when none was refused. */
  permissions?: { denied: Denial[] }
  /** The step's own commands (the guard's INFO and PING left out); absent without commandstats on both sides. */
  traffic?: StepTraffic
  /** Clients connected before the step that ran commands during it (another job on a shared Redis?); absent when not listed. */
  otherClients?: ClientEntry[]
  /** Error replies during the step, the guard's own left out; absent without a "before" and "after" snapshot. */
  errorReplies?: ErrorCounts
  /** What the guard itself added to the server before the step (its latency histograms), reported once here and left out of the step's figures. */
  guard?: GuardFootprint
  /** Several instances or cluster nodes: per-node figures and verdicts, totals, imbalance, findings naming the instance. Absent for one Redis. */
  instances?: InstancesReport
}
