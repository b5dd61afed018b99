/**
 * Renders a report as GitHub markdown: the job summary and the PR comment come from the same
 * parts, the comment with fewer of them. It formats the report model (model.ts), which decides
 * every figure, status and sentence once. Pure: report in, text out.
 */
import type { CheckStatus } from '../judge/checks.js'
import { commandDeltas } from '../observe/commandstats.js'
import { formatBytes, formatCount } from '../core/size.js'
import type { Report } from '../report/schema.js'
import { codeText, escapeMarkdown, fencedBlock } from './escape.js'
import { REPORT_EXTENSIONS } from './extensions.js'
import { fitParts, measureBytes, measureChars, type Part } from './fit.js'
import { ABSENT, reportModel, signed, type Cell, type CheckView, type Headline, type Hint, type ReportModel } from './model.js'
import type { ReportExtension, ReportSection, Variant } from './section.js'
import { baselineSection, baselineTable, prefixLine } from './baseline-markdown.js'
import { causeParts, commentCauseLines } from './cause-markdown.js'

export type { Variant } from './section.js'

export const NOT_REPORTED = 'not reported by this server'

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the marker and edits. */
export const COMMENT_LIMIT = 65_000
/** GitHub rejects a step's job summary over 1 MiB. */
export const SUMMARY_LIMIT = 1024 * 1024 - 1024

const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const
/** ➖ measured but not judged; ❔ could not be checked. Neither looks like a pass. */
export const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', reported: '➖', unknown: '❔' }

export interface RenderOptions {
  /** The run's page (server/owner/repo/actions/runs/id): the comment links the full summary there. */
  runUrl?: string
  /** Tells matrix legs apart in the comment's title, e.g. "test (node: 20)". Untrusted: escaped. */
  title?: string
  /** A hidden first line (the sticky comment's marker), never dropped. */
  marker?: string
  /** Parts beyond the built-in ones (key analysis and the timeline are always included). */
  extensions?: readonly ReportExtension[]
  /** Overrides the size limit (characters for the comment, bytes for the summary). */
  limit?: number
}

/** Our sentences may carry text from Redis (a policy name, a DB number): escaped, but readable. */
const prose = (text: string): string => escapeMarkdown(text, { prose: true, maxLength: 4000 })

/** The headline's figures are our own words and numbers; nothing in them comes from Redis. */
export function formatHeadline(h: Headline): string {
  return `${VERDICT_MARK[h.verdict]} **${h.engine} memory: ${h.word}**${h.figures.length ? ` — ${h.figures.join(', ')}` : ''}`
}

/** The first line: the verdict and the one or two figures that matter most. */
export function headline(report: Report): string {
  return formatHeadline(reportModel(report).headline)
}

const count = (n: number): string => formatCount(n)

function cell(c: Cell): string {
  return c === ABSENT ? '—' : c === null ? NOT_REPORTED : c
}

/** The before / after / change / peak / limit / status table. */
export function figuresTable(report: Report, model: ReportModel = reportModel(report)): string {
  const lines = ['| | Before | After | Change | Peak | Limit | Status |', '|---|---:|---:|---:|---:|---|:---:|']
  for (const r of model.figures) {
    lines.push(`| ${r.label} | ${cell(r.before)} | ${cell(r.after)} | ${r.change} | ${r.peak} | ${r.limits.join('<br>')} | ${r.status ? STATUS_MARK[r.status] : ''} |`)
  }
  return lines.join('\n')
}

function hintText(h: Hint): string {
  if (h.kind === 'text') return prose(h.text)
  return `Refused: ${h.commands.map((c) => `${codeText(c.command)} ${count(c.count)}×`).join(', ')}.`
}

function breachBlock(
  report: Report,
  c: CheckView,
  variant: Variant,
  extensions: readonly ReportExtension[],
  shown: Set<string> | null
): string {
  const lines = [checkLine(c)]
  if (shown) {
    const hints = [...c.hints.map(hintText), ...extensions.flatMap((e) => e.breachHints?.(report, c.check, variant) ?? [])]
    // Extensions may repeat a line another breach already carries: say it once, under the first.
    for (const h of hints.filter((x) => !shown.has(x))) {
      shown.add(h)
      lines.push(`  - ${h}`)
    }
  }
  if (c.advice) lines.push(`  - **What to do:** ${prose(c.advice)}`)
  return lines.join('\n')
}

function checkLine(c: CheckView): string {
  return `- ${STATUS_MARK[c.status]} **${c.check}**: ${prose(c.message)}`
}

