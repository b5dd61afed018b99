/**
 * The baseline's part of the post step, as one call: decide (record, compare, file or nothing),
 * talk to GitHub, and hand back data for the report. Never throws: a baseline that cannot be read
 * or written is one warning line, and the report stays complete without it.
 */
import { Input } from '../config/options.js'
import { parseFailOn } from '../judge/checks.js'
import { describeError } from '../core/errors.js'
import { TOP_N } from '../keys/report.js'
import type { Report } from '../report/schema.js'
import type { BaselineRecord } from './schema.js'
import { compareWithBaseline, type BaselineComparison } from './compare.js'
import { loadBaselineFile, REPORT_FILE_SERIES } from './file.js'
import { entryFromReport, seriesId, seriesPath, type HistoryEntry, type HistorySeries } from './history.js'
import { planBaseline, readBaselineSettings, runContext, type BaselinePlan, type BaselineSettings, type RunContext } from './settings.js'
import { explainBaselineError, findMergeBase, openGitHubApi, readSeries, recordEntry } from './store.js'

export interface BaselineStepInput {
  report: Report
  settings: BaselineSettings
  context: RunContext
  /** From seriesId(): the comment's key. */
  seriesId: string
  token: string
  /** The checks `fail-on` names. */
  failOn: ReadonlySet<string>
  apiUrl?: string
  budgetMs?: number
  log?: (line: string) => void
}

export interface BaselineOutcome {
  plan: BaselinePlan
  /** This run as a history entry. */
  entry: HistoryEntry
  /** The history read (pull request) or written (push), for the trend; null when there is none. */
  series: HistorySeries | null
  /** Set on pull requests and with a file baseline. */
  comparison: BaselineComparison | null
  recorded: BaselineRecord | null
  /** One line each, for core.warning. */
  warnings: string[]
}

/** Reads, compares or records the baseline for this run. */
export async function baselineStep(input: BaselineStepInput): Promise<BaselineOutcome> {
  const { settings, context: ctx } = input
  const log = input.log ?? (() => {})
  const plan = planBaseline(settings, ctx)
  const entry = entryFromReport(input.report, { commit: ctx.commit, branch: ctx.branch, runId: ctx.runId }, TOP_N)
  const outcome: BaselineOutcome = { plan, entry, series: null, comparison: null, recorded: null, warnings: [] }
  const compare = (series: HistorySeries | null, mergeBase: string | null, baseBranch: string | null): BaselineComparison =>
    compareWithBaseline({ current: entry, series, mergeBase, baseBranch, limits: settings.limits, strict: settings.strict, failOn: input.failOn })

  if (plan.action === 'off' || plan.action === 'none') {
    log(plan.reason)
    return outcome
  }
  if (plan.action === 'file') {
    try {
      const series = await loadBaselineFile(plan.path)
      const other = otherSeries(series, input.seriesId, plan.path)
      if (other) {
        outcome.warnings.push(other)
        return outcome
      }
      const baseRef = ctx.pullRequest?.baseRef
      const baseBranch = baseRef && series.entries.some((e) => e.branch === baseRef) ? baseRef : null
      outcome.series = series
      outcome.comparison = compare(series, null, baseBranch)
      log(`Baseline from ${plan.path}: ${outcome.comparison.summary}`)
    } catch (err) {
      outcome.warnings.push(describeError(err))
    }
    return outcome
  }
  if (!ctx.owner || !ctx.repo) return outcome
  if (!input.token) {
    outcome.warnings.push('No github-token: the Redis memory baseline is neither read nor recorded. Leave github-token unset to use the job\'s token.')
    return outcome
  }
  const path = seriesPath(input.seriesId)
  const api = await openGitHubApi({ token: input.token, owner: ctx.owner, repo: ctx.repo, apiUrl: input.apiUrl, budgetMs: input.budgetMs })
  log(plan.reason)

  if (plan.action === 'read') {
    // Both requests at once: the merge base is only needed once the file exists, but waiting costs a round trip.
    const [stored, mergeBase] = await Promise.allSettled([
      readSeries(api, settings.dataBranch, path),
      findMergeBase(api, plan.baseBranch, plan.headSha)
    ])
    if (stored.status === 'rejected') {
      outcome.warnings.push(explainBaselineError(stored.reason, 'read', settings.dataBranch))
      return outcome
    }
    let base: string | null = null
    if (mergeBase.status === 'fulfilled') base = mergeBase.value
    else log(`Could not find the merge base (${describeError(mergeBase.reason)}); comparing with the newest run of ${plan.baseBranch}.`)
    const other = stored.value ? otherSeries(stored.value.series, input.seriesId, `${path} on ${settings.dataBranch}`) : null
    if (other) {
      outcome.warnings.push(other)
      return outcome
    }
    outcome.series = stored.value?.series ?? null
    outcome.comparison = compare(outcome.series, base, plan.baseBranch)
    log(`${outcome.comparison.summary} (${path} on ${settings.dataBranch})`)
    return outcome
  }

  // plan.action === 'write'
  try {
    const short = ctx.commit ? ctx.commit.slice(0, 7) : 'unknown commit'
    const result = await recordEntry(api, {
      dataBranch: settings.dataBranch,
      path,
      seriesId: input.seriesId,
      entry,
      fromBranch: ctx.defaultBranch ?? plan.branch,
      // [skip ci]: a token that may trigger workflows (a PAT) must not start CI for every data commit.
      message: `Redis memory baseline: ${input.seriesId} at ${short}${ctx.runId ? ` (run ${ctx.runId})` : ''} [skip ci]`
    })
    outcome.series = result.series
    outcome.recorded = {
      branch: settings.dataBranch,
      path,
      entries: result.series.entries.length,
      attempts: result.attempts,
      conflicts: result.conflicts,
      createdBranch: result.createdBranch
    }
    log(
      `Recorded the baseline in ${path} on ${settings.dataBranch}${result.createdBranch ? ' (branch created)' : ''}: ` +
        `${result.series.entries.length} entries, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}.`
    )
  } catch (err) {
    outcome.warnings.push(explainBaselineError(err, 'write', settings.dataBranch))
  }
  return outcome
}

