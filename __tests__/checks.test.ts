import { describe, expect, it } from '@jest/globals'
import { DEFAULT_THRESHOLDS, judge, parseFailOn, type Thresholds } from '../src/checks.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const t = (over: Partial<Thresholds> = {}): Thresholds => ({ ...DEFAULT_THRESHOLDS, ...over })
const check = (j: ReturnType<typeof judge>, name: string) => j.checks.find((c) => c.check === name)!

describe('judge', () => {
  it('passes a clean step with no annotations-worthy status', () => {
    const j = judge(snap(), snap(), t())
    expect(j.verdict).toBe('pass')
    expect(j.checks.every((c) => c.status === 'pass' || c.status === 'skipped')).toBe(true)
  })

  it('does not judge a ratio of 7.14 at 1.38 MB used', () => {
    const j = judge(snap(), snap(), t())
    const frag = check(j, 'fragmentation')
    expect(frag.status).toBe('skipped')
    expect(frag.message).toContain('too little for the ratio (7.14) to mean anything')
  })

  it('judges fragmentation on a large instance and names an earlier peak as cause', () => {
    const after = snap({ memory: { usedMemory: 100 * MB, usedMemoryPeak: 400 * MB, memFragmentationRatio: 3.2, memFragmentationBytes: 220 * MB } })
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

  it('says the OOM check could not run without errorstats', () => {
    const j = judge(snap({ errorstats: null }), snap({ errorstats: null }), t())
    expect(check(j, 'oom').status).toBe('skipped')
    expect(check(j, 'oom').message).toContain('does not report errorstats')
    expect(j.oomErrors).toBeNull()
  })

  it('counts leaked keys per DB and warns or fails by fail-on', () => {
    const before = snap({ keyspace: { '0': { keys: 2, expires: 0, avgTtl: 0 } } })
    const after = snap({ keyspace: { '0': { keys: 5, expires: 0, avgTtl: 0 }, '3': { keys: 4, expires: 0, avgTtl: 0 } } })
    const reportOnly = judge(before, after, t())
    expect(reportOnly.leakedKeys).toBe(7)
    expect(reportOnly.leakedKeysByDb).toEqual({ '0': 3, '3': 4 })
    expect(check(reportOnly, 'leaked-keys').status).toBe('pass')
    expect(judge(before, after, t({ maxLeakedKeys: 0 })).verdict).toBe('warn')
    expect(judge(before, after, t({ maxLeakedKeys: 0, failOn: parseFailOn('leaked-keys') })).verdict).toBe('fail')
  })

  it('uses INFO peak only when it rose during the step', () => {
    const rose = judge(snap(), snap({ memory: { usedMemoryPeak: 50 * MB } }), t({ maxPeakMemory: 10 * MB }))
    expect(rose.peak).toMatchObject({ bytes: 50 * MB, source: 'info-peak' })
    expect(check(rose, 'peak-memory').status).toBe('fail')
    const stayed = judge(snap({ memory: { usedMemoryPeak: 50 * MB } }), snap({ memory: { usedMemoryPeak: 50 * MB, usedMemory: 2 * MB } }), t({ maxPeakMemory: 10 * MB }))
    expect(stayed.peak).toMatchObject({ bytes: 2 * MB, source: 'before-after' })
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
    expect(check(j, 'memory-percent').status).toBe('skipped')
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
