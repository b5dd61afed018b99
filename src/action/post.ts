import * as core from '@actions/core'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describeError } from '../errors.js'
import { connect } from '../redis/connection.js'
import { buildReport, type Report } from '../report.js'
import { renderComment, renderSummary } from '../render/markdown.js'
import { REPORT_EXTENSIONS } from '../render/extensions.js'
import { commentMarker, runPageUrl } from '../github/comment.js'
import { publishComment } from './comment.js'
import { takeSnapshot, type Snapshot } from '../snapshot.js'
import { BEFORE_FILE, Output, State } from './constants.js'
import { cleanUp, postTarget } from '../provision/index.js'
import { maskSecrets } from './secrets.js'
import { analyseKeysAfter } from '../keys/run.js'
import { readSettings, type Settings } from './settings.js'

/** When the main step already could not connect, the post step tries only briefly. */
const POST_RETRY_AFTER_MAIN_ERROR_MS = 3000

/**
 * The post step: take the "after" snapshot, judge, write the report, summary and outputs, and fail
 * the job on a failing breach. It never throws: every problem becomes one line in the log.
 */
export async function run(): Promise<void> {
  try {
    await report()
  } finally {
    // After the "after" snapshot: remove what the main step started, also when the job failed.
    await cleanUp()
  }
}

async function report(): Promise<void> {
  let settings: Settings
  try {
    settings = readSettings((name) => core.getInput(name))
  } catch (err) {
    // The main step has already failed with this message; say it once more, where the summary is.
    await writeSummary(`## Redis Memory Guard\n\n❌ No report: ${describeError(err)}\n`)
    core.setFailed(describeError(err))
    return
  }
  maskSecrets(settings.target)
  const mainError = core.getState(State.MainError)
  const errors: string[] = mainError ? [`The main step failed: ${mainError}`] : []

  const before = await readBefore(core.getState(State.WorkDir), errors, mainError !== '')
  let after: Snapshot | null = null
  let keyAnalysis: Awaited<ReturnType<typeof analyseKeysAfter>> | null = null
  const target = postTarget(settings.target)
  if (target) settings.target = target
  try {
    if (!target) throw new Error('the main step started no Redis')
    const conn = await connect(settings.target, {
      // No "before" snapshot (main failed or was cancelled): Redis was not reachable then either.
      timeoutMs: mainError || !before ? Math.min(settings.connectTimeoutMs, POST_RETRY_AFTER_MAIN_ERROR_MS) : settings.connectTimeoutMs
    })
    try {
      after = await takeSnapshot(conn, { withDoctor: true })
      if (settings.keys.enabled) {
        const snaps = { before, after }
        try {
          keyAnalysis = await core.group('Key inventory after the step', () =>
            analyseKeysAfter(conn, settings.keys, core.getState(State.WorkDir), snaps, core.info)
          )
        } catch (err) {
          errors.push(`The key analysis failed: ${describeError(err)}`)
        }
      }
    } finally {
      await conn.close()
    }
  } catch (err) {
    errors.push(`No snapshot after the step: ${describeError(err)}`)
  }

  const report = buildReport({
    target: settings.target,
    before,
    after,
    thresholds: settings.thresholds,
    errors,
    observations: keyAnalysis?.observations,
    keys: keyAnalysis?.keys
  })
  await publish(report, settings)
}

async function readBefore(workDir: string, errors: string[], mainFailed: boolean): Promise<Snapshot | null> {
  if (!workDir) {
    if (!mainFailed) errors.push('No "before" snapshot: the main step of this action did not run.')
    return null
  }
  try {
    return JSON.parse(await readFile(join(workDir, BEFORE_FILE), 'utf8')) as Snapshot
  } catch {
    if (!mainFailed) errors.push('No "before" snapshot: the main step did not save one.')
    return null
  }
}

/** Writes the JSON report, the job summary, the outputs and the annotations, then fails the job if needed. */
export async function publish(report: Report, settings: Settings): Promise<void> {
  try {
    await mkdir(dirname(settings.reportPath), { recursive: true })
    await writeFile(settings.reportPath, JSON.stringify(report, null, 2))
  } catch (err) {
    core.warning(`Could not write the JSON report to ${settings.reportPath}: ${describeError(err)}`)
  }
  const runUrl = runPageUrl()
  await writeSummary(renderSummary(report, { runUrl, extensions: REPORT_EXTENSIONS }))
  const commentBody = renderComment(report, {
    runUrl,
    extensions: REPORT_EXTENSIONS,
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

  for (const e of report.errors) core.warning(e, { title: 'Redis Memory Guard' })
  for (const c of report.checks) {
    if (c.status === 'fail') core.error(c.message, { title: `Redis memory: ${c.check}` })
    else if (c.status === 'warn') core.warning(c.message, { title: `Redis memory: ${c.check}` })
  }
  await publishComment(report, commentBody, settings.comment)
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

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown)
    return
  }
  try {
    await core.summary.addRaw(markdown).write()
  } catch (err) {
    core.warning(`Could not write the job summary: ${describeError(err)}`)
  }
}
