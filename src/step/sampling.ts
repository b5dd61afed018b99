/**
 * The step's sampling: the background sampler (dist/sampler, a process of its own so the samples
 * keep their rhythm however busy the front end is) started when the step begins and read when it ends.
 */
import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StepObservations } from '../judge/checks.js'
import { describeError } from '../core/errors.js'
import type { MomentConfig } from '../explain/moment-snapshot.js'
import { parseMomentLines, type MomentSnapshot } from '../explain/moments.js'
import { mayName, withTimeout } from '../redis/connection.js'
import type { RedisTarget } from '../redis/target.js'
import type { TlsSettings } from '../redis/tls.js'
import { alive, readSamples, startSampler, stopSampler, waitForFirstSample, type StopResult } from '../sampler/control.js'
import { MAX_REPORT_SAMPLES, counterBaseline, summarizeSamples, thinSamples, type SamplingReport } from '../sampler/sample.js'
import { formatBytes, formatDuration } from '../core/size.js'
import type { Snapshot } from '../observe/snapshot.js'
import { FILE_TIMEOUT_MS, HELD_FILE, SAMPLES_FILE } from './files.js'
import type { StepHost } from '../core/host.js'

/** How long a step waits for the sampler's first line, at its start or (the action's post step) at its end. */
export const FIRST_SAMPLE_WAIT_MS = 5000

/** A running sampler, as plain data: the action's main step hands it to the post step. */
export interface SamplerHandle {
  pid: number
  /** When it started (ISO time): the chart's zero. */
  startedAt: string
  file: string
  intervalMs: number
  maxLifeMs: number
  /** Not a sampler: sampling is off, and the process only holds the connection whose name says what this job changed. */
  hold?: boolean
}

/** How often a holding process looks at its connection (and reopens it when it was lost). */
export const HOLD_CHECK_MS = 5000

export interface SamplingOptions {
  /** 0 turns sampling off. */
  intervalMs: number
  /** The sampler's longest life, so an orphan exits on its own. */
  maxLifeMs: number
  /** TLS files for a rediss:// target: the sampler loads them itself. */
  tls?: TlsSettings
  /** Bounded key snapshots at the moments that matter (first OOM, first eviction, near the limit); absent = none. */
  moments?: MomentConfig
  /** The sampler connection's name, before its process id (default redis-memory-guard:sampler). */
  clientName?: string
}

/** Kill hooks of samplers that must not outlive this process, by pid. */
const exitHooks = new Map<number, () => void>()

/**
 * Starts the sampler; null when sampling is off or it could not start (then the peak comes from
 * the snapshots and INFO, and the log says so). Unless `outlive`, it is killed when this process exits.
 *
 * With sampling off, a job that changed settings (attach mode's CONFIG SET, `clientName` set)
 * still starts the sampler's process, only to hold one idle connection whose name says what this
 * job changed: without it, another job of the guard sharing this Redis that began later would take
 * this job's value for the server's own, and set the server back to it.
 */
export async function startStepSampler(target: RedisTarget, workDir: string, opts: SamplingOptions, host: StepHost, outlive: boolean): Promise<SamplerHandle | null> {
  const hold = opts.intervalMs === 0
  if (hold && !(opts.clientName && mayName(target))) return null
  const file = join(workDir, hold ? HELD_FILE : SAMPLES_FILE)
  const startedAt = new Date().toISOString()
  let pid: number
  try {
    pid = await startSampler({
      url: target.url,
      file,
      intervalMs: hold ? HOLD_CHECK_MS : opts.intervalMs,
      maxLifeMs: opts.maxLifeMs,
      startedAt: Date.parse(startedAt),
      ...(hold ? { hold: true } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.moments && !hold ? { moments: opts.moments } : {}),
      ...(mayName(target) ? {} : { unnamed: true }),
      ...(outlive ? {} : { parentPid: process.pid }),
      ...(opts.clientName ? { name: opts.clientName } : {})
    })
  } catch (err) {
    host.warn(
      hold
        ? `Could not start the process that holds this job's named connection (${describeError(err)}): another job of the guard sharing this Redis ` +
            "cannot tell the settings this job changed from the server's own."
        : `Could not start the background sampler (${describeError(err)}): the step's peak will come from the snapshots and INFO instead.`
    )
    return null
  }
  if (!outlive) killOnExit(pid)
  host.info(
    hold
      ? `Sampling is off; a background process (${pid}) holds one idle connection whose name says which settings this job changed, ` +
          'so that another job of the guard sharing this Redis sets them back in the right order. It ends with the step.'
      : `Sampling Redis every ${formatDuration(opts.intervalMs)} in the background (process ${pid}; it stops by itself after ${formatDuration(opts.maxLifeMs)}).`
  )
  // A sampler that outlives this process (the action's main step) is not waited for: the tests
  // run in a later step, and the post step checks that it proved itself by its first line. A
  // step that runs its command right away waits (briefly) for the first line, which comes once
  // Node has started and connected (about 0.3 s), so the sampler sees the command's first moments.
  // So does a step that changed settings: the process's name says so to other jobs of the guard
  // on this Redis, and it must be there before this step ends (a matrix's jobs start together).
  if ((!outlive || opts.clientName) && !(await waitForFirstSample(file, FIRST_SAMPLE_WAIT_MS))) {
    host.info(`The ${hold ? 'process holding the named connection had not connected' : 'sampler took no sample'} within ${formatDuration(FIRST_SAMPLE_WAIT_MS)}; going on without waiting for it.`)
  }
  return { pid, startedAt, file, intervalMs: hold ? 0 : opts.intervalMs, maxLifeMs: opts.maxLifeMs, ...(hold ? { hold: true } : {}) }
}