/** Keys per database, before and after, with how many have a TTL. */
export function keysPerDb(report: Report): string {
  const b = report.before?.keyspace ?? {}
  const a = report.after?.keyspace ?? {}
  const dbs = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort((x, y) => Number(x) - Number(y))
  if (dbs.length === 0) return report.before === null ? 'No keys in any database.' : 'No keys in any database, before or after the step.'
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
  if (report.peak) lines.push(`- ${report.before === null ? 'The figure judged is' : "The step's peak is"} ${prose(report.peak.explanation)}.`)
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
  const moments = report.cause && report.cause.moments.length > 0 ? ' and the key scans of its moment snapshots' : ''
  lines.push('', `_Counts include this action's own INFO calls${moments}._${more}`)
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
  const model = reportModel(report)
  // The built-in sections always, so any caller gets the full report; extra ones once each.
  const extensions = [...REPORT_EXTENSIONS, ...(opts.extensions ?? []).filter((e) => !REPORT_EXTENSIONS.includes(e))]
  const extra = extensions.flatMap((e) => e.sections?.(report, variant) ?? [])
  const parts: Part[] = []
  const keep = (label: string, text: string): void => void parts.push({ label, text, importance: 100 })

  if (opts.marker) keep('marker', opts.marker)
  const title = opts.title ? ` · ${escapeMarkdown(opts.title, { prose: true, maxLength: 200 })}` : ''
  keep('title', variant === 'summary' ? `## Redis Memory Guard${title}` : `### Redis memory${title}`)
  keep('verdict', formatHeadline(model.headline))

  const warned = [...model.errors, ...model.warnings]
  if (warned.length > 0) {
    const errors = warned.map((e) => `> ${escapeMarkdown(e, { prose: true, maxLength: 2000 })}`).join('\n>\n')
    parts.push({ label: 'errors', importance: 92, text: `> [!WARNING]\n${errors}` })
  }
  if (model.restart) parts.push({ label: 'restart', importance: 93, text: `> [!IMPORTANT]\n> ${prose(model.restart)}` })
  if (report.after !== null) parts.push({ label: 'figures table', importance: 80, text: figuresTable(report, model) })

  // Breaches, then the checks that could not be made: a gate that could not see is shown, never passed over.
  const attention = [...model.breaches, ...model.unknown]
  const hintsShown = new Set<string>()
  if (attention.length > 0) {
    const words = model.breaches.length > 0 ? 'What went wrong and what to do' : 'What could not be checked'
    const heading = variant === 'summary' ? `### ${words}` : `**${words}**`
    parts.push({
      label: 'causes under the breaches',
      importance: 95,
      text: [heading, '', ...attention.map((c) => breachBlock(report, c, variant, extensions, hintsShown))].join('\n'),
      short: [heading, '', ...attention.map((c) => breachBlock(report, c, variant, extensions, null))].join('\n')
    })
  }
  if (model.notes.length > 0) {
    parts.push({ label: 'notes', importance: 45, text: model.notes.map((n) => `> ${prose(n)}`).join('\n>\n') })
  }
  if (model.baseline && variant === 'summary') {
    parts.push({ label: 'comparison with the base branch', importance: 85, text: baselineSection(model.baseline, STATUS_MARK) })
  }
  for (const s of extra.filter((x) => x.placement === 'main')) parts.push(sectionPart(s))
  parts.push(...causeParts(model.cause, variant, Object.keys(report.after?.keyspace ?? {}).length > 1))

  if (report.after !== null && variant === 'summary') {
    parts.push({ label: 'all checks', importance: 35, text: details('All checks', model.checks.map(checkLine).join('\n')) })
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
  // Compared with a baseline, or passing, the comment is the short one a reviewer reads in ten
  // seconds; everything else stays in the job summary it links to.
  if ((report.baseline && report.baseline.action !== 'write') || report.verdict === 'pass') {
    return fitParts(baselineCommentParts(report, opts), opts.limit ?? COMMENT_LIMIT, measureChars, notice('comment', opts.runUrl)).text
  }
  return renderReport(report, 'comment', opts)
}

/**
 * The comment against the base branch: verdict and change in the headline, one table, the three
 * biggest prefix changes, each check that did not pass with its one-line cause, and a link to the
 * job summary for everything else. A passing run's comment stays within 15 lines.
 */
export function baselineCommentParts(report: Report, opts: RenderOptions = {}): Part[] {
  const model = reportModel(report)
  const view = model.baseline
  const parts: Part[] = []
  const title = opts.title ? ` · ${escapeMarkdown(opts.title, { prose: true, maxLength: 200 })}` : ''
  // The headline names an increase against the base already: the peak's change would repeat it.
  const change = view?.headlineChange && !model.headline.againstBase ? ` · ${view.headlineChange}` : ''
  const top = [opts.marker, `### Redis memory${title}`, `${formatHeadline(model.headline)}${change}`].filter((x): x is string => Boolean(x))
  parts.push({ label: 'headline', importance: 100, text: top.join('\n') })
  if (view?.compared) {
    parts.push({ label: 'comparison table', importance: 90, text: baselineTable(view, STATUS_MARK) })
    const prefixes = prefixLine(view)
    if (prefixes) parts.push({ label: 'prefix changes', importance: 70, text: prefixes })
  }
  if (model.errors.length > 0) {
    parts.push({ label: 'errors', importance: 92, text: model.errors.map((e) => `> ${escapeMarkdown(e, { prose: true, maxLength: 500 })}`).join('\n>\n') })
  }
  const attention = [...model.breaches, ...model.unknown]
  if (attention.length > 0) parts.push({ label: 'checks that did not pass', importance: 95, text: attention.map(checkLine).join('\n') })
  // A failing or warning run names the tests that left keys and where the first OOM fell here too.
  const why = model.cause && report.verdict !== 'pass' ? commentCauseLines(model.cause, report.verdict === 'fail') : []
  if (why.length > 0) parts.push({ label: 'the cause', importance: 72, text: ['**Why**', '', ...why].join('\n') })
  const said = [view?.summary, view?.mismatchNote, view?.historyNote].filter((x): x is string => Boolean(x)).map(prose)
  const link = opts.runUrl ? ` Full report: [job summary](${opts.runUrl}).` : ' The full report is in the job summary.'
  parts.push({ label: 'footer', importance: 100, text: `<sub>${said.join(' ')} Sizes are 1024-based.${link}</sub>` })
  return parts
}
