/**
 * The post step: end the step the main step began (stop sampling, "after" snapshot, key analysis),
 * judge and publish, then undo what the main step started. Never throws: every problem becomes one line.
 */
import * as core from './runner.js'
import { describeError } from '../core/errors.js'
import { Input, ProvisionInput } from '../config/options.js'
import { cleanUp, startedTarget } from '../provision/index.js'
import { parseBoolean } from '../provision/settings.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { withTls } from '../redis/tls.js'
import { endStep, judgeStep } from '../step/engine.js'
import { stopStepSampler } from '../step/sampling.js'
import { State } from './constants.js'
import { actionHost } from './host.js'
import { readInputs, stepConfig, type Settings } from './inputs.js'
import { startCommentLookup } from './comment.js'
import { publish, writeSummary } from './publish.js'
import { maskSecrets } from './secrets.js'
import { readState } from './state.js'
import { endInAction } from './multi.js'
import { isBegunMulti } from '../step/multi.js'

/** When the main step already could not connect, the post step tries only briefly. */
const POST_RETRY_AFTER_MAIN_ERROR_MS = 3000

export async function run(): Promise<void> {
  try {
    await report()
  } finally {
    // After the "after" snapshot: remove what the main step started, also when the job failed.
    await cleanUpStarted()
  }
}

async function report(): Promise<void> {
  const saved = readState(State.Step)
  const multi = isBegunMulti(saved) ? saved : null
  const begun = isBegunMulti(saved) ? null : saved
  if (readState(State.ReportDone)) {
    core.info('The main step ran the command and wrote the report; nothing left to do.')
    return
  }
  let settings: Settings
  try {
    settings = readInputs((name) => core.getInput(name))
  } catch (err) {
    // The sampler must not outlive the job, whatever else fails.
    for (const n of multi?.nodes ?? []) await stopStepSampler(n.begun?.sampler ?? null, actionHost)
    await stopStepSampler(begun?.sampler ?? null, actionHost)
    // The main step has already failed with this message; say it once more, where the summary is.
    await writeSummary(`## Redis Memory Guard\n\n❌ No report: ${describeError(err)}\n`)
    core.setFailed(describeError(err))
    return
  }
  maskSecrets(settings, core.getInput(Input.RedisUrl))
  // Independent of the step's end: the comment lookup's round trips run while the keys are scanned.
  const commentLookup = startCommentLookup(settings.comment)
  const mainError = readState(State.MainError) ?? ''
  if (multi !== null) {
    await endInAction(settings, multi, readState(State.WorkDir) ?? '', mainError)
    return
  }
  const target = startedTarget(settings.provisioning.mode, readState(State.Provisioned), settings.target, settings.provisioning.password)
  const config = stepConfig(settings, target ?? settings.target, readState(State.WorkDir) ?? '')
  const record = await endStep(config, begun, actionHost, {
    errors: mainError ? [`The main step failed: ${mainError}`] : [],
    target,
    // No begun step (main failed or was cancelled): Redis was not reachable then either.
    connectTimeoutMs: mainError || !begun ? Math.min(settings.connectTimeoutMs, POST_RETRY_AFTER_MAIN_ERROR_MS) : settings.connectTimeoutMs,
    beginFailed: mainError !== ''
  })
  await publish(judgeStep(record, settings.thresholds), settings, commentLookup)
}

/** Removes the container or server the main step started, or sets back what CONFIG SET changed. */
async function cleanUpStarted(): Promise<void> {
  const started = readState(State.Provisioned)
  if (!started) return
  let keep = false
  try {
    keep = parseBoolean(core.getInput(ProvisionInput.KeepContainer), ProvisionInput.KeepContainer)
  } catch (err) {
    core.warning(`${describeError(err)} Removing what the action started.`)
  }
  let attachTarget = null
  try {
    attachTarget = parseRedisUrl(core.getInput(Input.RedisUrl) || 'redis://localhost:6379')
  } catch {
    // The main step could only change settings once redis-url had parsed: nothing to set back.
  }
  if (started.kind === 'attach' && attachTarget === null) return
  // A rediss:// server needs the TLS files again to be reached; inputs that do not read leave the URL as it is.
  let tls = (t: RedisTarget): RedisTarget => t
  try {
    const settings = readInputs((name) => core.getInput(name)).tls
    tls = (t) => (t.tls ? withTls(t, settings) : t)
  } catch {
    // The report step has said why the inputs do not read.
  }
  await cleanUp(started, keep, attachTarget ?? parseRedisUrl('redis://localhost:6379'), actionHost, tls)
}
