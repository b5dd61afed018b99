/**
 * The baseline in markdown: the job summary's "Against <base>" section with its trend, and the
 * parts of the short PR comment. Formats the view of baseline-model.ts; decides nothing.
 */
import type { CheckStatus } from '../judge/checks.js'
import type { BaselineView } from './baseline-model.js'
import { codeText, escapeMarkdown } from './escape.js'

type Marks = Record<CheckStatus, string>

const prose = (text: string): string => escapeMarkdown(text, { prose: true, maxLength: 2000 })

/** base / this run / change for each figure, with the usual-range note and the increase check's mark. */
export function baselineTable(view: BaselineView, marks: Marks): string {
  const lines = [`| | ${prose(view.baseHeading)} | ${prose(view.currentHeading)} | Change | |`, '|---|---:|---:|---:|---|']
  for (const r of view.rows) {
    const note = [r.status && r.status !== 'reported' ? marks[r.status] : '', r.note].filter(Boolean).join(' ')
    lines.push(`| ${r.label} | ${r.base} | ${r.current} | ${r.change} | ${note} |`)
  }
  return lines.join('\n')
}

function prefixName(p: BaselineView['prefixes'][number]): string {
  return `${codeText(p.prefix, { maxLength: 80 })}${p.db !== 0 ? ` (DB ${p.db})` : ''}`
}

/** The prefixes that changed most, as a table (summary). */
export function prefixTable(view: BaselineView): string {
  const lines = [`| Prefix | ${prose(view.baseHeading)} | ${prose(view.currentHeading)} | Change |`, '|---|---:|---:|---:|']
  for (const p of view.prefixes) {
    lines.push(`| ${prefixName(p)}${p.tag === 'new' || p.tag === 'gone' ? ` _${p.tag}_` : ''} | ${p.base} | ${p.current} | ${p.tag === 'at least' ? 'at least ' : ''}${p.change} |`)
  }
  return lines.join('\n')
}

/** The prefixes that changed most, on one line (comment). */
export function prefixLine(view: BaselineView): string | null {
  if (view.prefixes.length === 0) return view.prefixNote ? prose(view.prefixNote) : null
  const items = view.prefixes.map((p) => `${prefixName(p)} ${p.tag === 'at least' ? 'at least ' : ''}${p.change}${p.tag === 'new' || p.tag === 'gone' ? ` (${p.tag})` : ''}`)
  return `**Biggest prefix changes:** ${items.join(', ')}`
}

const MIB = 1024 * 1024

/**
 * The Mermaid line of the peak and used memory after, over the base branch's runs and this one.
 * Null with fewer points than a line needs: two points would suggest a climb nobody observed.
 */
export function trendChart(view: BaselineView): string | null {
  const t = view.trend
  if (!t.drawable) return null
  const all = [...t.peak, ...t.usedAfter].filter((v): v is number => v !== null)
  const top = Math.max(...all, 1)
  const kib = top < MIB
  const size = kib ? 1024 : MIB
  const round = (n: number): number => Math.round((n / size) * 100) / 100
  // Missing figures repeat their neighbour: Mermaid's line has no gaps, and a 0 would draw a false drop.
  const fill = (values: (number | null)[]): number[] => {
    let last = values.find((v) => v !== null) ?? 0
    return values.map((v) => (v === null ? last : (last = v)))
  }
  // Labels are short commits, dates or "this run"; anything else is dropped so it cannot break the chart.
  const label = (s: string): string => `"${s.replace(/[^A-Za-z0-9 .:-]/g, '')}"`
  return [
    '```mermaid',
    '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #8250df"}}}}%%',
    'xychart-beta',
    `    title "Peak (blue) and used after (purple), ${kib ? 'KB' : 'MB'}: the last runs of the base branch, then this one"`,
    `    x-axis [${t.labels.map(label).join(', ')}]`,
    `    y-axis "${kib ? 'KB' : 'MB'}" 0 --> ${round(top * 1.05) || 1}`,
    `    line [${fill(t.peak).map(round).join(', ')}]`,
    ...(t.usedAfter.some((v) => v !== null) ? [`    line [${fill(t.usedAfter).map(round).join(', ')}]`] : []),
    '```'
  ].join('\n')
}

/** The job summary's section: heading, what was compared, the table, notes, prefixes and the trend. */
export function baselineSection(view: BaselineView, marks: Marks): string {
  const out = [`### ${prose(view.title)}`, '', prose(view.summary)]
  for (const w of view.warnings.filter((x) => !view.summary.includes(x))) out.push('', `> ${prose(w)}`)
  if (view.compared) {
    out.push('', baselineTable(view, marks))
    const notes = [view.mismatchNote, view.historyNote, ...view.notes].filter((n): n is string => n !== null)
    if (notes.length) out.push('', notes.map((n) => `> ${prose(n)}`).join('\n>\n'))
    out.push('', '**Prefixes that changed most**', '')
    out.push(view.prefixes.length ? prefixTable(view) : prose(view.prefixNote ?? 'No prefix comparison.'))
  }
  const chart = trendChart(view)
  out.push('', chart ?? prose(view.trend.tooShort ?? ''))
  return out.join('\n')
}
