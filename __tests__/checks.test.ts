import { describe, expect, it } from '@jest/globals'
import { DEFAULT_THRESHOLDS, judge, parseFailOn, type Thresholds } from '../src/judge/checks.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const t = (over: Partial<Thresholds> = {}): Thresholds => ({ ...DEFAULT_THRESHOLDS, ...over })
const check = (j: ReturnType<typeof judge>, name: string) => j.checks.find((c) => c.check === name)!

describe('judge', () => {
  it('passes a clean step with no annotations-worthy status', () => {
    const j = judge(snap(), snap(), t())
    expect(j.verdict).toBe('pass')
    expect(j.checks.every((c) => c.status === 'pass' || c.status === 'reported')).toBe(true)
  })

  it('does not judge a ratio of 7.14 at 1.38 MB used', () => {
    const j = judge(snap(), snap(), t())
    const frag = check(j, 'fragmentation')
    expect(frag.status).toBe('reported')
    expect(frag.message).toContain('too little for fragmentation to matter')
  })

  it('judges fragmentation on a large instance and names an earlier peak as cause', () => {
    const after = snap({ memory: { usedMemory: 100 * MB, usedMemoryPeak: 400 * MB, memFragmentationRatio: 3.2, memFragmentationBytes: 220 * MB, allocatorFragRatio: 2.9, allocatorFragBytes: 190 * MB } })
    const frag = check(judge(snap(), after, t()), 'fragmentation')
    expect(frag.status).toBe('warn')
    expect(frag.message).toContain('caused by an earlier peak')
  })

  it('fails on OOM errors that grew during the step', () => {
    const after = snap({ errorstats: { OOM: 3 }, commandstats: { set: { calls: 9, usec: 1, rejectedCalls: 3, failedCalls: 0 } } })
    const j = judge(snap({ errorstats: { OOM: 0 } }), after, t())
    expect(j.verdict).toBe('fail')
    expect(j.oomErrors).toBe(3)
    expect(j.rejectedCalls).toBe(3)
    expect(check(j, 'oom').message).toContain("OOM command not allowed when used memory > 'maxmemory'")
  })

  it('marks the OOM check unknown without errorstats, with the reason, and does not pass the step', () => {
    const j = judge(snap({ errorstats: null }), snap({ errorstats: null }), t())
    expect(check(j, 'oom').status).toBe('unknown')
    expect(check(j, 'oom').reason).toContain('does not report errorstats')
    expect(check(j, 'oom').message).toContain('Could not be checked')
    expect(j.oomErrors).toBeNull()
    // oom is in the default fail-on: a gate that could not see warns.
    expect(j.verdict).toBe('warn')
    // Outside fail-on an unknown check is shown but does not change the verdict.
    expect(judge(snap({ errorstats: null }), snap({ errorstats: null }), t({ failOn: parseFailOn('used-memory') })).verdict).toBe('pass')
  })

  it('counts leaked keys per DB and warns or fails by fail-on', () => {
    const before = snap({ keyspace: { '0': { keys: 2, expires: 0, avgTtl: 0 } } })
    const after = snap({ keyspace: { '0': { keys: 5, expires: 0, avgTtl: 0 }, '3': { keys: 4, expires: 0, avgTtl: 0 } } })
    const reportOnly = judge(before, after, t())
    expect(reportOnly.leakedKeys).toBe(7)
    expect(reportOnly.leakedKeysByDb).toEqual({ '0': 3, '3': 4 })
    expect(check(reportOnly, 'leaked-keys').status).toBe('reported')
    expect(check(reportOnly, 'leaked-keys').message).toContain('Reported only')
    expect(reportOnly.verdict).toBe('pass')
    expect(judge(before, after, t({ maxLeakedKeys: 0 })).verdict).toBe('warn')
    expect(judge(before, after, t({ maxLeakedKeys: 0, failOn: parseFailOn('leaked-keys') })).verdict).toBe('fail')
  })

  it('uses INFO peak only when it rose during the step', () => {
    const rose = judge(snap(), snap({ memory: { usedMemoryPeak: 50 * MB } }), t({ maxPeakMemory: 10 * MB }))
    expect(rose.peak).toMatchObject({ bytes: 50 * MB, source: 'info-peak' })
    expect(check(rose, 'peak-memory').status).toBe('fail')
    const stayed = judge(snap({ memory: { usedMemoryPeak: 50 * MB } }), snap({ memory: { usedMemoryPeak: 50 * MB, usedMemory: 2 * MB } }), t({ maxPeakMemory: 10 * MB }))
    expect(stayed.peak).toMatchObject({ bytes: 2 * MB, source: 'after' })
    expect(check(stayed, 'peak-memory').status).toBe('pass')
  })

  it('prefers a sampled peak', () => {
    const j = judge(snap(), snap(), t(), { sampledPeak: { bytes: 300 * MB, at: '2026-11-25T10:00:05.000Z' } })
    expect(j.peak.source).toBe('sampled')
    expect(check(j, 'memory-percent').status).toBe('pass')
    const near = judge(snap(), snap(), t(), { sampledPeak: { bytes: 500 * MB, at: 'x' } })
    expect(check(near, 'memory-percent').status).toBe('fail')
  })

  it('skips the percent check without maxmemory and says so as a note, not a warning', () => {
    const j = judge(snap({ memory: { maxmemory: 0 } }), snap({ memory: { maxmemory: 0 } }), t())
    expect(check(j, 'memory-percent').status).toBe('reported')
    expect(j.notes.join(' ')).toContain('No maxmemory is set')
    expect(j.verdict).toBe('pass')
  })

  it('flags evictions and counts counters from a restart', () => {
    const j = judge(snap({ evictedKeys: 10, runId: 'a' }), snap({ evictedKeys: 4, runId: 'b' }), t())
    expect(j.evictedKeys).toBe(4)
    expect(check(j, 'evictions').status).toBe('warn')
    expect(j.notes[0]).toContain('restarted')
  })

  it('checks used memory against its limit', () => {
    const j = judge(snap(), snap({ memory: { usedMemory: 120 * MB } }), t({ maxUsedMemory: 100 * MB }))
    expect(check(j, 'used-memory')).toMatchObject({ status: 'fail', measured: 120 * MB, limit: 100 * MB })
    expect(check(j, 'used-memory').message).toContain('120 MB, over the limit of 100 MB')
  })
})

