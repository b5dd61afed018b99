/** The "memory during the step" sections: the sampled peak, a Mermaid timeline and the `run` command. Pure: report in, markdown out. */
import { plural } from '../judge/checks.js'
import type { PeakSource } from '../judge/checks.js'
import type { Report } from '../report/schema.js'
import type { CommandReport } from '../run/output.js'
import type { Sample, SamplingReport } from '../sampler/sample.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import type { Snapshot } from '../observe/snapshot.js'
import { codeText, escapeMarkdown, fencedBlock } from './escape.js'
import { reportModel, type ReportModel } from './model.js'
import { mentionText } from './cause.js'
import type { TimelineEventKind } from '../explain/test-timeline.js'
import type { ReportExtension, ReportSection, Variant } from './section.js'
import { stretches } from '../core/downsample.js'

/** GitHub renders a few hundred points, but about 100 is what a reader can see. */
export const MAX_CHART_POINTS = 100

/** A value at a time (milliseconds from the start). */
export interface TimedValue {
  t: number
  v: number | null
}

/**
 * At most `maxPoints` points evenly spaced in time (core/downsample.ts), each the highest value of
 * its stretch, so no peak is lost. A stretch whose points are all null (Redis unreachable) is
 * null; a stretch with no point at all (samples sparser than stretches) repeats its neighbour.
 */
