/** The "memory during the step" section: a Mermaid timeline and the sampled peak. Pure: report in, markdown out. */
import type { Report } from '../report.js'
import type { CommandReport } from '../run/output.js'
import type { Sample, SamplingReport } from '../sampler/sample.js'
import { formatBytes, formatDuration } from '../size.js'
import { escapeCodeBlock, escapeMarkdown } from './escape.js'

/** GitHub renders a few hundred points, but about 100 is what a reader can see. */
export const MAX_CHART_POINTS = 100

/** A value at a time (milliseconds from the start). */
export interface TimedValue {
  t: number
  v: number | null
}

/**
 * Cuts the time from the first point to the last into at most `maxPoints` equal stretches and
 * keeps the highest value of each, so the chart's points are evenly spaced in time (as Mermaid
 * draws them) and no peak is lost. A stretch whose points are all null (Redis unreachable) is
 * null; a stretch with no point at all (samples sparser than stretches) repeats its neighbour.
 */
export function downsampleMax(points: TimedValue[], maxPoints: number): TimedValue[] {
  if (points.length === 0) return []
  const start = Math.min(...points.map((p) => p.t))
  const span = Math.max(...points.map((p) => p.t)) - start
  const n = Math.max(1, Math.min(maxPoints, points.length))
  if (span <= 0) return [{ t: start, v: maxOf(points.map((p) => p.v)) }]
  const width = span / n
  const buckets: { seen: boolean; v: number | null }[] = Array.from({ length: n }, () => ({ seen: false, v: null }))
  for (const p of points) {
    const b = buckets[Math.min(n - 1, Math.floor((p.t - start) / width))]
    b.seen = true
    if (p.v !== null) b.v = b.v === null ? p.v : Math.max(b.v, p.v)
  }
  let last: number | null = buckets.find((b) => b.seen)?.v ?? null
  return buckets.map((b, i) => {
    if (b.seen) last = b.v
    return { t: start + i * width, v: b.seen ? b.v : last }
  })
}

function maxOf(values: (number | null)[]): number | null {
  const nums = values.filter((v): v is number => v !== null)
  return nums.length > 0 ? Math.max(...nums) : null
}

