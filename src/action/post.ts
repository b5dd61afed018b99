import * as core from '@actions/core'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describeError } from '../errors.js'
import { connect, type RedisConnection } from '../redis/connection.js'
import { analyseKeysAfter, type KeyAnalysis } from '../keys/run.js'
import { buildReport, type Report } from '../report.js'
import type { CommandReport } from '../run/output.js'
import { renderComment, renderSummary } from '../render/markdown.js'
import { REPORT_EXTENSIONS } from '../render/extensions.js'
import { commentMarker, runPageUrl } from '../github/comment.js'
import { publishComment } from './comment.js'
import { takeSnapshot, type Snapshot } from '../snapshot.js'
import { BEFORE_FILE, Output, State } from './constants.js'
import { cleanUp, postTarget } from '../provision/index.js'
import { collectSamples, stopStepSampler } from './sampling.js'
import { maskSecrets } from './secrets.js'
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
  // Stop the sampler first, whatever else fails: it must not outlive the job.
  const stopped = await stopStepSampler(core.getState(State.SamplerPid))
  if (core.getState(State.ReportDone)) {
    core.info('The main step ran the command and wrote the report; nothing left to do.')
    return
  }
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

  const workDir = core.getState(State.WorkDir)
  const before = await readBefore(workDir, errors, mainError !== '')
  const sampled = await collectSamples(workDir, core.getState(State.SamplerStartedAt), settings, before, stopped, errors)
  const keys = keyStep(settings, workDir, before, errors)
  let after: Snapshot | null = null
  const target = postTarget(settings.target)
  if (target) {
    settings.target = target
    // No "before" snapshot (main failed or was cancelled): Redis was not reachable then either.
    const timeoutMs = mainError || !before ? Math.min(settings.connectTimeoutMs, POST_RETRY_AFTER_MAIN_ERROR_MS) : settings.connectTimeoutMs
    after = await afterSnapshot(settings, timeoutMs, errors, keys.run)
  } else {
    errors.push('No snapshot after the step: the main step started no Redis')
  }

  await judgeAndPublish(settings, { before, after, errors, sampled, keys: keys.result() })
}

/** Everything one step observed, for the report. */
export interface StepRecord {
  before: Snapshot | null
  after: Snapshot | null
  errors: string[]
  sampled: Awaited<ReturnType<typeof collectSamples>>
  keys: KeyAnalysis | null
  command?: CommandReport
}

/** Judges the step and publishes the report: the end of both the post step and the `run` input. */
export async function judgeAndPublish(settings: Settings, step: StepRecord): Promise<void> {
  const report = buildReport({
    target: settings.target,
    before: step.before,
    after: step.after,
    thresholds: settings.thresholds,
    errors: step.errors,
    observations: {
      ...step.sampled.observations,
      ...step.keys?.observations,
      ...(step.command ? { outputOomLines: step.command.oomLines } : {})
    },
    sampling: step.sampled.sampling,
    keys: step.keys?.keys,
    command: step.command
  })
  await publish(report, settings)
}

/** The key analysis after the step, on the connection of the "after" snapshot; a failure becomes a line in `errors`. */
export function keyStep(
  settings: Settings,
  workDir: string,
  before: Snapshot | null,
  errors: string[]
): { run: (conn: RedisConnection, after: Snapshot) => Promise<void>; result: () => KeyAnalysis | null } {
  let result: KeyAnalysis | null = null
  return {
    run: async (conn, after) => {
      if (!settings.keys.enabled) return
      try {
        result = await core.group('Key inventory after the step', () => analyseKeysAfter(conn, settings.keys, workDir, { before, after }, core.info))
      } catch (err) {
        errors.push(`The key analysis failed: ${describeError(err)}`)
      }
    },
    result: () => result
  }
}

/** The "after" snapshot, with MEMORY DOCTOR; null (and a line in `errors`) when Redis cannot be reached. */
export async function afterSnapshot(
  settings: Settings,
  timeoutMs: number,
  errors: string[],
  /** More work on the same connection after the snapshot (the key analysis). */
  also?: (conn: RedisConnection, after: Snapshot) => Promise<void>
): Promise<Snapshot | null> {
  try {
    const conn = await connect(settings.target, { timeoutMs })
    try {
      const after = await takeSnapshot(conn, { withDoctor: true })
      await also?.(conn, after)
      return after
    } finally {
      await conn.close()
    }
  } catch (err) {
    errors.push(`No snapshot after the step: ${describeError(err)}`)
    return null
  }
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
