/**
 * Renders a report as GitHub markdown: the job summary and the PR comment come from the same
 * parts, the comment with fewer of them. Pure: report in, text out.
 */
import type { CheckName, CheckResult, CheckStatus } from '../checks.js'
import { plural } from '../checks.js'
import { commandDeltas } from '../commandstats.js'
import { formatBytes, formatBytesDelta } from '../size.js'
import type { Report } from '../report.js'
import { totalKeys } from '../report.js'
import type { Snapshot } from '../snapshot.js'
import { codeText, escapeMarkdown, fencedBlock } from './escape.js'
import type { ReportExtension, ReportSection, Variant } from './extensions.js'
import { fitParts, measureBytes, measureChars, type Part } from './fit.js'

export type { Variant } from './extensions.js'

export const NOT_REPORTED = 'not reported by this server'

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the marker and edits. */
export const COMMENT_LIMIT = 65_000
/** GitHub rejects a step's job summary over 1 MiB. */
export const SUMMARY_LIMIT = 1024 * 1024 - 1024

const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const
const VERDICT_WORD = { pass: 'pass', warn: 'warning', fail: 'fail' } as const
const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', skipped: '➖' }

export interface RenderOptions {
  /** The run's page (server/owner/repo/actions/runs/id): the comment links the full summary there. */
  runUrl?: string
  /** Tells matrix legs apart in the comment's title, e.g. "test (node: 20)". Untrusted: escaped. */
  title?: string
  /** A hidden first line (the sticky comment's marker), never dropped. */
  marker?: string
  /** Parts other features add (key analysis, timeline). */
  extensions?: readonly ReportExtension[]
  /** Overrides the size limit (characters for the comment, bytes for the summary). */
  limit?: number
}

/** Our sentences may carry text from Redis (a policy name, a DB number): escaped, but readable. */
const prose = (text: string): string => escapeMarkdown(text, { prose: true, maxLength: 4000 })

const breached = (c: CheckResult): boolean => c.status === 'fail' || c.status === 'warn'

/** The first line: the verdict and the one or two figures that matter most. */
export function headline(report: Report): string {
  const figures: string[] = []
  const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null
  const peak = report.peak?.bytes ?? null
  const peakText =
    peak === null ? null : maxmemory ? `peak ${formatBytes(peak)} of ${formatBytes(maxmemory)} maxmemory` : `peak ${formatBytes(peak)} (no maxmemory set)`
  const failing = report.checks.filter(breached).sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1))
  for (const c of failing) {
    const text = breachFigure(c, peakText)
    if (text && !figures.includes(text)) figures.push(text)
  }
  if (report.after === null) figures.unshift('no snapshot after the step')
  if (peakText && !figures.includes(peakText)) figures.push(peakText)
  if (report.oomErrors === 0) figures.push('no OOM errors')
  const shown = figures.slice(0, 2)
  const label = VERDICT_WORD[report.verdict]
  return `${VERDICT_MARK[report.verdict]} **Redis memory: ${label}**${shown.length ? ` — ${shown.join(', ')}` : ''}`
}

function breachFigure(c: CheckResult, peakText: string | null): string | null {
  const n = c.measured ?? 0
  switch (c.check) {
    case 'oom':
      return plural(n, 'OOM error')
    case 'evictions':
      return `${plural(n, 'key')} evicted`
    case 'leaked-keys':
      return `${plural(n, 'key')} left behind`
    case 'wrong-db':
      return `${plural(n, 'key')} in the wrong DB`
    case 'used-memory':
      return `${formatBytes(n)} used after the step (limit ${formatBytes(c.limit ?? 0)})`
    case 'peak-memory':
      return `peak ${formatBytes(n)} (limit ${formatBytes(c.limit ?? 0)})`
    case 'memory-percent':
      return peakText
    case 'fragmentation':
      return `fragmentation ratio ${(c.measured ?? 0).toFixed(2)}`
    default:
      return c.check
  }
}

type Cell = number | null | undefined

interface Row {
  label: string
  before: string
  after: string
  change: string
  peak: string
  limit: string
  status: string
}

function worstStatus(report: Report, ...checks: CheckName[]): string {
  const found = report.checks.filter((c) => checks.includes(c.check))
  if (found.length === 0) return ''
  for (const s of ['fail', 'warn', 'pass'] as const) if (found.some((c) => c.status === s)) return STATUS_MARK[s]
  return STATUS_MARK.skipped
}