/** The unit that keeps a chart's numbers short. */
function unitFor(max: number): { name: string; size: number } {
  if (max >= 1024 ** 3) return { name: 'GB', size: 1024 ** 3 }
  if (max >= 1024 ** 2) return { name: 'MB', size: 1024 ** 2 }
  return { name: 'KB', size: 1024 }
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

/** Milliseconds from `start` to an ISO time. */
function since(start: string, at: string): number {
  return Date.parse(at) - Date.parse(start)
}

/**
 * The Mermaid `xychart-beta` of used_memory over the step, with maxmemory as a flat second line
 * when it is set. Null when no sample reached Redis.
 */
export function timelineChart(samples: Sample[], startedAt: string, maxmemory: number | null): string | null {
  const points = samples.map((s) => ({ t: Math.max(0, since(startedAt, s.at)), v: s.connected ? s.usedMemory : null }))
  if (!points.some((p) => p.v !== null)) return null
  const series = downsampleMax(points, MAX_CHART_POINTS)
  const peak = maxOf(series.map((p) => p.v)) ?? 0
  const top = Math.max(peak, maxmemory ?? 0)
  const unit = unitFor(top)
  const startSeconds = round(Math.min(...points.map((p) => p.t)) / 1000)
  const endSeconds = round(Math.max(...points.map((p) => p.t)) / 1000)
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title "Used memory during the step (${unit.name})"`,
    `    x-axis "Seconds into the step" ${startSeconds} --> ${endSeconds > startSeconds ? endSeconds : startSeconds + 1}`,
    `    y-axis "${unit.name}" 0 --> ${round((top * 1.05) / unit.size) || 1}`,
    `    line [${series.map((p) => round((p.v ?? 0) / unit.size)).join(', ')}]`
  ]
  if (maxmemory) lines.push(`    line [${series.map(() => round(maxmemory / unit.size)).join(', ')}]`)
  lines.push('```')
  return lines.join('\n')
}

function when(sampling: SamplingReport, at: string): string {
  return `${formatDuration(Math.max(0, since(sampling.startedAt, at)))} into the step`
}

/** The sampled peak next to INFO's lifetime peak, saying which one the checks judged. */
export function peakTable(report: Report): string {
  const sampling = report.sampling
  const judged = report.peak?.source
  const mark = (yes: boolean): string => (yes ? '**judged**' : 'not judged')
  const rows = ['| Peak | Memory | When | |', '|---|---:|---|---|']
  const peak = sampling?.summary.peak
  rows.push(
    sampling && peak
      ? `| Sampled: the highest used_memory of ${sampling.summary.connectedCount.toLocaleString('en-US')} samples, every ${formatDuration(sampling.intervalMs)} | ${formatBytes(peak.bytes)} | ${when(sampling, peak.at)} | ${mark(judged === 'sampled')} |`
      : `| Sampled | no sample reached Redis | | not judged |`
  )
  const lifetime = report.after?.memory.usedMemoryPeak ?? null
  rows.push(
    `| INFO used_memory_peak: since Redis started, never reset | ${lifetime === null ? 'not reported by this server' : formatBytes(lifetime)} | | ${mark(judged === 'info-peak')} |`
  )
  if (judged === 'sampled' && peak && report.peak?.bytes !== null && report.peak !== null && report.peak.bytes > peak.bytes) {
    rows.push(`| The snapshot before or after the step, higher than every sample | ${formatBytes(report.peak.bytes)} | | **judged** |`)
  }
  if (judged === 'before-after') rows.push(`| The larger of used_memory before and after | ${formatBytes(report.peak?.bytes ?? 0)} | | **judged** |`)
  return rows.join('\n')
}

function commandLines(c: CommandReport): string[] {
  const ended =
    c.exitCode === 0
      ? 'succeeded'
      : c.exitCode !== null
        ? `failed with exit code ${c.exitCode}`
        : `was stopped by ${c.signal ?? 'a signal'}`
  const out = [`The command \`${escapeCodeBlock(c.command.replace(/\s+/g, ' ')).replace(/`/g, "'")}\` ${ended} after ${formatDuration(c.durationMs)}.`]
  if (c.oomLines > 0) {
    out.push(
      '',
      `${c.oomLines === 1 ? '1 line of its output carries' : `${c.oomLines.toLocaleString('en-US')} lines of its output carry`} Redis's OOM message${c.oomQuotes.length < c.oomLines ? `; the first ${c.oomQuotes.length}` : ''}:`,
      '',
      '```text',
      ...c.oomQuotes.map((q) => escapeCodeBlock(q)),
      '```'
    )
  } else {
    out.push('', "No line of its output carries Redis's OOM message.")
  }
  return out
}

/** The whole section; empty when the step was neither sampled nor run by the action. */
export function renderStepSection(report: Report): string {
  const sampling = report.sampling
  const command = report.command
  if (!sampling && !command) return ''
  const out: string[] = ['### Memory during the step', '']
  if (command) out.push(...commandLines(command), '')
  if (sampling) {
    const s = sampling.summary
    out.push(peakTable(report), '')
    const facts: string[] = []
    if (s.firstOomAt) facts.push(`Redis first refused a command with OOM ${when(sampling, s.firstOomAt)}.`)
    if (s.firstEvictionAt) facts.push(`Redis first evicted keys ${when(sampling, s.firstEvictionAt)}.`)
    for (const g of s.gaps) {
      const end = g.to ? `until ${when(sampling, g.to)}` : 'until sampling stopped'
      facts.push(
        `Redis did not answer from ${when(sampling, g.from)} ${end} (${g.samples} sample${g.samples === 1 ? '' : 's'}${g.error ? `: ${escapeMarkdown(g.error)}` : ''}).`
      )
    }
    if (facts.length > 0) out.push(...facts.map((f) => `- ${f}`), '')
    const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null
    const chart = timelineChart(sampling.samples, sampling.startedAt, maxmemory)
    if (chart) {
      const legend = [
        `Each point is the highest used_memory in its stretch of time.`,
        maxmemory ? `The flat line is maxmemory (${formatBytes(maxmemory)}).` : '',
        s.gaps.length > 0 ? 'Stretches where Redis did not answer show as 0.' : ''
      ].filter(Boolean)
      out.push(chart, '', legend.join(' '), '')
    }
  }
  return out.join('\n')
}
