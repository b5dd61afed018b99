import { describe, expect, it } from '@jest/globals'
import { DEFAULT_THRESHOLDS } from '../src/judge/checks.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { REPORT_EXTENSIONS } from '../src/render/extensions.js'
import { renderComment, renderSummary } from '../src/render/markdown.js'
import { downsampleMax, MAX_CHART_POINTS, peakTable, samplingExtension, timelineChart } from '../src/render/timeline.js'
import { buildReport } from '../src/report/build.js'
import { gapSample, summarizeSamples, type Sample, type SamplingReport } from '../src/sampler/sample.js'
import { snap } from './helpers/snapshots.js'
import type { Report } from '../src/report/schema.js'

const summaryOf = (report: Report): string => renderSummary(report, { extensions: REPORT_EXTENSIONS })
const sectionsOf = (report: Report): string =>
  (samplingExtension.sections?.(report, 'summary') ?? []).map((s) => s.text).join('\n\n')

const MB = 1024 * 1024
const T0 = Date.parse('2026-11-25T10:00:00.000Z')
const at = (ms: number): string => new Date(T0 + ms).toISOString()
const up = (ms: number, usedMemory: number): Sample => ({ at: at(ms), connected: true, usedMemory, usedMemoryRss: null, evictedKeys: 0, oomErrors: 0 })

function sampling(samples: Sample[]): SamplingReport {
  return { intervalMs: 500, startedAt: at(0), summary: summarizeSamples(samples), samples }
}

function reportWith(samples: Sample[], maxmemory = 512 * MB, lifetimePeak = 900 * MB) {
  const s = sampling(samples)
  return buildReport({
    target: parseRedisUrl('redis://127.0.0.1:6390'),
    // The lifetime peak was set before the step, so it did not rise during it.
    before: snap({ memory: { maxmemory, usedMemoryPeak: lifetimePeak } }),
    after: snap({ memory: { maxmemory, usedMemoryPeak: lifetimePeak } }),
    thresholds: { ...DEFAULT_THRESHOLDS, maxPeakMemory: 100 * MB },
    sampling: s
  })
}

describe('downsampleMax', () => {
  it('returns at most the asked number of evenly spaced points and keeps the maximum', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ t: i * 500, v: i === 613 ? 999 : i % 10 }))
    const out = downsampleMax(points, 100)
    expect(out).toHaveLength(100)
    expect(Math.max(...out.map((p) => p.v ?? 0))).toBe(999)
    const step = out[1].t - out[0].t
    out.forEach((p, i) => expect(p.t).toBeCloseTo(i * step))
  })

  it('keeps a stretch with no answer as null, and never makes more points than samples', () => {
    const out = downsampleMax([{ t: 0, v: 1 }, { t: 1000, v: null }, { t: 2000, v: 3 }], 100)
    expect(out.map((p) => p.v)).toEqual([1, null, 3])
    expect(downsampleMax([], 100)).toEqual([])
    expect(downsampleMax([{ t: 0, v: 7 }], 100)).toEqual([{ t: 0, v: 7 }])
  })

  it('starts at the first point, and repeats a neighbour where samples are sparser than stretches', () => {
    const out = downsampleMax([{ t: 400, v: 5 }, { t: 500, v: 6 }, { t: 1000, v: 2 }, { t: 1100, v: 4 }, { t: 1200, v: 3 }], 4)
    expect(out.map((p) => p.t)).toEqual([400, 600, 800, 1000])
    expect(out.map((p) => p.v)).toEqual([6, 6, 6, 4])
  })
})