function limitText(report: Report, check: CheckName, fmt: (limit: number) => string): string | null {
  const c = report.checks.find((x) => x.check === check)
  if (!c || c.limit === null || c.status === 'skipped') return null
  return fmt(c.limit)
}

const count = (n: number): string => n.toLocaleString('en-US')

function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n === 0 ? '±0' : count(n)
}

/** One side of the table: `—` without that snapshot, "not reported" when the server lacks the field. */
function side(n: Cell, snap: Snapshot | null, fmt: (n: number) => string): string {
  if (snap === null) return '—'
  return n === null || n === undefined ? NOT_REPORTED : fmt(n)
}

function oomCount(s: Snapshot | null): Cell {
  if (!s) return undefined
  return s.errorstats === null ? null : (s.errorstats.OOM ?? 0)
}

/** The before / after / change / peak / limit / status table. */
export function figuresTable(report: Report): string {
  const b = report.before
  const a = report.after
  const pair = (label: string, x: Cell, y: Cell, kind: 'bytes' | 'count' | 'ratio', change?: string): Omit<Row, 'peak' | 'limit' | 'status'> => {
    const fmt = kind === 'bytes' ? formatBytes : kind === 'ratio' ? (n: number) => n.toFixed(2) : count
    const both = typeof x === 'number' && typeof y === 'number'
    const diff =
      change ??
      (both
        ? kind === 'bytes'
          ? formatBytesDelta(y - x)
          : kind === 'ratio'
            ? `${y - x >= 0 ? '+' : ''}${(y - x).toFixed(2)}`
            : signed(y - x)
        : '')
    return { label, before: side(x, b, fmt), after: side(y, a, fmt), change: diff }
  }
  const usedLimits = [
    limitText(report, 'used-memory', (l) => `after ≤ ${formatBytes(l)}`),
    limitText(report, 'peak-memory', (l) => `peak ≤ ${formatBytes(l)}`),
    limitText(report, 'memory-percent', (l) => `peak ≤ ${formatBytes(l)} (${percentOfMaxmemory(report, l)} of maxmemory)`)
  ].filter((x): x is string => x !== null)
  const counter = (n: number | null): string | undefined => (n === null ? undefined : signed(n))
  const rows: Row[] = [
    {
      ...pair('Used memory', b?.memory.usedMemory, a?.memory.usedMemory, 'bytes'),
      peak: report.peak?.bytes === null || report.peak === null ? '' : formatBytes(report.peak.bytes),
      limit: usedLimits.join('<br>'),
      status: worstStatus(report, 'used-memory', 'peak-memory', 'memory-percent')
    },
    { ...pair('RSS (process memory)', b?.memory.usedMemoryRss, a?.memory.usedMemoryRss, 'bytes'), peak: '', limit: '', status: '' },
    { ...pair('Lifetime peak (used_memory_peak)', b?.memory.usedMemoryPeak, a?.memory.usedMemoryPeak, 'bytes'), peak: '', limit: '', status: '' },
    {
      ...pair('Fragmentation ratio', b?.memory.memFragmentationRatio, a?.memory.memFragmentationRatio, 'ratio'),
      peak: '',
      limit: limitText(report, 'fragmentation', (l) => `≤ ${l}`) ?? '',
      status: worstStatus(report, 'fragmentation')
    },
    {
      ...pair('Keys (all DBs)', totalKeys(b), totalKeys(a), 'count'),
      peak: '',
      limit: limitText(report, 'leaked-keys', (l) => `≤ ${count(l)} left behind`) ?? '',
      status: worstStatus(report, 'leaked-keys', 'wrong-db')
    },
    {
      ...pair('Evicted keys', b?.evictedKeys, a?.evictedKeys, 'count', counter(report.evictedKeys)),
      peak: '',
      limit: limitText(report, 'evictions', (l) => count(l)) ?? '',
      status: worstStatus(report, 'evictions')
    },
    {
      ...pair('OOM errors', oomCount(b), oomCount(a), 'count', counter(report.oomErrors)),
      peak: '',
      limit: limitText(report, 'oom', (l) => count(l)) ?? '',
      status: worstStatus(report, 'oom')
    },
    { ...pair('Connected clients', b?.connectedClients, a?.connectedClients, 'count'), peak: '', limit: '', status: '' }
  ]
  const lines = ['| | Before | After | Change | Peak | Limit | Status |', '|---|---:|---:|---:|---:|---|:---:|']
  for (const r of rows) lines.push(`| ${r.label} | ${r.before} | ${r.after} | ${r.change} | ${r.peak} | ${r.limit} | ${r.status} |`)
  return lines.join('\n')
}

