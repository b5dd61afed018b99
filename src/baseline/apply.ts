/**
 * What the baseline adds to a judged report: the comparison (or what was recorded), the trend,
 * the increase checks and the verdict with them. Pure: the outcome of baselineStep in, a report
 * out. Both front ends use it, so the action and the CLI judge and word the increases the same.
 */
import type { CheckResult } from '../judge/checks.js'
import type { Report } from '../report/schema.js'
import type { ReportBaseline } from './schema.js'
import { trendPoints, verdictWithIncreases, type IncreaseCheck } from './compare.js'
import type { IncreaseLimits } from './settings.js'
import type { BaselineOutcome } from './step.js'

export type { ReportBaseline } from './schema.js'


const INCREASE_CHECKS = [
  { check: 'peak-increase', setting: 'peak', unit: 'bytes' },
  { check: 'used-increase', setting: 'used', unit: 'bytes' },
  { check: 'leaked-keys-increase', setting: 'leakedKeys', unit: 'count' }
] as const

/** An increase check as the report keeps checks: `unknown` always carries its reason. */
export function asCheckResult(c: IncreaseCheck): CheckResult {
  const out: CheckResult = { check: c.check, status: c.status, measured: c.measured, limit: c.limit, unit: c.unit, message: c.message }
  if (c.advice) out.advice = c.advice
  if (c.status === 'unknown') out.reason = c.reason ?? c.message
  return out
}

/** The increase checks that have a limit, as `unknown`: the baseline could not be read, so they could not be made. */
export function unreadableBaselineChecks(limits: IncreaseLimits, why: string): IncreaseCheck[] {
  return INCREASE_CHECKS.filter((c) => limits[c.setting] !== undefined).map((c) => ({
    check: c.check,
    status: 'unknown' as const,
    measured: null,
    limit: null,
    unit: c.unit,
    message: `Could not compare with the baseline: ${why}`
  }))
}

/**
 * The report with its baseline: `report.baseline`, the increase checks after the others, and the
 * verdict made worse by them only (a warning never fails the job; `fail` needs the check in fail-on).
 * Unchanged when the run neither compared nor recorded (baseline off, not a push or pull request).
 */
export function applyBaseline(report: Report, outcome: BaselineOutcome, limits: IncreaseLimits): Report {
  const { plan } = outcome
  if (plan.action === 'off' || plan.action === 'none') return report
  const branch = plan.action === 'read' ? plan.baseBranch : plan.action === 'write' ? plan.branch : null
  let checks: IncreaseCheck[] = []
  let summary: string
  if (outcome.comparison) {
    checks = outcome.comparison.checks
    summary = outcome.comparison.summary
  } else if (plan.action === 'write') {
    const r = outcome.recorded
    summary = r
      ? `Recorded this run as the baseline of ${plan.branch}: ${r.entries} run${r.entries === 1 ? '' : 's'} in the history on ${r.branch}${r.createdBranch ? ' (branch created)' : ''}.`
      : `The baseline of ${plan.branch} was not recorded: ${outcome.warnings[0] ?? 'no repository to record it in'}`
  } else {
    const why = outcome.warnings[0] ?? 'no repository to read it from.'
    summary = `The baseline could not be read: ${why}`
    checks = unreadableBaselineChecks(limits, why)
  }
  // A file's entries may name no branch: its trend is the whole file.
  const trendBranch = plan.action === 'file' ? (outcome.comparison?.baseline?.entry.branch ?? null) : branch
  const baseline: ReportBaseline = {
    action: plan.action,
    branch,
    summary,
    comparison: outcome.comparison,
    trend: trendPoints(outcome.series, trendBranch, outcome.entry),
    recorded: outcome.recorded,
    warnings: outcome.warnings
  }
  return {
    ...report,
    verdict: verdictWithIncreases(report.verdict, checks),
    checks: [...report.checks, ...checks.map(asCheckResult)],
    baseline
  }
}

/**
 * `comment: on-change`: post a new comment when a check did not pass (breached or could not be
 * made), the `run` command failed (its headline says so), or a figure moved beyond its usual range
 * against the base branch. Checks that only report (no limit set) do not count: they would post on
 * every run.
 */
export function worthCommenting(report: Report): boolean {
  if (report.verdict !== 'pass') return true
  if (report.command && (report.command.exitCode !== 0 || report.command.signal !== null)) return true
  if (report.checks.some((c) => c.status === 'fail' || c.status === 'warn' || c.status === 'unknown')) return true
  return report.baseline?.comparison?.changed === true
}
