/**
 * The post step: end the step the main step began (stop sampling, "after" snapshot, key analysis),
 * judge and publish, then undo what the main step started. Never throws: every problem becomes one line.
 */
import * as core from '@actions/core'
import { rm } from 'node:fs/promises'
import { basename } from 'node:path'
import { describeError } from '../core/errors.js'
import { Input, ProvisionInput } from '../config/options.js'
import { cleanUp, startedTarget, type Provisioned } from '../provision/index.js'
import { parseBoolean } from '../provision/settings.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { withTls } from '../redis/tls.js'
import { endWatch, isBegunMulti, judgeWatch } from '../step/watch.js'
import { stopStepSampler } from '../step/sampling.js'
import { FILE_TIMEOUT_MS, WORK_DIR_PREFIX } from '../step/files.js'
import { State } from './constants.js'
import { actionHost, phase } from './host.js'
import { actionInput, readInputs, stepConfig, type Settings } from './inputs.js'
import { startCommentLookup } from './comment.js'
import { publish, writeSummary } from './publish.js'
import { maskSecrets } from './secrets.js'
import { readState } from './state.js'
import { multiConfig } from './watch.js'
import { boundReason, describeBound, postStepBound, type PostBound } from './post-bound.js'

export async function run(): Promise<void> {
  const startedAt = Date.now()
  // Known once the inputs are read; until then (and when they do not read) only each call's own bound holds.
  let bound: PostBound | null = null
  try {
    await report(startedAt, (b) => (bound = b))
  } finally {
    // After the "after" snapshot: remove what the main step started, also when the job failed.
    await cleanUpStarted(bound === null ? null : { bound, at: startedAt + (bound as PostBound).totalMs - FILE_TIMEOUT_MS })
    await removeWorkDir(readState(State.WorkDir))
  }
}

/**
 * The step's files (the "before" snapshot, samples) are read by now. The runner empties
 * RUNNER_TEMP after the job, but a local run (local-action, the system's temp folder) does not.
 * Only a folder the main step made (its name says so) is removed, within FILE_TIMEOUT_MS.
 */
async function removeWorkDir(dir: string | null): Promise<void> {
  if (!dir || !basename(dir).startsWith(WORK_DIR_PREFIX)) return
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), FILE_TIMEOUT_MS)))
  try {
    const removed = await Promise.race([rm(dir, { recursive: true, force: true }).then(() => true), bound])
    core.debug(removed ? `Work folder removed: ${dir}` : `The work folder ${dir} was not removed within ${FILE_TIMEOUT_MS} ms`)
  } catch (err) {
    core.debug(`Could not remove the work folder ${dir}: ${describeError(err)}`)
  } finally {
    clearTimeout(timer)
  }
}

async function report(startedAt: number, onBound: (bound: PostBound) => void): Promise<void> {
  const saved = readState(State.Step)
  const multi = isBegunMulti(saved) ? saved : null
  const begun = isBegunMulti(saved) ? null : saved
  core.debug(`State from the main step: ${multi ? `${multi.nodes.length} nodes` : begun ? 'one begun step' : 'no begun step'}`)
  if (readState(State.ReportDone)) {
    core.info('The main step ran the command and wrote the report; nothing left to do.')
    return
  }
  let settings: Settings
  try {
    settings = readInputs(actionInput)
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
  if (mainError) core.debug(`The main step failed: ${mainError}`)
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/')
  const bound = postStepBound(settings, {
    mainFailed: mainError !== '',
    begun: saved !== null,
    provisioned: readState(State.Provisioned),
    comment: commentLookup !== null,
    baselineApi: settings.baseline.mode === 'auto' && Boolean(settings.comment.token && owner && repo),
    holding: begun?.sampler?.hold === true || (multi?.nodes ?? []).some((n) => n.begun?.sampler?.hold === true)
  })
  onBound(bound)
  core.info(describeBound(bound))
  const workDir = readState(State.WorkDir) ?? ''
  const target = multi ? null : startedTarget(settings.provisioning.mode, readState(State.Provisioned), settings.target, settings.provisioning.password)
  const config = stepConfig(settings, target ?? settings.target, workDir)
  const record = await endWatch(saved, config, { multi: multiConfig(settings, workDir), host: actionHost }, {
    errors: mainError ? [`The main step failed: ${mainError}`] : [],
    target,
    // No begun step (main failed or was cancelled): Redis was not reachable then either.
    connectTimeoutMs: bound.connectMs,
    beginFailed: mainError !== '',
    deadline: { at: startedAt + bound.observeMs, reason: boundReason(bound, { ms: bound.observeMs, what: "the step's end" }) }
  })
  await publish(await judgeWatch(record, settings.thresholds), settings, commentLookup)
}

/** What the post step cleans up, for the title of its log section. */
const CLEAN_UP: Record<Provisioned['kind'], string> = {
  attach: 'the settings CONFIG SET changed',
  'attach-nodes': 'the settings CONFIG SET changed on each server',
  binary: 'the redis-server the main step started',
  container: 'the container the main step started',
  cluster: 'the Redis Cluster the main step started'
}

/**
 * Removes the container or server the main step started, or sets back what CONFIG SET changed;
 * with `deadline`, given up (with a warning naming the bound) once the post step's bound is reached.
 */
async function cleanUpStarted(deadline: { bound: PostBound; at: number } | null): Promise<void> {
  const started = readState(State.Provisioned)
  if (!started) {
    core.debug('The main step started and changed nothing: nothing to clean up')
    return
  }
  let keep = false
  try {
    keep = parseBoolean(actionInput(ProvisionInput.KeepContainer), ProvisionInput.KeepContainer)
  } catch (err) {
    core.warning(`${describeError(err)} Removing what the action started.`)
  }
  let attachTarget = null
  try {
    attachTarget = parseRedisUrl(actionInput(Input.RedisUrl) || 'redis://localhost:6379')
  } catch {
    // The main step could only change settings once redis-url had parsed: nothing to set back.
  }
  if (started.kind === 'attach' && attachTarget === null) return
  // A rediss:// server needs the TLS files again to be reached; inputs that do not read leave the URL as it is.
  let tls = (t: RedisTarget): RedisTarget => t
  try {
    const settings = readInputs(actionInput).tls
    tls = (t) => (t.tls ? withTls(t, settings) : t)
  } catch {
    // The report step has said why the inputs do not read.
  }
  await phase(`Cleaning up: ${CLEAN_UP[started.kind]}`, async () => {
    const work = cleanUp(started, keep, attachTarget ?? parseRedisUrl('redis://localhost:6379'), actionHost, tls)
    if (deadline === null) return work
    let timer: NodeJS.Timeout | undefined
    const reached = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, deadline.at - Date.now()))))
    const cut = await Promise.race([work.then(() => false), reached])
    clearTimeout(timer)
    if (cut) core.warning(`Clean-up not finished: ${boundReason(deadline.bound)}. Check ${CLEAN_UP[started.kind]}.`)
  })
}