describe('checks without a limit or without data', () => {
  it('reports every check with no limit as reported, never pass', () => {
    const none = t({ maxMemoryPercent: undefined, maxFragmentationRatio: undefined })
    const big = snap({ memory: { usedMemory: 100 * MB, memFragmentationRatio: 1.1, memFragmentationBytes: 20 * MB } })
    const j = judge(snap(), big, none)
    for (const name of ['used-memory', 'peak-memory', 'memory-percent', 'fragmentation', 'leaked-keys']) {
      expect(check(j, name).status).toBe('reported')
      expect(check(j, name).limit).toBeNull()
    }
    expect(check(j, 'used-memory').message).toBe('used_memory after the step was 100 MB. Reported only: no limit is set.')
    expect(j.verdict).toBe('pass')
  })

  it('marks a limit the server gives no figure for as unknown, with the reason', () => {
    const j = judge(snap({ memory: { usedMemory: null } }), snap({ memory: { usedMemory: null, maxmemory: null } }), t({ maxUsedMemory: 10 * MB }))
    expect(check(j, 'used-memory')).toMatchObject({ status: 'unknown', reason: 'used_memory after the step is not reported by this server' })
    expect(check(j, 'memory-percent')).toMatchObject({ status: 'unknown', reason: 'maxmemory is not reported by this server' })
    expect(check(j, 'evictions').status).toBe('pass')
    expect(j.verdict).toBe('warn')
    const noEvictedKeys = judge(snap({ evictedKeys: null }), snap({ evictedKeys: null }), t())
    expect(check(noEvictedKeys, 'evictions')).toMatchObject({ status: 'unknown', reason: 'evicted_keys is not reported by this server' })
    expect(noEvictedKeys.verdict).toBe('pass')
  })

  it('never leaves an unknown check without a reason or a reason on a known one', () => {
    const cases = [
      judge(snap(), snap(), t()),
      judge(snap({ errorstats: null, evictedKeys: null }), snap({ errorstats: null, evictedKeys: null, memory: { usedMemory: null, maxmemory: null, memFragmentationRatio: null } }), t({ maxUsedMemory: MB, maxPeakMemory: MB }))
    ]
    for (const j of cases) for (const c of j.checks) expect(c.reason !== undefined).toBe(c.status === 'unknown')
  })
})