/** Kills the process when this one exits (a sampler or holder that must not outlive it). */
function killOnExit(pid: number): void {
  const hook = (): void => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  exitHooks.set(pid, hook)
  process.once('exit', hook)
}

/** True once the sampler wrote its first line; waits up to `timeoutMs` while its process lives. */
async function firstLineWritten(handle: SamplerHandle, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (statSync(handle.file).size > 0) return true
    } catch {
      // not created yet
    }
    if (Date.now() >= deadline || !alive(handle.pid)) return false
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/**
 * Stops the sampler; null when there was none. Never throws. A sampler nobody waited for at the
 * start (the action's main step) that has not written its first line yet gets up to
 * FIRST_SAMPLE_WAIT_MS for it, so a step that ends moments after it began still has a sample.
 */
export async function stopStepSampler(handle: SamplerHandle | null, host: StepHost): Promise<StopResult | null> {
  if (!handle || !Number.isInteger(handle.pid) || handle.pid <= 0) return null
  if (!handle.hold) await firstLineWritten(handle, FIRST_SAMPLE_WAIT_MS)
  const result = await stopSampler(handle.pid)
  const hook = exitHooks.get(handle.pid)
  if (hook) {
    process.removeListener('exit', hook)
    exitHooks.delete(handle.pid)
  }
  if (result === 'killed') host.warn(`The background ${handle.hold ? 'process that held the named connection' : 'sampler'} (process ${handle.pid}) did not stop on SIGTERM and was killed.`)
  return result
}

/** What the samples add to the report: the sampled peak for the checks and the sampling section. */
export interface SampledStep {
  observations: StepObservations
  sampling?: SamplingReport
  /** The sampler's moment snapshots (what held the memory at the first OOM, eviction, near the limit). */
  moments?: MomentSnapshot[]
}

/**
 * Reads the samples the (stopped) sampler wrote and sums them up. `stopped` is how stopping it
 * went: a sampler that was no longer running ended early, so its peak covers only part of the step.
 */
export async function collectSamples(
  handle: SamplerHandle | null,
  before: Snapshot | null,
  stopped: StopResult | null,
  errors: string[],
  host: StepHost
): Promise<SampledStep> {
  // A holder samples nothing: the step is as one with sampling off.
  if (!handle || handle.hold) return { observations: {} }
  const samples = await readSamples(handle.file)
  if (stopped === 'not-running') {
    const last = samples[samples.length - 1]?.at
    const until = last ? ` ${formatDuration(Date.parse(last) - Date.parse(handle.startedAt))} into the step` : ' before its first sample'
    errors.push(
      `The background sampler stopped${until}, before the end of the step (its longest life is ${formatDuration(handle.maxLifeMs)}): the sampled peak covers only that part.`
    )
  }
  if (samples.length === 0 && stopped !== 'not-running') {
    // The sampler proves itself by its first line (a sample or a gap); without one it never sampled.
    errors.push(
      `The background sampler (process ${handle.pid}) never wrote a sample: the step has no sampled peak, only the snapshots' figures and INFO's peak.`
    )
  }
  const summary = summarizeSamples(samples, counterBaseline(before))
  const kept = thinSamples(samples, MAX_REPORT_SAMPLES)
  const sampling: SamplingReport = {
    intervalMs: handle.intervalMs,
    startedAt: handle.startedAt,
    summary,
    samples: kept,
    ...(kept.length < samples.length ? { thinnedFrom: samples.length } : {})
  }
  host.info(
    `${samples.length} samples` +
      (summary.peak ? `, peak ${formatBytes(summary.peak.bytes)} at ${summary.peak.at}` : ', none reached Redis') +
      (summary.gaps.length > 0 ? `, ${summary.gaps.length} gap(s) where Redis did not answer` : '') +
      '.'
  )
  const moments = await readMoments(handle.file)
  return { observations: summary.peak ? { sampledPeak: summary.peak } : {}, sampling, ...(moments.length > 0 ? { moments } : {}) }
}

/** The moment lines among the samples; none when the file cannot be read. */
async function readMoments(file: string): Promise<MomentSnapshot[]> {
  try {
    return parseMomentLines(await withTimeout(readFile(file, 'utf8'), FILE_TIMEOUT_MS, 'reading the moment snapshots'))
  } catch {
    return []
  }
}
