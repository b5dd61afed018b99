/** The action's side of sampling: start the sampler in the main step, stop it and read it afterwards. */
import * as core from '@actions/core'
import { join } from 'node:path'
import type { StepObservations } from '../checks.js'
import { describeError } from '../errors.js'
import { readSamples, startSampler, stopSampler, waitForFirstSample, type StopResult } from '../sampler/control.js'
import { MAX_REPORT_SAMPLES, summarizeSamples, thinSamples, type SamplingReport } from '../sampler/sample.js'
import { formatBytes, formatDuration } from '../size.js'
import type { Snapshot } from '../snapshot.js'
import { SAMPLES_FILE, State } from './constants.js'
import type { Settings } from './settings.js'

const FIRST_SAMPLE_WAIT_MS = 5000

/** Starts the background sampler and saves its pid in the state; null when sampling is off or could not start. */
export async function startStepSampler(settings: Settings, workDir: string): Promise<{ pid: number; startedAt: string } | null> {
  if (settings.sampleIntervalMs === 0) return null
  const startedAt = new Date().toISOString()
  try {
    const pid = await startSampler({
      url: settings.target.url,
      file: join(workDir, SAMPLES_FILE),
      intervalMs: settings.sampleIntervalMs,
      maxLifeMs: settings.sampleMaxDurationMs
    })
    core.saveState(State.SamplerPid, String(pid))
    core.saveState(State.SamplerStartedAt, startedAt)
    core.info(
      `Sampling Redis every ${formatDuration(settings.sampleIntervalMs)} in the background (process ${pid}; ` +
        `it stops by itself after ${formatDuration(settings.sampleMaxDurationMs)}).`
    )
    // Let the sampler see the step's first moments: wait (briefly) for its first sample, which
    // comes once Node has started and connected (about 0.3 s).
    if (!(await waitForFirstSample(join(workDir, SAMPLES_FILE), FIRST_SAMPLE_WAIT_MS))) {
      core.info(`The sampler took no sample within ${formatDuration(FIRST_SAMPLE_WAIT_MS)}; going on without waiting for it.`)
    }
    return { pid, startedAt }
  } catch (err) {
    core.warning(`Could not start the background sampler (${describeError(err)}): the step's peak will come from INFO instead.`)
    return null
  }
}

/** Stops the sampler named in the state, if any; null when there was none. Never throws. */
export async function stopStepSampler(pidText: string): Promise<StopResult | null> {
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return null
  const result = await stopSampler(pid)
  if (result === 'killed') core.warning(`The background sampler (process ${pid}) did not stop on SIGTERM and was killed.`)
  return result
}

/** What the samples add to the report: the sampled peak for the checks and the sampling section. */
export interface SampledStep {
  observations: StepObservations
  sampling?: SamplingReport
}

/**
 * Reads the samples the (stopped) sampler wrote and sums them up. `stopped` is how stopping it
 * went: a sampler that was no longer running ended early, so its peak covers only part of the step.
 */
export async function collectSamples(
  workDir: string,
  startedAt: string,
  settings: Settings,
  before: Snapshot | null,
  stopped: StopResult | null,
  errors: string[]
): Promise<SampledStep> {
  if (!workDir || !startedAt || settings.sampleIntervalMs === 0) return { observations: {} }
  const samples = await readSamples(join(workDir, SAMPLES_FILE))
  if (stopped === 'not-running') {
    const last = samples[samples.length - 1]?.at
    const until = last ? ` ${formatDuration(Date.parse(last) - Date.parse(startedAt))} into the step` : ' before its first sample'
    errors.push(
      `The background sampler stopped${until}, before the end of the step (sample-max-duration is ${formatDuration(settings.sampleMaxDurationMs)}): the sampled peak covers only that part.`
    )
  }
  const summary = summarizeSamples(samples, {
    oomErrors: before?.errorstats ? (before.errorstats.OOM ?? 0) : null,
    evictedKeys: before?.evictedKeys ?? null
  })
  const kept = thinSamples(samples, MAX_REPORT_SAMPLES)
  const sampling: SamplingReport = {
    intervalMs: settings.sampleIntervalMs,
    startedAt,
    summary,
    samples: kept,
    ...(kept.length < samples.length ? { thinnedFrom: samples.length } : {})
  }
  core.info(
    `${samples.length} samples` +
      (summary.peak ? `, peak ${formatBytes(summary.peak.bytes)} at ${summary.peak.at}` : ', none reached Redis') +
      (summary.gaps.length > 0 ? `, ${summary.gaps.length} gap(s) where Redis did not answer` : '') +
      '.'
  )
  return { observations: summary.peak ? { sampledPeak: summary.peak } : {}, sampling }
}