describe('the peak Redis proves', () => {
  it("judges INFO's used_memory_peak when it rose above every sample: a spike between two samples", () => {
    const before = snap({ memory: { usedMemoryPeak: 2 * MB, usedMemory: 1 * MB } })
    const after = snap({ memory: { usedMemoryPeak: 31 * MB, usedMemory: 1.1 * MB } })
    const j = judge(before, after, t({ maxPeakMemory: 5 * MB }), { sampledPeak: { bytes: 1.1 * MB, at: '2026-11-25T10:00:01.000Z' } })
    expect(j.peak).toMatchObject({ bytes: 31 * MB, source: 'info-peak' })
    expect(j.peak.candidates.map((c) => c.source)).toEqual(['info-peak', 'sampled', 'after', 'before'])
    expect(check(j, 'peak-memory').status).toBe('fail')
    expect(check(j, 'peak-memory').message).toContain("used_memory_peak after the step, which rose during the step")
  })

  it('keeps the sampled peak when it is the highest, and a snapshot when that is higher', () => {
    const sampled = judge(snap(), snap({ memory: { usedMemoryPeak: 4.06 * MB } }), t(), { sampledPeak: { bytes: 3 * MB, at: 'x' } })
    expect(sampled.peak).toMatchObject({ bytes: 3 * MB, source: 'sampled', at: 'x' })
    const after = judge(snap(), snap({ memory: { usedMemory: 9 * MB } }), t(), { sampledPeak: { bytes: 3 * MB, at: 'x' } })
    expect(after.peak).toMatchObject({ bytes: 9 * MB, source: 'after' })
    expect(after.peak.explanation).toContain('higher than every sample')
    const before = judge(snap({ memory: { usedMemory: 12 * MB } }), snap(), t())
    expect(before.peak).toMatchObject({ bytes: 12 * MB, source: 'before' })
  })

  it('does not trust used_memory_peak without a before snapshot', () => {
    const j = judge(null, snap({ memory: { usedMemoryPeak: 90 * MB, usedMemory: 2 * MB } }), t())
    expect(j.peak).toMatchObject({ bytes: 2 * MB, source: 'after' })
    expect(j.peak.explanation).toBe('used_memory at the snapshot (one moment, no step)')
  })
})

describe('a restart during the step', () => {
  const resets = { count: 1, at: ['2026-11-25T10:00:03.000Z'], restarted: true, oomErrors: 2006, rejectedCalls: 2006, evictedKeys: 5 }

  it('still counts the OOM errors, rejected calls and evictions seen before it', () => {
    const before = snap({ runId: 'a', errorstats: { OOM: 10 }, evictedKeys: 1 })
    const after = snap({ runId: 'b', errorstats: {}, evictedKeys: 0, commandstats: { set: { calls: 1, usec: 1, rejectedCalls: 0, failedCalls: 0 } } })
    const j = judge(before, after, t(), { counterResets: resets })
    expect(j.oomErrors).toBe(2006)
    expect(j.rejectedCalls).toBe(2006)
    expect(j.evictedKeys).toBe(5)
    expect(check(j, 'oom').status).toBe('fail')
    expect(check(j, 'oom').message).toContain('(2,006 of them before Redis restarted)')
    expect(j.restart).toEqual({ restarted: true, at: resets.at, carried: { oomErrors: 2006, rejectedCalls: 2006, evictedKeys: 5 } })
  })

  it('adds what came after the restart, and counts a reset the run_id did not show', () => {
    const before = snap({ runId: 'a', errorstats: { OOM: 10 } })
    const after = snap({ runId: 'a', errorstats: { OOM: 3 } })
    const j = judge(before, after, t(), { counterResets: { ...resets, restarted: false, oomErrors: 4 } })
    expect(j.oomErrors).toBe(7)
    expect(check(j, 'oom').message).toContain('before the counters were reset')
    expect(judge(before, after, t()).restart).toBeNull()
  })
})

describe('wording', () => {
  it('says "over maxmemory" at or above 100% and "close to OOM" only below it', () => {
    const over = judge(snap(), snap({ memory: { usedMemory: 9 * MB, maxmemory: 8 * MB } }), t())
    expect(check(over, 'memory-percent').message).toContain('112.5% of maxmemory 8.0 MB (limit 90%): Redis was over maxmemory.')
    expect(check(over, 'memory-percent').message).not.toContain('close to OOM')
    const near = judge(snap(), snap({ memory: { usedMemory: 7.6 * MB, maxmemory: 8 * MB } }), t())
    expect(check(near, 'memory-percent').message).toContain('95.0% of maxmemory 8.0 MB (limit 90%): the suite runs close to OOM.')
  })

  it('does not speak of the step for a single snapshot', () => {
    const j = judge(null, snap({ memory: { usedMemory: 9 * MB, maxmemory: 8 * MB }, errorstats: { OOM: 4 } }), t({ maxUsedMemory: MB, maxPeakMemory: MB }))
    for (const c of j.checks) expect(c.message).not.toMatch(/the step\b(?!,)|during the step|after the step/)
    expect(check(j, 'oom')).toMatchObject({ status: 'reported', measured: 4 })
    expect(check(j, 'used-memory').message).toContain('used_memory at the snapshot was 9.0 MB')
  })
})

describe('parseFailOn', () => {
  it('defaults and accepts none', () => {
    expect([...parseFailOn('')]).toEqual(['oom', 'used-memory', 'peak-memory', 'memory-percent'])
    expect(parseFailOn('none').size).toBe(0)
  })
  it('names a wrong entry and shows an example', () => {
    expect(() => parseFailOn('oom,memory')).toThrow(
      'fail-on: "memory" is not a check. Use a comma list of oom, used-memory, peak-memory, memory-percent, fragmentation, evictions, leaked-keys, wrong-db, peak-increase, used-increase, leaked-keys-increase (or none), e.g. oom,used-memory,leaked-keys.'
    )
  })
})