function percentOfMaxmemory(report: Report, limit: number): string {
  const mm = report.after?.memory.maxmemory
  return mm ? `${Math.round((limit / mm) * 100)}%` : '?'
}

/** Lines under a breach that connect it to its likely cause, following the checks people run by hand. */
function causeHints(report: Report, c: CheckResult): string[] {
  const hints: string[] = []
  const a = report.after
  const leaked = report.leakedKeys ?? 0
  const whereLeaked = Object.entries(report.leakedKeysByDb)
    .map(([db, n]) => `DB ${db}: ${count(n)}`)
    .join(', ')
  const memoryCheck = c.check === 'oom' || c.check === 'used-memory' || c.check === 'peak-memory' || c.check === 'memory-percent' || c.check === 'evictions'
  if (memoryCheck && a) {
    const m = a.memory
    if (c.check === 'oom' || c.check === 'evictions' || c.check === 'memory-percent') {
      const mm = m.maxmemory ? `${formatBytes(m.maxmemory)} maxmemory` : 'no maxmemory'
      if (report.peak?.bytes != null) hints.push(`The step's peak was ${formatBytes(report.peak.bytes)} of ${mm} (policy ${escapeMarkdown(m.maxmemoryPolicy ?? 'unknown')}).`)
    }
    if (m.usedMemory !== null && m.usedMemoryDataset !== null && m.usedMemoryOverhead !== null) {
      hints.push(
        `After the step ${formatBytes(m.usedMemory)} is used: ${formatBytes(m.usedMemoryDataset)} data, ${formatBytes(m.usedMemoryOverhead)} Redis's own overhead (buffers, dictionaries).`
      )
    }
    if (leaked > 0) hints.push(`${plural(leaked, 'key')} were left behind (${whereLeaked}): keys that earlier tests did not delete are the usual cause.`)
  }
  if (c.check === 'oom') {
    const refused = (commandDeltas(report.before, report.after) ?? []).filter((d) => (d.rejectedCalls ?? 0) > 0)
    if (refused.length > 0) hints.push(`Refused: ${refused.map((d) => `${codeText(d.command)} ${count(d.rejectedCalls ?? 0)}×`).join(', ')}.`)
  }
  return hints
}

function breachBlock(
  report: Report,
  c: CheckResult,
  variant: Variant,
  extensions: readonly ReportExtension[],
  shown: Set<string> | null
): string {
  const lines = [`- ${STATUS_MARK[c.status]} **${c.check}**: ${prose(c.message)}`]
  if (shown) {
    const hints = [...causeHints(report, c), ...extensions.flatMap((e) => e.breachHints?.(report, c.check, variant) ?? [])]
    // Two breaches often share a cause (OOM and memory-percent): say it once, under the first.
    for (const h of hints.filter((x) => !shown.has(x))) {
      shown.add(h)
      lines.push(`  - ${h}`)
    }
  }
  if (c.advice) lines.push(`  - **What to do:** ${prose(c.advice)}`)
  return lines.join('\n')
}

function checkLine(c: CheckResult): string {
  return `- ${STATUS_MARK[c.status]} **${c.check}**: ${prose(c.message)}`
}

/** Keys per database, before and after, with how many have a TTL. */
export function keysPerDb(report: Report): string {
  const b = report.before?.keyspace ?? {}
  const a = report.after?.keyspace ?? {}
  const dbs = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort((x, y) => Number(x) - Number(y))
  if (dbs.length === 0) return 'No keys in any database, before or after the step.'
  const lines = ['| DB | Keys before | Keys after | Change | With TTL after |', '|---:|---:|---:|---:|---:|']
  for (const db of dbs) {
    const kb = b[db]?.keys ?? 0
    const ka = a[db]?.keys ?? 0
    lines.push(
      `| ${escapeMarkdown(db)} | ${report.before ? count(kb) : '—'} | ${report.after ? count(ka) : '—'} | ${report.before && report.after ? signed(ka - kb) : ''} | ${report.after ? count(a[db]?.expires ?? 0) : '—'} |`
    )
  }
  return lines.join('\n')
}

