/**
 * Samples used_memory while `run`'s command runs, because INFO's used_memory_peak cannot be reset
 * and so cannot tell the command's own peak. One INFO memory per interval on its own connection.
 */
import { numberField, parseInfo } from '../info.js'
import type { RedisConnection } from '../redis/connection.js'

export const DEFAULT_SAMPLE_INTERVAL_MS = 100
export const MIN_SAMPLE_INTERVAL_MS = 10
export const MAX_SAMPLE_INTERVAL_MS = 10_000

export interface SamplingResult {
  intervalMs: number
  samples: number
  failedSamples: number
  /** The highest used_memory seen, and when. */
  peak: { bytes: number; at: string } | null
}

export interface RunningSampler {
  /** Stops after the sample in flight and returns what was seen. */
  stop(): Promise<SamplingResult>
}

export function startSampling(conn: RedisConnection, intervalMs: number): RunningSampler {
  const result: SamplingResult = { intervalMs, samples: 0, failedSamples: 0, peak: null }
  let running = true
  let wake: (() => void) | null = null
  const loop = (async () => {
    while (running) {
      try {
        const used = numberField(parseInfo(await conn.info('memory')).memory, 'used_memory')
        if (used !== null) {
          result.samples++
          if (result.peak === null || used > result.peak.bytes) result.peak = { bytes: used, at: new Date().toISOString() }
        }
      } catch {
        // Redis may be briefly busy or restarting under the tests; the snapshots still judge the run.
        result.failedSamples++
      }
      if (!running) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = null
    }
  })()
  return {
    async stop() {
      running = false
      ;(wake as (() => void) | null)?.()
      await loop
      return result
    }
  }
}