export function downsampleMax(points: TimedValue[], maxPoints: number): TimedValue[] {
  let last: number | null = null
  return stretches(points, maxPoints, (p) => p.t).map((s) => {
    if (s.items.length > 0) last = maxOf(s.items.map((p) => p.v))
    return { t: s.start, v: last }
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
 * when it is set. `ends` (the before and after snapshots) add their used_memory at their time, so
 * a step shorter than one interval still has a line. Null when no sample reached Redis.
 */
export function timelineChart(samples: Sample[], startedAt: string, maxmemory: number | null, ends: Snapshot[] = []): string | null {
  const points = [...samples.map((s) => ({ at: s.at, v: s.connected ? s.usedMemory : null })), ...ends.map((e) => ({ at: e.takenAt, v: e.memory.usedMemory }))]
    .map((p) => ({ t: Math.max(0, since(startedAt, p.at)), v: p.v }))
    .sort((a, b) => a.t - b.t)
  if (!points.some((p) => p.v !== null)) return null
  const series = downsampleMax(points, MAX_CHART_POINTS)
  const peak = maxOf(series.map((p) => p.v)) ?? 0
  const top = Math.max(peak, maxmemory ?? 0)
  const unit = unitFor(top)
  const startSeconds = round(Math.min(...points.map((p) => p.t)) / 1000)
  const endSeconds = round(Math.max(...points.map((p) => p.t)) / 1000)
  const lines = [
    '```mermaid',
    // Mermaid's default palette draws the first line in a pale lavender that is hard to see on white.
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${CHART_COLOURS}"}}}}%%`,
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

/** ", during test X" for an event the cause put on the test timeline; empty without JUnit files. */
function testThen(report: Report, kind: TimelineEventKind): string {
  const text = mentionText(report.cause?.timeline?.events.find((e) => e.kind === kind)?.during)
  // Test names come from the JUnit file: untrusted, escaped like any prose from outside.
  return text === null ? '' : `, during ${escapeMarkdown(text, { prose: true, maxLength: 600 })}`
}

/** used_memory in blue, maxmemory in red (GitHub's own accent colours). */
const CHART_COLOURS = '#0969da, #cf222e'

function when(sampling: SamplingReport, at: string): string {
  return `${formatDuration(Math.max(0, since(sampling.startedAt, at)))} into the step`
}

/** Words for each figure the peak is chosen from. */
function candidateLabel(source: PeakSource, sampling: SamplingReport | undefined): string {
  switch (source) {
    case 'sampled':
      return sampling
        ? `Sampled: the highest used_memory of ${plural(sampling.summary.connectedCount, 'sample')}, every ${formatDuration(sampling.intervalMs)}`
        : 'Sampled: the highest used_memory'
    case 'info-peak':
      return 'INFO used_memory_peak after the step: it rose during the step, so the step reached it'
    case 'after':
      return 'used_memory in the snapshot after the step'
    case 'before':
      return 'used_memory in the snapshot before the step'
  }
}

/**
 * Every figure the step's peak was chosen from, and which one the checks judged, as the report
 * records it (the choice is made once, in the checks; this only shows it).
 */
export function peakTable(report: Report): string {
  const sampling = report.sampling
  const model = reportModel(report)
  const rows = ['| Peak | Memory | When | |', '|---|---:|---|---|']
  for (const c of model.peakRows) {
    const time = c.source === 'sampled' && c.at && sampling ? when(sampling, c.at) : ''
    rows.push(`| ${candidateLabel(c.source, sampling)} | ${formatBytes(c.bytes)} |${time ? ` ${time} ` : ' '}| ${c.judged ? '**judged**' : 'not judged'} |`)
  }
  if (sampling && !model.peakRows.some((c) => c.source === 'sampled')) rows.push('| Sampled | no sample reached Redis | | not judged |')
  if (!model.peakRows.some((c) => c.source === 'info-peak')) {
    const lifetime = report.after?.memory.usedMemoryPeak ?? null
    rows.push(
      `| INFO used_memory_peak: since Redis started, never reset; it did not rise during the step | ${lifetime === null ? 'not reported by this server' : formatBytes(lifetime)} | | not judged |`
    )
  }
  return rows.join('\n')
}

/** What the command did, and its OOM messages (one line each, with how many lines carried it) in a block the output cannot break. */
export function commandText(c: CommandReport, model?: ReportModel): string {
  const ended =
    c.exitCode === 0 ? 'succeeded' : c.exitCode !== null ? `failed with exit code ${c.exitCode}` : `was stopped by ${c.signal ?? 'a signal'}`
  const out = [`The command ${codeText(c.command.replace(/\s+/g, ' '), { maxLength: 200 })} ${ended} after ${formatDuration(c.durationMs)}.`]
  if (c.oomLines > 0) {
    const n = c.oomLines === 1 ? '1 line of its output carries' : `${formatCount(c.oomLines)} lines of its output carry`
    const messages = model?.oomMessages ?? c.oomQuotes.map((text) => ({ text, count: null }))
    const counted = messages.every((m) => m.count !== null)
    const width = Math.max(0, ...messages.map((m) => formatCount(m.count ?? 0).length))
    const lines = messages.map((m) => (counted ? `${formatCount(m.count ?? 0).padStart(width)}× ${m.text}` : m.text))
    const which = messages.length === 1 ? 'it' : `${messages.length} distinct messages${counted ? ', most frequent first' : ''}`
    out.push('', `${n} Redis's OOM message; ${which}:`, '', fencedBlock(lines.join('\n')))
  } else {
    out.push('', "No line of its output carries Redis's OOM message.")
  }
  return out.join('\n')
}

/** When OOM errors and evictions first appeared, and when Redis did not answer (from the model, escaped). */
export function sampleFacts(report: Report): string[] {
  return reportModel(report).samplingFacts.map((f) => escapeMarkdown(f, { prose: true, maxLength: 600 }))
}

/** The peak table, the facts and the chart; `withChart: false` for the short form. */
export function samplingText(report: Report, sampling: SamplingReport, variant: Variant, withChart: boolean): string {
  const out = [variant === 'summary' ? '### Memory during the step' : '**Memory during the step**', '', peakTable(report)]
  const facts = sampleFacts(report)
  if (facts.length > 0) out.push('', ...facts.map((f) => `- ${f}`))
  const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null
  const ends = [report.before, report.after].filter((x): x is Snapshot => x !== null)
  const chart = withChart ? timelineChart(sampling.samples, sampling.startedAt, maxmemory, ends) : null
  if (chart) {
    const legend = [
      'Each point is the highest used_memory in its stretch of time, from the snapshot before the step to the one after it.',
      maxmemory ? `The flat line is maxmemory (${formatBytes(maxmemory)}).` : '',
      sampling.summary.gaps.length > 0 ? 'Stretches where Redis did not answer show as 0.' : ''
    ].filter(Boolean)
    out.push('', chart, '', legend.join(' '))
  }
  return out.join('\n')
}

/** The sampled timeline and the `run` command in the summary and the PR comment, and hints under the breaches. */
export const samplingExtension: ReportExtension = {
  sections(report, variant) {
    const sections: ReportSection[] = []
    if (report.command) {
      sections.push({ id: 'command', label: 'the command run', importance: 70, placement: 'main', text: commandText(report.command, reportModel(report)) })
    }
    const sampling = report.sampling
    if (sampling) {
      sections.push({
        id: 'timeline',
        label: 'memory timeline',
        importance: 60,
        placement: 'main',
        text: samplingText(report, sampling, variant, true),
        short: samplingText(report, sampling, variant, false)
      })
    }
    return sections
  },
  breachHints(report, check) {
    const sampling = report.sampling
    const hints: string[] = []
    const judged = reportModel(report).peakRows.find((r) => r.judged)
    if ((check === 'peak-memory' || check === 'memory-percent') && sampling && judged) {
      // Which figure won was decided by the checks and is recorded in the report; say where it came from.
      if (judged.source === 'sampled' && judged.at) hints.push(`Sampling saw the peak ${when(sampling, judged.at)}; see the timeline.`)
      else if (judged.source === 'info-peak') {
        const sampled = sampling.summary.peak
        hints.push(
          sampled
            ? `INFO's used_memory_peak shows the step reached ${formatBytes(judged.bytes)}; the highest sample was ${formatBytes(sampled.bytes)}, ${when(sampling, sampled.at)}.`
            : "INFO's used_memory_peak shows the step reached it; no sample reached Redis."
        )
      }
      else hints.push('The peak was in a snapshot before or after the step: no sample caught memory that high.')
    }
    if (check === 'oom') {
      if (sampling?.summary.firstOomAt) hints.push(`Redis first refused a command with OOM ${when(sampling, sampling.summary.firstOomAt)}${testThen(report, 'first-oom')}.`)
      if (report.command && report.command.oomLines > 0) {
        hints.push(`${formatCount(report.command.oomLines)} line${report.command.oomLines === 1 ? '' : 's'} of the command's output carry the OOM message (quoted below).`)
      }
    }
    if (check === 'evictions' && sampling?.summary.firstEvictionAt) {
      hints.push(`Redis first evicted keys ${when(sampling, sampling.summary.firstEvictionAt)}${testThen(report, 'first-eviction')}.`)
    }
    return hints
  }
}