/** Server, version, maxmemory and policy, and where the step's peak came from. */
export function serverDetails(report: Report): string {
  const s = report.after ?? report.before
  const lines: string[] = []
  const server = report.server
  const name = server ? `${server.kind === 'unknown' ? 'unknown server' : server.kind} ${server.version ?? ''}`.trim() : 'unknown'
  const compat = server && server.kind !== 'redis' && server.redisCompatVersion ? ` (Redis-compatible ${prose(server.redisCompatVersion)})` : ''
  const mode = server?.mode ? `, ${prose(server.mode)}` : ''
  lines.push(`- Server: ${prose(name)}${compat}${mode} at ${codeText(report.target.url)}`)
  if (s) {
    const m = s.memory
    const mm = m.maxmemory
    lines.push(`- maxmemory: ${mm === null ? NOT_REPORTED : mm === 0 ? '0 (no limit)' : formatBytes(mm)}; policy: ${m.maxmemoryPolicy === null ? NOT_REPORTED : codeText(m.maxmemoryPolicy)}`)
    if (m.usedMemoryPeak !== null) lines.push(`- Lifetime peak (INFO used_memory_peak, never reset): ${formatBytes(m.usedMemoryPeak)}`)
    if (m.usedMemoryStartup !== null) lines.push(`- Memory of an empty server (used_memory_startup): ${formatBytes(m.usedMemoryStartup)}`)
    if (m.totalSystemMemory) lines.push(`- Memory of the machine Redis runs on: ${formatBytes(m.totalSystemMemory)}`)
  }
  if (report.peak) lines.push(`- The step's peak is ${prose(report.peak.explanation)}.`)
  lines.push(`- Report by ${prose(`${report.tool.name} ${report.tool.version} at ${report.generatedAt}`)}.`)
  return lines.join('\n')
}

/** The commands the step ran most, from the commandstats difference. */
export function commandsTable(report: Report, top: number): string | null {
  const deltas = commandDeltas(report.before, report.after)
  if (deltas === null) return null
  if (deltas.length === 0) return 'No commands counted during the step.'
  const lines = ['| Command | Calls | Rejected | Failed | µs per call |', '|---|---:|---:|---:|---:|']
  for (const d of deltas.slice(0, top)) {
    const per = d.calls > 0 ? (d.usec / d.calls).toFixed(1) : ''
    lines.push(`| ${codeText(d.command, { maxLength: 80 })} | ${count(d.calls)} | ${d.rejectedCalls === null ? '—' : count(d.rejectedCalls)} | ${d.failedCalls === null ? '—' : count(d.failedCalls)} | ${per} |`)
  }
  const more = deltas.length > top ? ` ${count(deltas.length - top)} more commands not shown.` : ''
  lines.push('', `_Counts include this action's own INFO calls._${more}`)
  return lines.join('\n')
}

function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

function sectionPart(s: ReportSection): Part {
  return { text: s.text, short: s.short, importance: s.importance, label: s.label }
}

const DOCTOR_LIMIT = { summary: 20_000, comment: 4_000 }
const DOCTOR_SHORT = 600

