/**
 * Each decision made once and carried as data: the total over several nodes is the same limit
 * check as one node's, a node's row shows the judgement it was given (not a second one made with
 * other thresholds), the renderer marks the peak the judge named, and one downsampler cuts time
 * into the same stretches for the report's samples and the chart's points.
 */
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_THRESHOLDS, judge, parseFailOn, type Thresholds } from '../src/judge/checks.js'
import { nodeFigures, summarizeInstances } from '../src/judge/nodes.js'
import { totalUsedMemoryCheck } from '../src/step/multi.js'
import { buildReport } from '../src/report/build.js'
import { reportModel } from '../src/render/model.js'
import { downsampleMax } from '../src/render/timeline.js'
import { stretches } from '../src/core/downsample.js'
import { thinSamples, type Sample } from '../src/sampler/sample.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const target = parseRedisUrl('redis://localhost:6379')

describe('the total over several nodes', () => {
  const limits = (failOn: string): Thresholds => ({ ...DEFAULT_THRESHOLDS, maxUsedMemory: 10 * MB, failOn: parseFailOn(failOn) })

  it('is judged as one node is: the same status, limit and unit for the same figure, advice with each breach', () => {
    for (const [used, failOn] of [
      [12 * MB, 'used-memory'],
      [12 * MB, 'oom'],
      [4 * MB, 'used-memory']
    ] as const) {
      const t = limits(failOn)
      const one = judge(snap(), snap({ memory: { usedMemory: used } }), t).checks.find((c) => c.check === 'used-memory')!
      const total = totalUsedMemoryCheck(used, true, t)!
      // The words differ (what the total is, what to do about it); the judging does not.
      expect({ status: total.status, measured: total.measured, limit: total.limit, unit: total.unit, advised: total.advice !== undefined }).toEqual({
        status: one.status,
        measured: one.measured,
        limit: one.limit,
        unit: one.unit,
        advised: one.advice !== undefined
      })
      expect(total.message).toMatch(/^all instances: used_memory in total was /)
    }
  })

  it('is unknown, with its reason, when a node is missing: a partial sum is not the total', () => {
    const total = totalUsedMemoryCheck(3 * MB, false, limits('used-memory'))!
    expect(total).toMatchObject({ status: 'unknown', measured: null, limit: 10 * MB, reason: 'a node could not be reached or did not report used_memory' })
  })

  it('is not made without a limit', () => {
    expect(totalUsedMemoryCheck(3 * MB, true, DEFAULT_THRESHOLDS)).toBeNull()
  })
})

describe("a node's row", () => {
  it("shows the node's judgement as given, not one made again from its snapshots", () => {
    const before = snap()
    const after = snap({ memory: { usedMemory: 2 * MB }, errorstats: { OOM: 0 } })
    // A sampled peak that the snapshots alone cannot give: a second judgement would lose it.
    const judged = judge(before, after, DEFAULT_THRESHOLDS, { sampledPeak: { bytes: 40 * MB, at: after.takenAt } })
    const row = nodeFigures({ instance: 'cache', node: null, before, after, judged })
    expect(row.peakMemory).toBe(40 * MB)
    expect(judge(before, after, DEFAULT_THRESHOLDS).peak.bytes).not.toBe(40 * MB)
    const summary = summarizeInstances({ nodes: [{ instance: 'cache', node: null, before, after, judged: { peak: { bytes: 7 }, oomErrors: 5, evictedKeys: 6 } }] })
    expect(summary.rows.map((r) => [r.peakMemory, r.oomErrors, r.evictedKeys])).toEqual([[7, 5, 6]])
    expect(summary.findings).toContain('cache: 5 OOM errors.')
  })
})

describe('the peak the renderer marks', () => {
  it('is the candidate the judge named, also when another has the same bytes', () => {
    const before = snap({ memory: { usedMemory: 1 * MB, usedMemoryPeak: 3 * MB } })
    const after = snap({ memory: { usedMemory: 3 * MB, usedMemoryPeak: 3 * MB } })
    const report = buildReport({ target, before, after, thresholds: DEFAULT_THRESHOLDS, now: new Date('2026-11-25T10:05:00.000Z') })
    const p = report.peak!
    // The JSON as another version of the guard could have written it: the judge's choice is its `source`.
    const named = p.candidates.find((c) => c.source !== p.source && c.bytes !== null)!
    const tied = { ...report, peak: { ...p, source: named.source, candidates: p.candidates.map((c) => ({ ...c, bytes: 3 * MB })) } }
    const rows = reportModel(tied).peakRows
    expect(rows.filter((r) => r.judged).map((r) => r.source)).toEqual([named.source])
    expect(reportModel(report).peakRows.filter((r) => r.judged).map((r) => r.source)).toEqual([p.source])
  })
})

describe('the one downsampler', () => {
  it('cuts time, not counts: points bunched at the start leave later stretches empty', () => {
    const points = [0, 1, 2, 3, 4, 5, 6, 7, 100].map((t) => ({ t }))
    const s = stretches(points, 4, (p) => p.t)
    expect(s.map((x) => x.start)).toEqual([0, 25, 50, 75])
    expect(s.map((x) => x.items.length)).toEqual([8, 0, 0, 1])
    expect(stretches([{ t: 5 }, { t: 5 }], 4, (p) => p.t)).toEqual([{ start: 5, items: [{ t: 5 }, { t: 5 }] }])
    expect(stretches([], 4, (p: { t: number }) => p.t)).toEqual([])
  })

  it("keeps the report's samples and the chart's points in the same stretches", () => {
    const start = Date.parse('2026-11-25T10:00:00.000Z')
    const sample = (ms: number, used: number | null): Sample => ({
      at: new Date(start + ms).toISOString(),
      connected: used !== null,
      usedMemory: used,
      usedMemoryRss: used,
      evictedKeys: 0,
      oomErrors: 0
    })
    // Fast samples for a second, then one every 10 s: a count-based cut would spend most of its points on the first second.
    const samples = [...Array.from({ length: 50 }, (_, i) => sample(i * 20, i === 30 ? 9 * MB : MB)), ...Array.from({ length: 10 }, (_, i) => sample(10_000 * (i + 1), i === 4 ? null : 2 * MB))]
    const thin = thinSamples(samples, 10)
    const chart = downsampleMax(
      samples.map((s) => ({ t: Date.parse(s.at) - start, v: s.usedMemory })),
      10
    )
    // Every stretch of the chart that has a value has a kept sample in it, and the peak and the gap survive.
    const width = 100_000 / 10
    for (const [i, p] of chart.entries()) {
      const inStretch = thin.filter((s) => Math.min(9, Math.floor((Date.parse(s.at) - start) / width)) === i)
      if (p.v !== null && inStretch.length > 0) expect(Math.max(...inStretch.map((s) => s.usedMemory ?? 0))).toBe(p.v)
    }
    expect(Math.max(...thin.map((s) => s.usedMemory ?? 0))).toBe(9 * MB)
    expect(thin.some((s) => !s.connected)).toBe(true)
    expect(thin.length).toBeLessThanOrEqual(20)
  })
})