describe('timelineChart', () => {
  it('draws used memory and a flat maxmemory line in a Mermaid xychart', () => {
    const chart = timelineChart([up(0, 10 * MB), up(500, 300 * MB), up(1000, 20 * MB)], at(0), 512 * MB)!
    expect(chart.split('\n')).toEqual([
      '```mermaid',
      '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #cf222e"}}}}%%',
      'xychart-beta',
      '    title "Used memory during the step (MB)"',
      '    x-axis "Seconds into the step" 0 --> 1',
      '    y-axis "MB" 0 --> 537.6',
      '    line [10, 300, 20]',
      '    line [512, 512, 512]',
      '```'
    ])
  })

  it('has no maxmemory line without maxmemory, at most 100 points, and the peak among them', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => up(i * 500, (i === 4321 ? 2048 : 100) * 1024))
    const chart = timelineChart(samples, at(0), 0)!
    const lines = chart.split('\n').filter((l) => l.trim().startsWith('line'))
    expect(lines).toHaveLength(1)
    const values = lines[0].replace(/.*\[|\].*/g, '').split(', ').map(Number)
    expect(values.length).toBeLessThanOrEqual(MAX_CHART_POINTS)
    expect(Math.max(...values)).toBe(2)
    expect(chart).toContain('(MB)')
  })

  it('adds the before and after snapshots at their times, so a short step still has a line', () => {
    const before = snap({ takenAt: at(-100), memory: { usedMemory: 1 * MB } })
    const after = snap({ takenAt: at(1500), memory: { usedMemory: 4 * MB } })
    const chart = timelineChart([up(200, 2 * MB)], at(0), null, [before, after])!
    expect(chart).toContain('x-axis "Seconds into the step" 0 --> 1.5')
    // Three stretches of 0.5 s: the before snapshot and the sample share the first, the second has no point.
    expect(chart).toContain('    line [2, 2, 4]')
  })

  it('draws nothing when no sample reached Redis', () => {
    expect(timelineChart([gapSample(new Date(T0), 'refused')], at(0), 0)).toBeNull()
  })
})

