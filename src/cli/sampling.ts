/**
 * `run`'s sampling: the action's background sampler (dist/sampler, a process of its own so the
 * samples keep their rhythm however busy the CLI is), started and read here without @actions/core.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeError } from '../errors.js'
import type { RedisTarget } from '../redis/target.js'
import { readSamples, startSampler, stopSampler, waitForFirstSample } from '../sampler/control.js'
import { MAX_REPORT_SAMPLES, summarizeSamples, thinSamples, type SamplingReport } from '../sampler/sample.js'
import type { Snapshot } from '../snapshot.js'
import type { Logger } from './log.js'

/** On a laptop runs are short and bursts matter: sample more often than the action's 500 ms. */
export const CLI_SAMPLE_INTERVAL_MS = 100
/** The sampler stops itself after this long even if the CLI died without stopping it. */
const MAX_LIFE_MS = 24 * 3_600_000
const FIRST_SAMPLE_WAIT_MS = 5000

export interface RunningSampling {
  /** Stops the sampler and sums up its samples; undefined when sampling was off or never started. */
  finish(before: Snapshot, errors: string[]): Promise<SamplingReport | undefined>
}

export async function startSampling(target: RedisTarget, intervalMs: number, log: Logger): Promise<RunningSampling> {
  if (intervalMs === 0) return { finish: async () => undefined }
  const dir = await mkdtemp(join(tmpdir(), 'redis-memory-guard-samples-'))
  const file = join(dir, 'samples.jsonl')
  const startedAt = new Date().toISOString()
  let pid: number
  try {
    pid = await startSampler({ url: target.url, file, intervalMs, maxLifeMs: MAX_LIFE_MS })
  } catch (err) {
    log.warn(`Could not start the sampler (${describeError(err)}): the peak will come from INFO instead.`)
    await rm(dir, { recursive: true, force: true })
    return { finish: async () => undefined }
  }
  // If the CLI dies before stopping it, the sampler goes with it.
  const onExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  process.once('exit', onExit)
  await waitForFirstSample(file, FIRST_SAMPLE_WAIT_MS)
  return {
    async finish(before, errors) {
      const stopped = await stopSampler(pid)
      process.removeListener('exit', onExit)
      const samples = await readSamples(file)
      await rm(dir, { recursive: true, force: true })
      if (stopped === 'not-running') errors.push('The sampler stopped before the command ended: the sampled peak covers only part of the run.')
      const summary = summarizeSamples(samples, {
        oomErrors: before.errorstats ? (before.errorstats.OOM ?? 0) : null,
        evictedKeys: before.evictedKeys
      })
      const kept = thinSamples(samples, MAX_REPORT_SAMPLES)
      return { intervalMs, startedAt, summary, samples: kept, ...(kept.length < samples.length ? { thinnedFrom: samples.length } : {}) }
    }
  }
}
