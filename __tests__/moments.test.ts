/** Moments that matter: the trigger, and bounded key snapshots at the first OOM on a real server, named after the keys are gone. */
import { describe, expect, it } from '@jest/globals'
import { describeMoment, MomentTrigger, parseMomentLines, type MomentSnapshot } from '../src/explain/moments.js'
import { MomentRecorder, momentConfigFrom, takeMomentSnapshot, type MomentConfig } from '../src/explain/moment-snapshot.js'
import { parseInfo } from '../src/observe/info.js'
import { parseSampleLines, sampleFromInfo } from '../src/sampler/sample.js'
import { configFromEnv, SAMPLER_ENV } from '../src/sampler/worker.js'
import type { RedisConnection } from '../src/redis/connection.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()
const obs = (o: Partial<{ usedMemory: number; oomErrors: number; evictedKeys: number; maxmemory: number }>) => ({
  usedMemory: o.usedMemory ?? null,
  oomErrors: o.oomErrors ?? null,
  evictedKeys: o.evictedKeys ?? null,
  maxmemory: o.maxmemory ?? null
})

describe('MomentTrigger', () => {
  it('fires each moment once: first OOM, first eviction, past 90% of maxmemory or of max-peak-memory', () => {
    const t = new MomentTrigger({ maxPeakMemory: 1000 })
    expect(t.observe(obs({ usedMemory: 100, oomErrors: 3, evictedKeys: 7, maxmemory: 2000 }))).toEqual([])
    expect(t.observe(obs({ usedMemory: 899, oomErrors: 3, evictedKeys: 7, maxmemory: 2000 }))).toEqual([])
    expect(t.observe(obs({ usedMemory: 900, oomErrors: 3, evictedKeys: 8, maxmemory: 2000 }))).toEqual(['first-eviction', 'near-max-peak-memory'])
    expect(t.observe(obs({ usedMemory: 1800, oomErrors: 4, evictedKeys: 9, maxmemory: 2000 }))).toEqual(['first-oom', 'near-maxmemory'])
    expect(t.observe(obs({ usedMemory: 1900, oomErrors: 9, evictedKeys: 20, maxmemory: 2000 }))).toEqual([])
  })

  it('judges counters from the snapshot before the step, and from zero after a restart', () => {
    const t = new MomentTrigger({ maxPeakMemory: null }, { oomErrors: 5, evictedKeys: 0 })
    expect(t.observe(obs({ oomErrors: 6 }))).toEqual(['first-oom'])
    const r = new MomentTrigger({ maxPeakMemory: null })
    expect(r.observe(obs({ oomErrors: 10 }))).toEqual([])
    expect(r.observe(obs({ oomErrors: 0 }))).toEqual([]) // restarted
    expect(r.observe(obs({ oomErrors: 1 }))).toEqual(['first-oom'])
    // Unknown counters fire nothing; no maxmemory means no "near maxmemory".
    expect(new MomentTrigger({ maxPeakMemory: null }).observe(obs({ usedMemory: 10 ** 9 }))).toEqual([])
  })
})

async function sampleOnce(conn: RedisConnection, rec: MomentRecorder): Promise<void> {
  const sections = parseInfo(await conn.info('everything'))
  rec.onSample(sampleFromInfo(sections, new Date()), Number(sections.memory.maxmemory), conn)
}

const config: MomentConfig = { keyDelimiter: ':', prefixDepth: 2, keyPatterns: [], ignoreKeys: [], maxPeakMemory: null, budgetMs: 1000, maxKeys: 20_000 }