describe('the step section', () => {
  it('shows the sampled peak next to the lifetime peak and says the sampled one was judged', () => {
    const report = reportWith([up(0, 2 * MB), up(500, 400 * MB), up(1000, 2 * MB)])
    expect(report.peak?.source).toBe('sampled')
    const table = peakTable(report)
    expect(table).toContain('| Sampled: the highest used_memory of 3 samples, every 500 ms | 400 MB | 500 ms into the step | **judged** |')
    expect(table).toContain('| INFO used_memory_peak: since Redis started, never reset; it did not rise during the step | 900 MB | | not judged |')
    expect(table).toContain('| used_memory in the snapshot after the step | 1.4 MB | | not judged |')
    const summary = summaryOf(report)
    expect(summary).toContain('### Memory during the step')
    expect(summary).toContain('xychart-beta')
    expect(summary).toContain('The flat line is maxmemory (512 MB).')
    // Under the peak-memory breach, a hint points at the moment of the peak.
    expect(summary).toContain('Sampling saw the peak 500 ms into the step; see the timeline.')
    const comment = renderComment(report, { extensions: REPORT_EXTENSIONS })
    expect(comment).toContain('**Memory during the step**')
  })

  it('does not name a sample as the peak when a snapshot was higher than every sample', () => {
    const s = sampling([up(0, 2 * MB), up(500, 3 * MB)])
    const report = buildReport({
      target: parseRedisUrl('redis://127.0.0.1:6390'),
      before: snap({ memory: { maxmemory: 512 * MB, usedMemoryPeak: 900 * MB } }),
      after: snap({ memory: { maxmemory: 512 * MB, usedMemory: 200 * MB, usedMemoryPeak: 900 * MB } }),
      thresholds: { ...DEFAULT_THRESHOLDS, maxPeakMemory: 100 * MB },
      sampling: s
    })
    expect(report.peak).toMatchObject({ source: 'after', bytes: 200 * MB })
    const summary = summaryOf(report)
    expect(summary).not.toContain('Sampling saw the peak')
    expect(summary).toContain('The peak was in a snapshot before or after the step: no sample caught memory that high.')
  })

  it('drops the chart first when the comment is too long', () => {
    const report = reportWith([up(0, 2 * MB), up(500, 400 * MB), up(1000, 2 * MB)])
    const full = renderComment(report, { extensions: REPORT_EXTENSIONS })
    const tight = renderComment(report, { extensions: REPORT_EXTENSIONS, limit: full.length - 50 })
    expect(tight).not.toContain('xychart-beta')
    expect(tight).toContain('| Sampled: the highest used_memory of 3 samples')
  })

  it('marks the snapshot as judged when it was higher than every sample', () => {
    const report = reportWith([up(0, 1 * MB)])
    const table = peakTable(report)
    expect(report.peak?.bytes).toBeGreaterThan(1 * MB)
    expect(table).toContain('| Sampled: the highest used_memory of 1 sample, every 500 ms | 1.0 MB | 0 ms into the step | not judged |')
    expect(table).toContain('| used_memory in the snapshot after the step | 1.4 MB | | **judged** |')
  })

  it("judges INFO's used_memory_peak when a spike fell between two samples, and says so", () => {
    const s = sampling([up(0, 1 * MB), up(500, 1.1 * MB)])
    const report = buildReport({
      target: parseRedisUrl('redis://127.0.0.1:6390'),
      before: snap({ memory: { usedMemory: 1 * MB, usedMemoryPeak: 2 * MB } }),
      after: snap({ memory: { usedMemory: 1.1 * MB, usedMemoryPeak: 31 * MB } }),
      thresholds: { ...DEFAULT_THRESHOLDS, maxPeakMemory: 5 * MB },
      sampling: s
    })
    expect(report.verdict).toBe('fail')
    expect(report.peak).toMatchObject({ source: 'info-peak', bytes: 31 * MB })
    const table = peakTable(report)
    expect(table).toContain('| INFO used_memory_peak after the step: it rose during the step, so the step reached it | 31.0 MB | | **judged** |')
    expect(table).toContain('| Sampled: the highest used_memory of 2 samples, every 500 ms | 1.1 MB | 500 ms into the step | not judged |')
    expect(table).not.toContain('never reset')
    expect(summaryOf(report)).toContain("INFO's used_memory_peak shows the step reached 31.0 MB; the highest sample was 1.1 MB, 500 ms into the step.")
  })

  it('says when Redis did not answer, with the error escaped', () => {
    const report = reportWith([up(0, MB), gapSample(new Date(T0 + 500), 'connect <b>refused</b>'), up(1500, MB)])
    const section = sectionsOf(report)
    expect(section).toContain('Redis did not answer from 500 ms into the step until 1.5 s into the step (1 sample: connect &lt;b&gt;refused&lt;/b&gt;).')
    expect(section).toContain('show as 0')
  })

  it('quotes OOM lines of the command in a fenced block that output cannot break', () => {
    const report = buildReport({
      target: parseRedisUrl('redis://127.0.0.1:6390'),
      before: snap(),
      after: snap(),
      thresholds: DEFAULT_THRESHOLDS,
      observations: { outputOomLines: 7 },
      command: {
        command: 'npm test',
        exitCode: 1,
        signal: null,
        startedAt: at(0),
        durationMs: 12_300,
        oomLines: 2013,
        oomQuotes: ['```OOM command not allowed when used memory', 'test 3: OOM command not allowed'],
        oomMessages: [
          { text: 'test 3: OOM command not allowed', count: 13 },
          { text: '```OOM command not allowed when used memory', count: 2000 }
        ]
      }
    })
    const section = sectionsOf(report)
    expect(section).toContain('The command <code>npm test</code> failed with exit code 1 after 12.3 s.')
    expect(section).toContain("2,013 lines of its output carry Redis's OOM message; 2 distinct messages, most frequent first:")
    expect(section).toContain('````text\n2,000× ```OOM command not allowed when used memory\n   13× test 3: OOM command not allowed\n````')
    expect(report.oomErrors).toBe(7)
  })

  it('lists the quoted lines of an older report, which has no counts', () => {
    const report = buildReport({
      target: parseRedisUrl('redis://127.0.0.1:6390'),
      before: snap(),
      after: snap(),
      thresholds: DEFAULT_THRESHOLDS,
      command: { command: 'npm test', exitCode: 1, signal: null, startedAt: at(0), durationMs: 1, oomLines: 9, oomQuotes: ['a OOM', 'b OOM'] }
    })
    expect(sectionsOf(report)).toContain("9 lines of its output carry Redis's OOM message; 2 distinct messages:\n\n```text\na OOM\nb OOM\n```")
  })

  it('is empty for a step that was neither sampled nor run', () => {
    const report = buildReport({ target: parseRedisUrl('redis://127.0.0.1:6390'), before: snap(), after: snap(), thresholds: DEFAULT_THRESHOLDS })
    expect(samplingExtension.sections?.(report, 'summary')).toEqual([])
    expect(summaryOf(report)).not.toContain('Memory during the step')
  })
})
