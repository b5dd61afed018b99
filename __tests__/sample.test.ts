import { describe, expect, it } from '@jest/globals'
import { parseInfo } from '../src/observe/info.js'
import { counterBaseline, gapSample, parseSampleLines, sampleFromInfo, summarizeSamples, thinSamples, type Sample } from '../src/sampler/sample.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const T0 = Date.parse('2026-11-25T10:00:00.000Z')
const at = (ms: number): string => new Date(T0 + ms).toISOString()
const up = (ms: number, usedMemory: number, more: Partial<Sample> = {}): Sample => ({
  at: at(ms),
  connected: true,
  usedMemory,
  usedMemoryRss: usedMemory * 2,
  evictedKeys: 0,
  oomErrors: 0,
  ...more
})
const down = (ms: number): Sample => gapSample(new Date(T0 + ms), 'connect ECONNREFUSED 127.0.0.1:6390')

describe('sampleFromInfo', () => {
  it('reads the figures of INFO memory, stats and errorstats', () => {
    const text = '# Memory\r\nused_memory:1048576\r\nused_memory_rss:8388608\r\n\r\n# Stats\r\nevicted_keys:4\r\n\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\nerrorstat_OOM:count=3\r\n'
    expect(sampleFromInfo(parseInfo(text), new Date(T0))).toEqual({
      at: at(0),
      connected: true,
      usedMemory: MB,
      usedMemoryRss: 8 * MB,
      evictedKeys: 4,
      oomErrors: 3,
      errorstats: { ERR: 1, OOM: 3 },
      rejectedCalls: null,
      runId: null
    })
  })

  it('reads the run_id and sums rejected calls over commandstats, so a restart can be told', () => {
    const text =
      '# Server\r\nrun_id:abc123\r\n# Memory\r\nused_memory:10\r\n# Stats\r\nevicted_keys:0\r\n# Errorstats\r\nerrorstat_OOM:count=5\r\n' +
      '# Commandstats\r\ncmdstat_set:calls=3,usec=10,usec_per_call=3.33,rejected_calls=5,failed_calls=0\r\ncmdstat_get:calls=1,usec=1,usec_per_call=1,rejected_calls=2,failed_calls=0\r\n'
    expect(sampleFromInfo(parseInfo(text), new Date(T0))).toMatchObject({ runId: 'abc123', rejectedCalls: 7, oomErrors: 5 })
  })

  it('counts zero OOM errors under an empty errorstats header, and null without the section (Redis < 6.2)', () => {
    const withHeader = parseInfo('# Memory\r\nused_memory:10\r\n# Stats\r\nevicted_keys:0\r\n# Errorstats\r\n')
    expect(sampleFromInfo(withHeader, new Date(T0)).oomErrors).toBe(0)
    const old = parseInfo('# Memory\r\nused_memory:10\r\n# Stats\r\nevicted_keys:0\r\n')
    expect(sampleFromInfo(old, new Date(T0)).oomErrors).toBeNull()
    expect(sampleFromInfo(old, new Date(T0)).usedMemoryRss).toBeNull()
  })
})

describe('parseSampleLines', () => {
  it('skips a torn last line and lines that are not samples', () => {
    const text = [JSON.stringify(up(0, 5)), '{"note":"x"}', JSON.stringify(down(500)), '{"at":"2026-11-25T10:00:01.000Z","conn'].join('\n')
    const samples = parseSampleLines(text)
    expect(samples).toHaveLength(2)
    expect(samples[0].usedMemory).toBe(5)
    expect(samples[1]).toMatchObject({ connected: false, usedMemory: null, error: 'connect ECONNREFUSED 127.0.0.1:6390' })
  })

  it('reads back the error counts by prefix, and drops a malformed errorstats rather than the sample', () => {
    const line = (errorstats: unknown): string => JSON.stringify({ ...up(0, 5), errorstats })
    const [kept, odd, old] = parseSampleLines([line({ WRONGTYPE: 2, BUSYGROUP: 1, ERR: 'x' }), line([1, 2]), JSON.stringify(up(0, 5))].join('\n'))
    expect(kept.errorstats).toEqual({ WRONGTYPE: 2, BUSYGROUP: 1 })
    expect(odd.errorstats).toBeNull()
    expect(odd.usedMemory).toBe(5)
    // Samples of older versions have no errorstats at all: absent, not null.
    expect('errorstats' in old).toBe(false)
  })
})