/**
 * A warning when a history holds another job's series: its figures come from other tests (or
 * another matrix cell), so comparing would judge this run against the wrong baseline. A single
 * report file has no series and is taken as given.
 */
function otherSeries(series: HistorySeries, id: string, source: string): string | null {
  if (series.series === REPORT_FILE_SERIES || series.series === id) return null
  return (
    `Baseline not compared: ${source} is the history of the series "${escapeSeries(series.series)}", and this job's series is "${escapeSeries(id)}". ` +
    'Give the history file of this job, or set comment-key to the same key in both jobs.'
  )
}

/** Series keys come from files and inputs: one line, no control characters. */
function escapeSeries(text: string): string {
  return JSON.stringify(text.slice(0, 200)).slice(1, -1)
}

/**
 * For the CLI's `--baseline FILE` (after loadBaselineFile, which throws a UserError for a bad file):
 * this report against the newest entry of the file, with the same checks and wording as the action.
 */
export function compareWithSeries(report: Report, series: HistorySeries, opts: { settings: BaselineSettings; failOn: ReadonlySet<string> }): BaselineComparison {
  const current = entryFromReport(report, { commit: null, branch: null, runId: null }, TOP_N)
  return compareWithBaseline({ current, series, mergeBase: null, baseBranch: null, limits: opts.settings.limits, strict: opts.settings.strict, failOn: opts.failOn })
}

/** The inputs the post step reads for the baseline, by name (`core.getInput` in the action). */
export interface BaselineInputsSource {
  getInput: (name: string) => string
  env?: NodeJS.ProcessEnv
  /** The event payload (readEventPayload in src/github/comment.ts). */
  payload: unknown
}

/**
 * Everything baselineStep needs, read from the action's inputs and the runner's environment, so the
 * post step needs one line: `await baselineStep(baselineInputs(report, source))`. Throws a UserError
 * for a bad input (the main step has read the same inputs, so it will have failed on it already).
 */
export function baselineInputs(report: Report, source: BaselineInputsSource): BaselineStepInput {
  const env = source.env ?? process.env
  const get = source.getInput
  return {
    report,
    settings: readBaselineSettings(get),
    context: runContext(env, source.payload),
    seriesId: seriesId({ commentKey: get(Input.CommentKey), matrix: get(Input.Matrix) }, env),
    token: get(Input.GithubToken).trim(),
    failOn: parseFailOn(get(Input.FailOn))
  }
}