describe('moment snapshots on a real server', () => {
  it('names the keys that filled memory at the first OOM, though the step deleted them before its end', async () => {
    const { r, conn } = await redis(['--maxmemory', '6mb'])
    const moments: MomentSnapshot[] = []
    const rec = new MomentRecorder(config, (m) => moments.push(m))
    const stepStartedAt = new Date().toISOString()
    await sampleOnce(conn, rec) // the step's start: no moment
    // The step: streams of one import batch until Redis refuses, then its clean-up.
    const uuid = '550e8400-e29b-41d4-a716-446655440000'
    const writes = await redisCommands(
      r.port,
      Array.from({ length: 80 }, (_, i) => ['XADD', `app:import-batch-${uuid}:events`, '*', 'row', String(i), 'payload', 'p'.repeat(100_000)])
    )
    expect(writes.some((w) => w instanceof Error && /OOM/.test(w.message))).toBe(true)
    await redisCommands(r.port, Array.from({ length: 20 }, (_, i) => ['SET', `app:cache:${i}`, 'c']))
    await sampleOnce(conn, rec)
    await rec.idle()
    await redisCommand(r.port, 'FLUSHALL')
    await sampleOnce(conn, rec)
    await rec.idle()

    expect(moments).toHaveLength(1)
    const m = moments[0]
    expect(m.reasons).toEqual(['first-oom', 'near-maxmemory'])
    expect(m.scan).toMatchObject({ complete: true, scannedKeys: 21, totalKeys: 21 })
    expect(m.topPrefixes[0]).toMatchObject({ prefix: 'app:import-batch-*:*', keys: 1, types: ['stream'], estimated: false })
    expect(m.topPrefixes[0].bytes).toBeGreaterThan(4 * 1024 * 1024)
    expect(m.largestKeys[0]).toMatchObject({ key: `app:import-batch-${uuid}:events`, type: 'stream', ttl: 'none' })
    expect(m.largestKeys[0].elements).toBeGreaterThan(30)
    expect(m.breakdown.breakdown?.biggest?.part).toBe('dataset')
    expect(m.tookMs).toBeLessThan(1000)
    expect(describeMoment(m, stepStartedAt)).toMatch(
      /^at the first OOM and when used memory passed 90% of maxmemory \([\d.]+ ?m?s into the step\): [\d.]+ MB used, of which app:import-batch-\*:\* [\d.]+ MB \(stream\), app:cache:\* [\d.]+ (B|KB) \(string\)\.$/
    )
    // Nothing of it is left by the end.
    expect(await conn.command(['DBSIZE'])).toBe(0)
  })

  it('looks at part of a large keyspace within its key budget, and says so', async () => {
    const { r, conn } = await redis()
    for (let b = 0; b < 6; b++) await redisCommands(r.port, Array.from({ length: 5000 }, (_, i) => ['SET', `user:${b * 5000 + i}`, 'v']))
    const m = await takeMomentSnapshot(conn, {
      reasons: ['first-eviction'],
      at: new Date().toISOString(),
      usedMemory: null,
      maxmemory: null,
      rule: { delimiter: ':', depth: 2 },
      budget: { ms: 1000, keys: 5000 }
    })
    expect(m.scan.complete).toBe(false)
    expect(m.scan.totalKeys).toBe(30_000)
    expect(m.scan.scannedKeys).toBeGreaterThanOrEqual(5000)
    // The raw scan reads a few batches ahead, so it stops within a few thousand keys of the budget.
    expect(m.scan.scannedKeys).toBeLessThan(9000)
    expect(m.topPrefixes[0]).toMatchObject({ prefix: 'user:*', estimated: true, types: ['string'] })
    expect(m.topPrefixes[0].keys).toBeGreaterThan(25_000)
    expect(describeMoment(m, null)).toMatch(/^at the first eviction: used memory not reported, of which user:\* ≈[\d.]+ MB \(string\) \(from [\d,]+ of 30,000 keys: the first keys SCAN returned/)
  })

  it('travels as a line of its own kind in the sampler file, which the sample reader skips', () => {
    const m: MomentSnapshot = {
      kind: 'moment',
      reasons: ['first-oom'],
      at: '2026-01-01T00:00:01.000Z',
      usedMemory: 5,
      maxmemory: 6,
      scan: { complete: true, scannedKeys: 0, totalKeys: 0, durationMs: 1, budgetMs: 1000, keyBudget: 20000 },
      topPrefixes: [],
      largestKeys: [],
      breakdown: { breakdown: null, reason: 'x' },
      tookMs: 3
    }
    const sample = { at: '2026-01-01T00:00:00.500Z', connected: true, usedMemory: 5, usedMemoryRss: 9, evictedKeys: 0, oomErrors: 1 }
    const text = [JSON.stringify(sample), JSON.stringify(m), '{"kind":"moment","at":"torn'].join('\n')
    expect(parseSampleLines(text)).toHaveLength(1)
    expect(parseMomentLines(text)).toEqual([m])
  })

  it('reaches the sampler through its config, and a malformed one turns moments off instead of failing', () => {
    const env = (moments: unknown): NodeJS.ProcessEnv => ({ [SAMPLER_ENV]: JSON.stringify({ url: 'redis://127.0.0.1:1', file: 'x', intervalMs: 100, maxLifeMs: 1000, moments }) })
    expect(configFromEnv(env(config)).moments).toEqual(config)
    expect(configFromEnv(env({ keyDelimiter: ':' })).moments).toBeUndefined()
    expect(momentConfigFrom({ ...config, budgetMs: -1 })?.budgetMs).toBe(1000)
  })
})
