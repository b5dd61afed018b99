/** `--baseline FILE` on run, snapshot and diff: read before anything starts, applied like the action's file baseline. */
import { applyBaseline } from '../baseline/apply.js'
import { loadBaselineFile } from '../baseline/file.js'
import { entryFromReport, type HistorySeries } from '../baseline/history.js'
import { BaselineInput, readBaselineSettings, type BaselineSettings } from '../baseline/settings.js'
import { compareWithSeries } from '../baseline/step.js'
import { TOP_N } from '../keys/report.js'
import type { Report } from '../report/schema.js'
import { UsageError, flag, stringOption } from './args.js'
import { flagName, thresholds, type Context } from './context.js'

export interface CliBaseline {
  path: string
  settings: BaselineSettings
  series: HistorySeries
}

/** Reads --baseline and its limits and loads the file; null without --baseline. A bad file or limit is one line, exit 2. */
export async function readBaselineOption(ctx: Context): Promise<CliBaseline | null> {
  const get = (name: string): string => (name === BaselineInput.BaselineStrict ? (flag(ctx.args, name) ? 'true' : '') : stringOption(ctx.args, name))
  const settings = readBaselineSettings(get, flagName)
  const path = stringOption(ctx.args, BaselineInput.Baseline).trim()
  if (path === '') {
    const limits = [BaselineInput.MaxPeakIncrease, BaselineInput.MaxUsedIncrease, BaselineInput.MaxLeakedKeysIncrease, BaselineInput.BaselineStrict].filter((n) => get(n) !== '')
    if (limits.length > 0) throw new UsageError(`${limits.map(flagName).join(', ')} compare with a baseline: add --baseline FILE (a saved JSON report or history file).`, ctx.command)
    return null
  }
  if (settings.mode !== 'file') {
    throw new UsageError(`--baseline: "${path}" is not a file. Give the path of a saved JSON report or history file, e.g. --baseline main.json.`, ctx.command)
  }
  return { path, settings, series: await loadBaselineFile(path, '--baseline') }
}

/** The report against the file: `report.baseline`, the increase checks and the verdict with them. */
export function withCliBaseline(ctx: Context, report: Report, baseline: CliBaseline | null): Report {
  if (!baseline || report.after === null) return report
  const failOn = thresholds(ctx).failOn
  const comparison = compareWithSeries(report, baseline.series, { settings: baseline.settings, failOn })
  const entry = entryFromReport(report, { commit: null, branch: null, runId: null }, TOP_N)
  return applyBaseline(
    report,
    { plan: { action: 'file', path: baseline.path }, entry, series: baseline.series, comparison, recorded: null, warnings: [] },
    baseline.settings.limits
  )
}
