/**
 * The baseline's part of the report's schema: `report.baseline` and the history entries it
 * compares. Types only, importing only other types, so the report's schema can sit below every
 * module that reads or builds a report (baseline/* among them) without a cycle.
 */
import type { CheckName, CheckResult, PeakSource, Unit, Verdict } from '../judge/checks.js'

export interface PrefixEntry {
  db: number
  prefix: string
  /** Set when the prefix is not valid UTF-8: its exact bytes. */
  prefixBase64?: string
  keys: number
  /** Null on servers without MEMORY USAGE (counts only). */
  bytes: number | null
}

export interface HistoryEntry {
  /** Null when the entry comes from a report file that does not say which commit it measured. */
  commit: string | null
  branch: string | null
  runId: string | null
  /** When the report was made (ISO). */
  date: string
  toolVersion: string
  engine: { kind: string; version: string | null } | null
  maxmemory: number | null
  maxmemoryPolicy: string | null
  /** The judged peak and which figure it came from (sampled, INFO's peak, or before/after). */
  peak: { bytes: number | null; source: PeakSource } | null
  usedAfter: number | null
  leakedKeys: number | null
  oomErrors: number | null
  evictedKeys: number | null
  rejectedCalls: number | null
  verdict: Verdict
  /**
   * The exit code of the `run` command when it failed (not 0); null when it succeeded or there was
   * none (attach mode). Absent in entries of earlier versions. A run whose command failed stopped
   * somewhere in the suite, so its figures are not the base branch's usual ones: compare.ts takes
   * it as a baseline only when no other entry exists.
   */
  commandFailed?: number | null
  /**
   * The largest prefixes after the step; null without a key analysis. `complete` is true when the
   * report listed every prefix, so a prefix missing here did not exist (rather than ranked lower).
   */
  prefixes: { complete: boolean; memoryUsage: boolean; list: PrefixEntry[] } | null
}

export type BaselineSource = 'merge-base' | 'base-branch' | 'file'

export interface BaselinePick {
  entry: HistoryEntry
  source: BaselineSource
  /** Which entry it is, in words: "the merge base abc1234 (main, 2026-11-20)". */
  description: string
}

export type FigureName = 'peak' | 'used-after' | 'leaked-keys' | 'oom-errors' | 'evictions'

export interface FigureChange {
  figure: FigureName
  label: string
  unit: Extract<Unit, 'bytes' | 'count'>
  base: number | null
  current: number | null
  /** current − base; null when either side is unknown. */
  change: number | null
  /** The change as a percent of base; null when base is 0 or unknown. */
  percent: number | null
  /**
   * The usual range: the spread of the last base-branch runs, at least the floor for bytes, and at
   * least SHORT_HISTORY_PERCENT of the base figure while `shortHistory` (fewer than MIN_NOISE_RUNS runs).
   */
  usual: { spread: number; runs: number; band: number; shortHistory: boolean } | null
  /** True when the change is smaller than the usual range. */
  withinUsualRange: boolean
  /** Changed beyond the usual range (for `comment: on-change`). */
  changed: boolean
}

export interface PrefixChange {
  db: number
  prefix: string
  prefixBase64?: string
  /** Null on servers without MEMORY USAGE, and on a side whose list the prefix was outside of (see `changeIsBound`). */
  baseBytes: number | null
  currentBytes: number | null
  bytesChange: number | null
  baseKeys: number | null
  currentKeys: number | null
  keysChange: number | null
  /** In this run and known to be absent from the base's complete list. */
  isNew: boolean
  /** In the base and known to be absent from this run's complete list. */
  isGone: boolean
  /**
   * The prefix was outside the other side's list of largest prefixes, so its figure there is unknown
   * but at most the smallest listed one: the change shown is the least it can be ("at least +1.2 MB").
   */
  changeIsBound: boolean
}

export interface Mismatch {
  what: 'engine' | 'maxmemory' | 'maxmemory-policy'
  base: string
  current: string
}

export type IncreaseCheckName = Extract<CheckName, 'peak-increase' | 'used-increase' | 'leaked-keys-increase'>
/**
 * The statuses these checks use. `reported`: measured, no limit set. `unknown`: could not be
 * compared (no baseline, a figure missing on one side). The report's CheckStatus gains these two.
 */
export type IncreaseStatus = 'pass' | 'warn' | 'fail' | 'reported' | 'unknown'

export interface IncreaseCheck extends Omit<CheckResult, 'check' | 'status'> {
  check: IncreaseCheckName
  status: IncreaseStatus
}

export interface BaselineComparison {
  /** Null when there is no baseline yet (first run, new job): `summary` says so plainly. */
  baseline: BaselinePick | null
  /** One sentence: what this run was compared with, or why it was not. */
  summary: string
  figures: FigureChange[]
  prefixes: PrefixChange[]
  /** Why no prefix changes are listed, when none are. */
  prefixNote: string | null
  mismatches: Mismatch[]
  /** The mismatches in one sentence, and what they mean for the checks; null when none. */
  mismatchNote: string | null
  /** Other things worth saying next to the figures (e.g. the peaks came from different figures, a short history). */
  notes: string[]
  /** Fewer than MIN_NOISE_RUNS base runs: the band is widened to SHORT_HISTORY_PERCENT and `historyNote` says so. */
  shortHistory: boolean
  /** The short history in one sentence (the summary and the comment both say it); null when it is long enough. */
  historyNote: string | null
  checks: IncreaseCheck[]
  /** Some figure moved beyond its usual range: `comment: on-change` posts. */
  changed: boolean
}

export interface TrendPoint {
  /** Short commit, or the date when the commit is unknown. */
  label: string
  peak: number | null
  usedAfter: number | null
  /** The run being reported (the last point). */
  current: boolean
}

/** Where a push recorded this run. */
export interface BaselineRecord {
  branch: string
  path: string
  entries: number
  attempts: number
  conflicts: number
  createdBranch: boolean
}

/** `report.baseline`: what this run did with its baseline, for the summary, the comment and the JSON. */
export interface ReportBaseline {
  /** read (pull request), write (push), file (a path the user keeps). */
  action: 'read' | 'write' | 'file'
  /** The branch compared with (pull request) or recorded for (push); null for a file without branches. */
  branch: string | null
  /** One sentence: compared with what, recorded where, or why neither happened. */
  summary: string
  /** Null on a push, and when the baseline could not be read. */
  comparison: BaselineComparison | null
  /** The last base-branch entries and this run; `drawable` is false under MIN_TREND_POINTS points. */
  trend: { points: TrendPoint[]; drawable: boolean }
  recorded: BaselineRecord | null
  /** What went wrong reading or writing it (never a failure of the job). */
  warnings: string[]
}
