/**
 * The baseline's part of the report model: base → this run → change for each figure, the prefix
 * changes and the trend, decided once from `report.baseline`. The job summary, the PR comment and
 * the terminal format it. Plain text: prefix names come from Redis and are left for each format to
 * escape (markdown) or make visible (terminal).
 */
import type { CheckName, CheckStatus } from '../judge/checks.js'
import type { FigureChange, PrefixChange } from '../baseline/compare.js'
import { MIN_TREND_POINTS } from '../baseline/compare.js'
import type { Report } from '../report/schema.js'
import { formatBytes, formatBytesDelta, formatCount } from '../core/size.js'

export interface BaselineFigureRow {
  label: string
  base: string
  current: string
  /** Signed change with its percent, e.g. "+1.2 MB (+12%)"; empty when a side is unknown. */
  change: string
  /** "within the usual range (64 KB)" when the change is noise; empty otherwise. */
  note: string
  /** The status of the increase check judging the row; null when none does. */
  status: CheckStatus | null
  /** The change is beyond the usual range. */
  changed: boolean
}

export interface BaselinePrefixRow {
  db: number
  /** From Redis: untrusted. */
  prefix: string
  base: string
  current: string
  change: string
  /** "new", "gone", or "at least" for a change bounded by the other side's cut-off list. */
  tag: '' | 'new' | 'gone' | 'at least'
}

export interface BaselineView {
  /** "Against main", "Against the baseline file", "Baseline of main". */
  title: string
  /** Column heading for the base side, e.g. "main" or "main (Redis 7.2.4)". */
  baseHeading: string
  currentHeading: string
  /** One sentence: what was compared with what, or recorded where, or why not. */
  summary: string
  /** False when there is no table to show (first run, unreadable baseline, a push). */
  compared: boolean
  rows: BaselineFigureRow[]
  mismatchNote: string | null
  /** The base branch's history is too short to know its noise; said in the summary and the comment. */
  historyNote: string | null
  notes: string[]
  prefixes: BaselinePrefixRow[]
  prefixNote: string | null
  /** For the comment's headline, e.g. "peak +1.2 MB (+12%) against main"; null without a comparison. */
  headlineChange: string | null
  trend: {
    labels: string[]
    peak: (number | null)[]
    usedAfter: (number | null)[]
    drawable: boolean
    /** Why there is no chart, in words; null when there is one. */
    tooShort: string | null
  }
  warnings: string[]
}

const ROW_CHECK: Partial<Record<FigureChange['figure'], CheckName>> = {
  peak: 'peak-increase',
  'used-after': 'used-increase',
  'leaked-keys': 'leaked-keys-increase'
}

const count = (n: number): string => formatCount(n)
const value = (unit: 'bytes' | 'count', n: number | null): string => (n === null ? 'unknown' : unit === 'bytes' ? formatBytes(n) : count(n))
const delta = (unit: 'bytes' | 'count', n: number): string => (unit === 'bytes' ? formatBytesDelta(n) : n === 0 ? '±0' : `${n > 0 ? '+' : ''}${count(n)}`)

function changeText(f: FigureChange): string {
  if (f.change === null) return ''
  const pct = f.percent === null || f.change === 0 ? '' : ` (${f.percent > 0 ? '+' : ''}${Math.abs(f.percent) < 10 ? f.percent.toFixed(1) : Math.round(f.percent)}%)`
  return `${delta(f.unit, f.change)}${pct}`
}

/** The view of `report.baseline`; null when the run neither compared nor recorded. */
export function baselineView(report: Report): BaselineView | null {
  const b = report.baseline
  if (!b) return null
  const cmp = b.comparison
  const pick = cmp?.baseline ?? null
  const baseName = b.branch ?? pick?.entry.branch ?? 'baseline'
  const engineDiffers = cmp?.mismatches.some((m) => m.what === 'engine') ?? false
  const mmDiffers = cmp?.mismatches.find((m) => m.what === 'maxmemory')
  const sideNote = (side: 'base' | 'current'): string => {
    const parts: string[] = []
    const m = cmp?.mismatches.find((x) => x.what === 'engine')
    if (engineDiffers && m) parts.push(m[side])
    if (mmDiffers) parts.push(`maxmemory ${mmDiffers[side]}`)
    return parts.length ? ` (${parts.join(', ')})` : ''
  }
  const statusOf = (check: CheckName | undefined): CheckStatus | null => (check ? (report.checks.find((c) => c.check === check)?.status ?? null) : null)
  const rows: BaselineFigureRow[] = pick
    ? (cmp?.figures ?? []).map((f) => ({
        label: f.label,
        base: value(f.unit, f.base),
        current: value(f.unit, f.current),
        change: changeText(f),
        note: f.withinUsualRange ? `within the usual range (±${value(f.unit, f.usual?.band ?? 0)})` : '',
        status: statusOf(ROW_CHECK[f.figure]),
        changed: f.changed
      }))
    : []
  const prefixes: BaselinePrefixRow[] = (cmp?.prefixes ?? []).map((p: PrefixChange) => {
    const byBytes = p.bytesChange !== null
    const side = (bytes: number | null, keys: number | null): string => (byBytes ? (bytes === null ? '?' : formatBytes(bytes)) : keys === null ? '?' : `${count(keys)} keys`)
    return {
      db: p.db,
      prefix: p.prefix,
      base: p.isNew ? '—' : side(p.baseBytes, p.baseKeys),
      current: p.isGone ? '—' : side(p.currentBytes, p.currentKeys),
      change: byBytes ? formatBytesDelta(p.bytesChange ?? 0) : `${delta('count', p.keysChange ?? 0)} keys`,
      tag: p.isNew ? 'new' : p.isGone ? 'gone' : p.changeIsBound ? 'at least' : ''
    }
  })
  const peak = cmp?.figures.find((f) => f.figure === 'peak')
  let headlineChange: string | null = null
  if (pick && peak && peak.change !== null) {
    headlineChange = peak.withinUsualRange || peak.change === 0 ? `peak as usual against ${baseName}` : `peak ${changeText(peak)} against ${baseName}`
  }
  const points = b.trend.points
  const pastRuns = points.filter((p) => !p.current).length
  return {
    title: b.action === 'write' ? `Baseline of ${baseName}` : b.action === 'file' && !b.branch ? 'Against the baseline file' : `Against ${baseName}`,
    baseHeading: `${b.action === 'file' && !b.branch ? 'Baseline' : baseName}${sideNote('base')}`,
    currentHeading: `${b.action === 'write' ? 'This run' : b.action === 'read' ? 'This PR' : 'This run'}${sideNote('current')}`,
    summary: b.summary,
    compared: rows.length > 0,
    rows,
    mismatchNote: cmp?.mismatchNote ?? null,
    historyNote: pick ? (cmp?.historyNote ?? null) : null,
    notes: cmp?.notes ?? [],
    prefixes,
    prefixNote: pick ? (cmp?.prefixNote ?? null) : null,
    headlineChange,
    trend: {
      labels: points.map((p) => p.label),
      peak: points.map((p) => p.peak),
      usedAfter: points.map((p) => p.usedAfter),
      drawable: b.trend.drawable,
      tooShort: b.trend.drawable
        ? null
        : `Trend: too short to chart (${pastRuns} recorded run${pastRuns === 1 ? '' : 's'} of ${baseName}${points.some((p) => p.current) ? ' and this run' : ''}; a chart needs ${MIN_TREND_POINTS}).`
    },
    warnings: b.warnings
  }
}

