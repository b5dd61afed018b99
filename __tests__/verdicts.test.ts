/**
 * Verdicts that must not pass unseen, against real redis-server processes: the samples read what
 * the background sampler reads (its INFO sections). A spike between two samples is judged by the
 * used_memory_peak Redis proves; a restart does not erase the OOM errors refused before it.
 */
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_THRESHOLDS } from '../src/judge/checks.js'
import { parseInfo } from '../src/observe/info.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { renderSummary } from '../src/render/markdown.js'
import { buildReport } from '../src/report/build.js'
import { sampleFromInfo, summarizeSamples, type Sample } from '../src/sampler/sample.js'
import { SAMPLER_INFO_SECTIONS } from '../src/sampler/worker.js'
import { connect } from '../src/redis/connection.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()

async function sample(port: number): Promise<Sample> {
  return sampleFromInfo(parseInfo(String(await redisCommand(port, 'INFO', ...SAMPLER_INFO_SECTIONS))), new Date())
}

async function snapshot(url: string) {
  const conn = await connect(parseRedisUrl(url), { timeoutMs: 5000 })
  try {
    return await takeSnapshot(conn, { withDoctor: false })
  } finally {
    await conn.close()
  }
}

describe('a spike between two samples', () => {
  it("is judged by INFO's used_memory_peak, which rose during the step", async () => {
    const r = await redis()
    const before = await snapshot(r.url)
    const samples = [await sample(r.port)]
    await redisCommands(r.port, [['SET', 'spike', 'x'.repeat(30 * 1024 * 1024)], ['DEL', 'spike']])
    samples.push(await sample(r.port))
    const after = await snapshot(r.url)
    const report = buildReport({
      target: parseRedisUrl(r.url),
      before,
      after,
      thresholds: { ...DEFAULT_THRESHOLDS, maxPeakMemory: 5 * 1024 * 1024 },
      sampling: { intervalMs: 500, startedAt: before.takenAt, summary: summarizeSamples(samples), samples }
    })
    expect(Math.max(...samples.map((s) => s.usedMemory ?? 0))).toBeLessThan(5 * 1024 * 1024)
    expect(report.peak?.source).toBe('info-peak')
    expect(report.peak?.bytes).toBeGreaterThan(30 * 1024 * 1024)
    expect(report.checks.find((c) => c.check === 'peak-memory')?.status).toBe('fail')
    expect(report.verdict).toBe('fail')
  })
})

describe('a restart during the step', () => {
  it("still counts the OOM errors refused before it, and the summary says Redis restarted", async () => {
    const first = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const before = await snapshot(first.url)
    const samples = [await sample(first.port)]
    const value = 'x'.repeat(64 * 1024)
    const replies = await redisCommands(first.port, Array.from({ length: 80 }, (_, i) => ['SET', `fixture:${i}`, value]))
    const refused = replies.filter((r) => r instanceof Error && r.message.startsWith('OOM')).length
    expect(refused).toBeGreaterThan(10)
    samples.push(await sample(first.port))
    expect(samples[1]).toMatchObject({ oomErrors: refused, rejectedCalls: refused })
    expect(samples[1].runId).toMatch(/^[0-9a-f]{40}$/)

    await first.stop()
    const second = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'], first.port)
    samples.push(await sample(second.port))
    expect(samples[2].runId).not.toBe(samples[1].runId)
    const after = await snapshot(second.url)

    const summary = summarizeSamples(samples, { oomErrors: 0, rejectedCalls: 0, evictedKeys: 0, runId: before.runId })
    expect(summary.resets).toMatchObject({ count: 1, restarted: true, oomErrors: refused, rejectedCalls: refused })
    const report = buildReport({
      target: parseRedisUrl(second.url),
      before,
      after,
      thresholds: DEFAULT_THRESHOLDS,
      sampling: { intervalMs: 500, startedAt: before.takenAt, summary, samples }
    })
    expect(report.oomErrors).toBe(refused)
    expect(report.verdict).toBe('fail')
    const md = renderSummary(report)
    expect(md).toContain(`Redis restarted during the step (first seen`)
    expect(md).toContain(`the ${refused} OOM errors, ${refused} rejected calls seen before it still count.`)
    expect(md).not.toContain('No command was refused')
  })
})
