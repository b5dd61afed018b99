/** The action's way of telling: JSON report, job summary, outputs, annotations, PR comment, and the step's result. */
import * as core from '@actions/core'
import { plainLogText } from '../core/log-text.js'
import { describeError } from '../core/errors.js'
import { commentMarker, runPageUrl, type CommentLookup } from '../github/comment.js'
import { renderComment, renderSummary } from '../render/markdown.js'
import { annotations } from '../render/model.js'
import type { Report } from '../report/schema.js'
import { writeReportFile } from '../step/files.js'
import { withBaseline } from './baseline.js'
import { publishComment } from './comment.js'
import { Output, State } from './constants.js'
import { saveState } from './state.js'
import { phase } from './host.js'
import { exitCodeOf, type CommandRun } from '../run/command.js'
import type { Settings } from './inputs.js'

/** Writes the JSON report, the job summary, the outputs and the annotations, then fails the job if needed. */
export async function publish(judged: Report, settings: Settings, commentLookup?: Promise<CommentLookup | null> | null): Promise<void> {
  const report = await phase('Publishing the report: JSON file, job summary, outputs, PR comment', async () => {
    // The base branch's baseline first: its increase checks belong in every output below.
    const report = await withBaseline(judged, settings)
    await publishParts(report, settings, commentLookup)
    return report
  })
  // Outside the folded section, so the verdict shows without unfolding anything.
  core.info(`Redis memory verdict: ${report.verdict}. Report: ${settings.reportPath}`)
  if (report.verdict === 'fail') {
    const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.check)
    core.setFailed(
      failed.length > 0
        ? `Redis memory check failed: ${failed.join(', ')}. See the job summary for causes.`
        : `Redis memory check could not run: ${report.errors[report.errors.length - 1] ?? 'no snapshot after the step'}`
    )
  }
}

async function publishParts(report: Report, settings: Settings, commentLookup?: Promise<CommentLookup | null> | null): Promise<void> {
  const problem = await writeReportFile(settings.reportPath, report)
  if (problem) core.warning(problem)
  else core.debug(`JSON report written to ${settings.reportPath}`)
  const runUrl = runPageUrl()
  await writeSummary(renderSummary(report, { runUrl }))
  const commentBody = renderComment(report, {
    runUrl,
    title: settings.comment.title,
    marker: commentMarker(settings.comment.key)
  })

  const out = (name: Output, value: number | string | null | undefined): void => core.setOutput(name, value ?? '')
  out(Output.Verdict, report.verdict)
  out(Output.UsedMemoryBefore, report.before?.memory.usedMemory)
  out(Output.UsedMemoryAfter, report.after?.memory.usedMemory)
  out(Output.UsedMemoryPeak, report.peak?.bytes)
  out(Output.OomErrors, report.oomErrors)
  out(Output.EvictedKeys, report.evictedKeys)
  out(Output.LeakedKeys, report.leakedKeys)
  out(Output.ReportPath, settings.reportPath)
  out(Output.CommentBody, commentBody)

  for (const a of annotations(report)) (a.level === 'error' ? core.error : core.warning)(a.message, { title: a.title })
  await publishComment(report, commentBody, settings.comment, process.env, commentLookup ?? undefined)
}

/** The job summary; without a summary file (a local run) it goes to the log. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(plainLogText(markdown))
    return
  }
  try {
    // The renderer already kept the text inside GitHub's 1 MiB limit (SUMMARY_LIMIT in render/markdown.ts).
    await core.summary.addRaw(markdown).write()
  } catch (err) {
    // A failed write leaves the text in core's buffer; the next summary must not repeat it.
    core.summary.emptyBuffer()
    core.warning(`Could not write the job summary: ${describeError(err)}`)
  }
}

/**
 * The end of the `run` input, one or several Redis: the report is published whatever the command
 * did, and the step then fails with the command's exit code when it failed.
 */
export async function publishRun(report: Report, settings: Settings, command: CommandRun): Promise<void> {
  if (command.startError) core.error(command.startError)
  await publish(report, settings)
  const code = exitCodeOf(command)
  core.setOutput(Output.ExitCode, code)
  saveState(State.ReportDone, true)
  if (code !== 0) {
    core.setFailed(`The command failed with exit code ${code}. The Redis memory report was written all the same.`)
    process.exitCode = code
  }
}
