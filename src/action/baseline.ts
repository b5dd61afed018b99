/**
 * The action's side of the baseline: the run's context from the runner, the warnings as
 * annotations. What is compared, recorded and judged is decided in src/baseline/.
 */
import * as core from '@actions/core'
import { applyBaseline } from '../baseline/apply.js'
import { runContext } from '../baseline/settings.js'
import { baselineStep } from '../baseline/step.js'
import { describeError } from '../core/errors.js'
import { readEventPayload } from '../github/comment.js'
import type { Report } from '../report/schema.js'
import type { Settings } from './inputs.js'

/** The report with its baseline; never throws and never fails the job over the baseline itself. */
export async function withBaseline(report: Report, settings: Settings, env: NodeJS.ProcessEnv = process.env): Promise<Report> {
  // Without a snapshot after the step there is nothing to compare or to record.
  if (settings.baseline.mode === 'off' || report.after === null) return report
  try {
    const outcome = await baselineStep({
      report,
      settings: settings.baseline,
      context: runContext(env, await readEventPayload(env)),
      seriesId: settings.baselineSeries,
      token: settings.comment.token,
      failOn: settings.thresholds.failOn,
      log: (line) => core.info(line)
    })
    for (const w of outcome.warnings) core.warning(w, { title: 'Redis Memory Guard: baseline' })
    return applyBaseline(report, outcome, settings.baseline.limits)
  } catch (err) {
    // baselineStep does not throw; this guards the report against a bug in it all the same.
    core.warning(`The Redis memory baseline was skipped: ${describeError(err)}`, { title: 'Redis Memory Guard: baseline' })
    return report
  }
}