/** Every part of the report in reading order, for one variant. */
export function reportParts(report: Report, variant: Variant, opts: RenderOptions = {}): Part[] {
  const extensions = opts.extensions ?? []
  const extra = extensions.flatMap((e) => e.sections?.(report, variant) ?? [])
  const parts: Part[] = []
  const keep = (label: string, text: string): void => void parts.push({ label, text, importance: 100 })

  if (opts.marker) keep('marker', opts.marker)
  const title = opts.title ? ` · ${escapeMarkdown(opts.title, { prose: true, maxLength: 200 })}` : ''
  keep('title', variant === 'summary' ? `## Redis Memory Guard${title}` : `### Redis memory${title}`)
  keep('verdict', headline(report))

  if (report.errors.length > 0) {
    const errors = report.errors.map((e) => `> ${escapeMarkdown(e, { prose: true, maxLength: 2000 })}`).join('\n>\n')
    parts.push({ label: 'errors', importance: 92, text: `> [!WARNING]\n${errors}` })
  }
  if (report.after !== null) parts.push({ label: 'figures table', importance: 80, text: figuresTable(report) })

  const breaches = report.checks.filter(breached)
  const hintsShown = new Set<string>()
  if (breaches.length > 0) {
    const heading = variant === 'summary' ? '### What went wrong and what to do' : '**What went wrong and what to do**'
    parts.push({
      label: 'causes under the breaches',
      importance: 95,
      text: [heading, '', ...breaches.map((c) => breachBlock(report, c, variant, extensions, hintsShown))].join('\n'),
      short: [heading, '', ...breaches.map((c) => breachBlock(report, c, variant, extensions, null))].join('\n')
    })
  }
  if (report.notes.length > 0) {
    parts.push({ label: 'notes', importance: 45, text: report.notes.map((n) => `> ${prose(n)}`).join('\n>\n') })
  }
  for (const s of extra.filter((x) => x.placement === 'main')) parts.push(sectionPart(s))

  if (report.after !== null && variant === 'summary') {
    parts.push({ label: 'all checks', importance: 35, text: details('All checks', report.checks.map(checkLine).join('\n')) })
  }
  parts.push({ label: 'server details', importance: 40, text: details('Server, maxmemory and policy', serverDetails(report)) })
  if (report.after !== null || report.before !== null) {
    parts.push({ label: 'keys per database', importance: 38, text: details('Keys per database', keysPerDb(report)) })
  }
  const commands = commandsTable(report, variant === 'summary' ? 15 : 8)
  if (commands !== null) {
    parts.push({
      label: 'commands the step ran',
      importance: 25,
      text: details('Commands the step ran most', commands),
      short: details('Commands the step ran most', commandsTable(report, 3) ?? '')
    })
  }
  for (const s of extra.filter((x) => x.placement === 'details')) parts.push(sectionPart(s))
  const doctor = report.after?.memoryDoctor?.trim()
  if (doctor) {
    parts.push({
      label: "MEMORY DOCTOR's text",
      importance: 15,
      text: details('MEMORY DOCTOR says', fencedBlock(doctor, { maxLength: DOCTOR_LIMIT[variant] })),
      short: details('MEMORY DOCTOR says', fencedBlock(doctor, { maxLength: DOCTOR_SHORT }))
    })
  }
  const footer = ['<sub>Sizes are 1024-based: 1 KB = 1024 bytes, 1 MB = 1024 KB.']
  if (variant === 'comment' && opts.runUrl) footer.push(` Full report: [job summary](${opts.runUrl}).`)
  footer.push('</sub>')
  keep('footer', footer.join(''))
  return parts
}

function notice(variant: Variant, runUrl: string | undefined): (shortened: string[], omitted: string[]) => string {
  return (shortened, omitted) => {
    const what = [omitted.length ? `left out ${omitted.join(', ')}` : '', shortened.length ? `shortened ${shortened.join(', ')}` : '']
      .filter(Boolean)
      .join('; ')
    const limit = variant === 'comment' ? "GitHub's 65,536-character limit for comments" : "GitHub's 1 MiB limit for job summaries"
    const full =
      variant === 'comment'
        ? runUrl
          ? `The full report is in the [job summary](${runUrl}) and the JSON report.`
          : 'The full report is in the job summary and the JSON report.'
        : `The JSON report has everything${runUrl ? ` ([run](${runUrl}))` : ''}.`
    return `> [!NOTE]\n> Shortened to fit ${limit}: ${what}. ${full}`
  }
}

/** Renders one variant within its size limit. */
export function renderReport(report: Report, variant: Variant, opts: RenderOptions = {}): string {
  const limit = opts.limit ?? (variant === 'comment' ? COMMENT_LIMIT : SUMMARY_LIMIT)
  const measure = variant === 'comment' ? measureChars : measureBytes
  return fitParts(reportParts(report, variant, opts), limit, measure, notice(variant, opts.runUrl)).text
}

/** The whole job summary. */
export function renderSummary(report: Report, opts: RenderOptions = {}): string {
  return renderReport(report, 'summary', opts)
}

/** The PR comment: the same report, shorter, under GitHub's comment limit. */
export function renderComment(report: Report, opts: RenderOptions = {}): string {
  return renderReport(report, 'comment', opts)
}