describe('summarizeSamples', () => {
  it('finds the peak of a climb that was cleaned up before the end', () => {
    const s = summarizeSamples([up(0, 1 * MB), up(500, 200 * MB), up(1000, 400 * MB), up(1500, 30 * MB), up(2000, 1 * MB)])
    expect(s.peak).toEqual({ bytes: 400 * MB, at: at(1000) })
    expect(s.peakRss).toEqual({ bytes: 800 * MB, at: at(1000) })
    expect(s.count).toBe(5)
    expect(s.firstAt).toBe(at(0))
    expect(s.lastAt).toBe(at(2000))
    expect(s.gaps).toEqual([])
  })

  it('records each outage as a gap with its end', () => {
    const s = summarizeSamples([up(0, MB), down(500), down(1000), up(1500, MB), down(2000)])
    expect(s.gaps).toEqual([
      { from: at(500), to: at(1500), samples: 2, error: 'connect ECONNREFUSED 127.0.0.1:6390' },
      { from: at(2000), to: null, samples: 1, error: 'connect ECONNREFUSED 127.0.0.1:6390' }
    ])
    expect(s.connectedCount).toBe(2)
  })

  it('dates the first growth of the OOM and eviction counters from the step start', () => {
    const s = summarizeSamples([up(0, MB, { oomErrors: 2 }), up(500, MB, { oomErrors: 2, evictedKeys: 0 }), up(1000, MB, { oomErrors: 5, evictedKeys: 9 })], {
      oomErrors: 2,
      evictedKeys: 0
    })
    expect(s.firstOomAt).toBe(at(1000))
    expect(s.firstEvictionAt).toBe(at(1000))
    // Growth between the "before" snapshot and the first sample counts.
    expect(summarizeSamples([up(0, MB, { oomErrors: 3 })], { oomErrors: 2 }).firstOomAt).toBe(at(0))
  })

  it('treats a counter that dropped (a restart) as counting from zero', () => {
    const restartClean = summarizeSamples([up(0, MB, { oomErrors: 7 }), down(500), up(1000, MB, { oomErrors: 0 }), up(1500, MB, { oomErrors: 0 })], { oomErrors: 7 })
    expect(restartClean.firstOomAt).toBeNull()
    const restartThenOom = summarizeSamples([up(0, MB, { oomErrors: 7 }), up(1000, MB, { oomErrors: 0 }), up(1500, MB, { oomErrors: 1 })], { oomErrors: 7 })
    expect(restartThenOom.firstOomAt).toBe(at(1500))
  })

  it('carries the OOM errors, rejected calls and evictions seen before a restart (a new run_id)', () => {
    const s = summarizeSamples(
      [
        up(0, MB, { runId: 'a', oomErrors: 10, rejectedCalls: 10, evictedKeys: 0 }),
        up(500, MB, { runId: 'a', oomErrors: 1500, rejectedCalls: 1500, evictedKeys: 3 }),
        up(1000, MB, { runId: 'a', oomErrors: 2016, rejectedCalls: 2016, evictedKeys: 3 }),
        down(1500),
        up(2000, MB, { runId: 'b', oomErrors: 0, rejectedCalls: 0, evictedKeys: 0 }),
        up(2500, MB, { runId: 'b', oomErrors: 2, rejectedCalls: 2, evictedKeys: 0 })
      ],
      { oomErrors: 10, rejectedCalls: 10, evictedKeys: 0, runId: 'a' }
    )
    expect(s.resets).toEqual({ count: 1, at: [at(2000)], restarted: true, oomErrors: 2006, rejectedCalls: 2006, evictedKeys: 3 })
  })

  it('sees a restart by its run_id even when the counters happen to be higher afterwards', () => {
    const s = summarizeSamples([up(0, MB, { runId: 'a', oomErrors: 4 }), up(500, MB, { runId: 'b', oomErrors: 9 })], { oomErrors: 1, runId: 'a' })
    expect(s.resets).toMatchObject({ count: 1, restarted: true, oomErrors: 3 })
  })

  it('sees a reset by counters that dropped when there is no run_id (older samples, CONFIG RESETSTAT)', () => {
    const s = summarizeSamples([up(0, MB, { oomErrors: 7 }), up(500, MB, { oomErrors: 12 }), up(1000, MB, { oomErrors: 1 }), up(1500, MB, { oomErrors: 0 })], { oomErrors: 2 })
    // Two drops: 12 -> 1 and 1 -> 0 (a second reset); 10 before the first, 1 before the second.
    expect(s.resets).toMatchObject({ count: 2, restarted: false, oomErrors: 11 })
    expect(summarizeSamples([up(0, MB, { oomErrors: 3 }), up(500, MB, { oomErrors: 5 })], { oomErrors: 3 }).resets).toMatchObject({ count: 0, oomErrors: 0 })
  })

  it('has no peak and no growth without errorstats or samples that reached Redis', () => {
    const s = summarizeSamples([down(0), up(500, MB, { oomErrors: null })])
    expect(s.firstOomAt).toBeNull()
    expect(summarizeSamples([down(0)]).peak).toBeNull()
    expect(summarizeSamples([]).firstAt).toBeNull()
  })
})

describe('counterBaseline', () => {
  it('takes the counters and run_id of the "before" snapshot, null where the server has none', () => {
    const before = snap({ runId: 'r1', errorstats: { OOM: 4 }, evictedKeys: 2, commandstats: { set: { calls: 1, usec: 1, rejectedCalls: 4, failedCalls: 0 }, get: { calls: 1, usec: 1, rejectedCalls: 1, failedCalls: 0 } } })
    expect(counterBaseline(before)).toEqual({ oomErrors: 4, evictedKeys: 2, rejectedCalls: 5, runId: 'r1' })
    expect(counterBaseline(snap({ errorstats: null, commandstats: null, evictedKeys: null, runId: null }))).toEqual({ oomErrors: null, evictedKeys: null, rejectedCalls: null, runId: null })
    expect(counterBaseline(null)).toEqual({})
  })
})

describe('thinSamples', () => {
  it('keeps the samples as they are when there are few', () => {
    const samples = [up(0, 1), up(500, 2)]
    expect(thinSamples(samples, 10)).toBe(samples)
  })

  it('keeps the peak and the outages when thinning', () => {
    const samples: Sample[] = []
    for (let i = 0; i < 1000; i++) samples.push(i >= 400 && i < 410 ? down(i * 500) : up(i * 500, (i % 7) * MB + (i === 777 ? 900 * MB : 0)))
    const thin = thinSamples(samples, 100)
    expect(thin.length).toBeLessThanOrEqual(110)
    expect(Math.max(...thin.map((s) => s.usedMemory ?? 0))).toBe(900 * MB + (777 % 7) * MB)
    expect(thin.some((s) => !s.connected)).toBe(true)
    expect(summarizeSamples(thin).peak).toEqual(summarizeSamples(samples).peak)
    expect(thin.map((s) => s.at)).toEqual([...thin.map((s) => s.at)].sort())
  })
})
