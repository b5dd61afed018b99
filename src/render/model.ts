/**
 * The report model: everything a reader sees, decided once from a report. Limit texts, statuses,
 * signs, the headline's figures and the wording for a step or a single snapshot are derived here;
 * the markdown (job summary, PR comment) and the terminal only format this model. Pure: report in,
 * plain data out. Text here is plain: anything that came from Redis is left for each format to
 * escape (markdown) or make visible (terminal).
 */
import { CHECK_STATUSES, plural, type CheckName, type CheckStatus, type PeakCandidate, type PeakSource } from '../judge/checks.js'
import { engineName } from '../observe/info.js'
import { commandDeltas, compareNames } from '../observe/commandstats.js'
import type { Report, Verdict } from '../report/schema.js'
import { distinctOomMessages } from '../run/output.js'
import { exitCodeOf } from '../run/command.js'
import { formatBytes, formatBytesDelta, formatCount, formatDuration } from '../core/size.js'
import { suiteClients, totalKeys, type Snapshot } from '../observe/snapshot.js'
import { baselineView, type BaselineView } from './baseline-model.js'
import { causeView, type CauseView } from './cause.js'

/** A table cell: text, `null` for a figure the server does not report, `absent` without that snapshot. */
export type Cell = string | null | typeof ABSENT
export const ABSENT = 'absent' as const

export interface Headline {
  verdict: Verdict
  /** pass, warning or fail. */
  word: string
  /** The one or two figures that matter most, plain text; the peak at most once. */
  figures: string[]
  /** The engine the step ran against, for "Valkey memory: fail". */
  engine: string
  /** A figure names an increase against the base branch, so the comment need not add one. */
  againstBase?: boolean
}

export interface FigureRow {
  label: string
  before: Cell
  after: Cell
  /** Signed change ("+3", "±0", "+1.2 MB"); empty when it cannot be given. */
  change: string
  /** The judged peak, on the used-memory row only. */
  peak: string
  /** Each limit that applies to the row, e.g. "after ≤ 32 MB". */
  limits: string[]
  /** The worst status of the row's checks; null for a row no check judges. */
  status: CheckStatus | null
}

/** A line under a check: plain text, or the refused commands (names from Redis). */
export type Hint = { kind: 'text'; text: string } | { kind: 'refused'; commands: { command: string; count: number }[] }

export interface CheckView {
  check: CheckName
  status: CheckStatus
  message: string
  advice?: string
  reason?: string
  /** Lines that connect a breach to its likely cause; empty for checks that did not breach. */
  hints: Hint[]
}

export interface PeakRow {
  source: PeakSource
  bytes: number
  at?: string
  judged: boolean
}

export interface ReportModel {
  /** `snapshot`: one moment (no "before"), where nothing may speak of "the step". */
  kind: 'step' | 'snapshot'
  headline: Headline
  /** Problems that kept part of the job from running. */
  errors: string[]
  /** A visible line when Redis restarted (or its counters were reset) during the step. */
  restart: string | null
  figures: FigureRow[]
  checks: CheckView[]
  /** Checks that failed or warned, in report order. */
  breaches: CheckView[]
  /** Checks in `unknown`: each could not be made, with its reason. */
  unknown: CheckView[]
  notes: string[]
  /** Doubts about the figures that fail no check (see Report.warnings). */
  warnings: string[]
  /** Keys left behind per DB, plain text ("DB 0: 118, DB 3: 4"); null when none. */
  leakedByDb: string | null
  /**
   * The OOM messages of the command's output, one per distinct message, most frequent first.
   * `count` is null for reports that kept only the quoted lines, not how many lines each stood for.
   */
  oomMessages: { text: string; count: number | null }[]
  /** Which figure is the judged peak, in words. */
  peakExplanation: string | null
  /** Every figure the peak was chosen from, highest first, the judged one marked. */
  peakRows: PeakRow[]
  /** How the step was sampled, in words; null when it was not. */
  sampling: string | null
  /** When OOM errors and evictions first appeared and when Redis did not answer, plain text (gap errors come from the connection). */
  samplingFacts: string[]
  /** This run against the base branch (or what was recorded); null when neither happened. */
  baseline: BaselineView | null
  /** Why: what held the memory at the moments that mattered, what it is made of, which test left which key; null without `report.cause`. */
  cause: CauseView | null
}

export const VERDICT_WORD: Record<Verdict, string> = { pass: 'pass', warn: 'warning', fail: 'fail' }

/** Statuses from reports of schema 1, read by `diff` and the kept examples. */
type AnyStatus = CheckStatus | 'skipped'

/** Schema 1's `skipped` meant either "no limit" or "could not run"; the message tells which. */
export function statusOf(c: { status: AnyStatus; limit: number | null; message: string }): CheckStatus {
  if ((CHECK_STATUSES as readonly string[]).includes(c.status)) return c.status as CheckStatus
  return /^Could not|not reported/.test(c.message) ? 'unknown' : 'reported'
}

const count = (n: number): string => formatCount(n)

export function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n === 0 ? '±0' : count(n)
}

/** Worst first: a row shows the status a reader must see. */
const STATUS_ORDER: readonly CheckStatus[] = ['fail', 'warn', 'unknown', 'pass', 'reported']

function worst(statuses: CheckStatus[]): CheckStatus | null {
  for (const s of STATUS_ORDER) if (statuses.includes(s)) return s
  return null
}

/**
 * The OOM advice names the cause when the cause section found one that is not keys (client
 * buffers, a maxmemory barely above the empty server, a policy with nothing to evict): then
 * "look for keys left behind" would send the reader the wrong way.
 */
function oomAdvice(check: CheckName, advice: string, cause: CauseView | null): string {
  if (check !== 'oom' || !cause?.telling) return advice
  return `${cause.telling} Fix that first; keys left behind and large values are not what filled memory here.`
}

function oomCount(s: Snapshot | null): number | null | undefined {
  if (!s) return undefined
  return s.errorstats === null ? null : (s.errorstats.OOM ?? 0)
}

/** Builds the model; formats read it and decide nothing. */
export function reportModel(report: Report): ReportModel {
  const cause = causeView(report)
  const checks: CheckView[] = report.checks.map((c) => ({
    check: c.check,
    status: statusOf(c),
    message: c.message,
    ...(c.advice ? { advice: oomAdvice(c.check, c.advice, cause) } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
    hints: []
  }))
  const kind = report.before === null ? 'snapshot' : 'step'
  const breaches = checks.filter((c) => c.status === 'fail' || c.status === 'warn')
  const shown = new Set<string>()
  for (const b of breaches) {
    // Two breaches often share a cause (OOM and memory-percent): say it once, under the first.
    for (const h of causeHints(report, b)) {
      const key = JSON.stringify(h)
      if (shown.has(key)) continue
      shown.add(key)
      b.hints.push(h)
    }
  }
  const leaks = Object.entries(report.leakedKeysByDb)
  return {
    kind,
    headline: headline(report, checks),
    errors: [...report.errors],
    restart: restartLine(report),
    figures: figureRows(report, checks),
    checks,
    breaches,
    unknown: checks.filter((c) => c.status === 'unknown'),
    // The restart has its own visible line; its note stays in the JSON.
    notes: report.restart ? report.notes.filter((n) => !n.startsWith('Redis restarted during the step')) : [...report.notes],
    warnings: [...(report.warnings ?? [])],
    leakedByDb: leaks.length > 0 ? leaks.map(([db, n]) => `DB ${db}: ${count(n)}`).join(', ') : null,
    oomMessages: oomMessagesOf(report),
    peakExplanation: report.peak ? report.peak.explanation : null,
    peakRows: peakRows(report),
    sampling: samplingLine(report),
    samplingFacts: samplingFacts(report),
    baseline: baselineView(report),
    cause
  }
}

/** Breaches of the user's limits, in the headline's order (OOM and fragmentation have their own ranks). */
const LIMIT_RANK: readonly CheckName[] = ['used-memory', 'peak-memory', 'memory-percent', 'evictions', 'leaked-keys', 'wrong-db']
/** Increases against the base, in the headline's order: keys left behind say most about a PR. */
const INCREASE_RANK: readonly string[] = ['leaked-keys', 'used-after', 'peak']
/** How many figures the headline names; the rest are in the checks below it. */
export const HEADLINE_FIGURES = 2

/**
 * The verdict and the figures that matter most, each naming its figure, ranked: OOM errors, a
 * failed command, breaches of the user's limits, increases against the base branch (keys left
 * behind first), fragmentation, then checks that could not be made and the peak.
 */
function headline(report: Report, checks: CheckView[]): Headline {
  const step = report.before !== null
  const figures: string[] = []
  const maxmemory = report.after?.memory.maxmemory ?? report.before?.memory.maxmemory ?? null
  const peak = report.peak?.bytes ?? null
  const word = step ? 'peak' : 'used_memory'
  const peakText = peak === null ? null : maxmemory ? `${word} ${formatBytes(peak)} of ${formatBytes(maxmemory)} maxmemory` : `${word} ${formatBytes(peak)} (no maxmemory set)`
  let peakShown = false
  let againstBase = false
  const add = (text: string | null, isPeak = false): void => {
    if (text === null || figures.includes(text) || (isPeak && peakShown)) return
    figures.push(text)
    if (isPeak) peakShown = true
  }
  if (report.after === null) add(step ? 'no snapshot after the step' : 'no snapshot')
  const results = new Map(report.checks.map((c) => [c.check, c]))
  const breached = (name: CheckName): CheckView | undefined => checks.find((c) => c.check === name && (c.status === 'fail' || c.status === 'warn'))
  const measured = (name: CheckName): number => results.get(name)?.measured ?? 0
  if (breached('oom')) add(plural(measured('oom'), 'OOM error'))
  const command = commandFailure(report)
  if (command) add(command)
  // Failures before warnings within the rank: a failing limit is what turned the job red.
  const limits = LIMIT_RANK.map((n) => breached(n)).filter((c): c is CheckView => c !== undefined)
  for (const c of [...limits.filter((x) => x.status === 'fail'), ...limits.filter((x) => x.status === 'warn')]) {
    const n = measured(c.check)
    const r = results.get(c.check)
    if (c.check === 'evictions') add(`${plural(n, 'key')} evicted`)
    else if (c.check === 'leaked-keys') add(`${plural(n, 'key')} left behind`)
    else if (c.check === 'wrong-db') add(`${plural(n, 'key')} in the wrong DB`)
    else if (c.check === 'used-memory') add(`${formatBytes(n)} used${step ? ' after the step' : ''} (limit ${formatBytes(r?.limit ?? 0)})`)
    else if (c.check === 'peak-memory') add(`${word} ${formatBytes(n)} (limit ${formatBytes(r?.limit ?? 0)})`, true)
    else if (c.check === 'memory-percent') add(peakText, true)
  }
  const before = figures.length
  for (const text of increaseTexts(report)) add(text)
  againstBase = figures.length > before
  if (breached('fragmentation')) {
    const r = results.get('fragmentation')
    add(`fragmentation: allocator_frag_ratio ${(r?.measured ?? 0).toFixed(2)}`)
  }
  for (const c of checks.filter((x) => x.status === 'unknown')) add(`${c.check} not checked`)
  add(peakText, true)
  if (report.oomErrors === 0) add('no OOM errors')
  const shown = figures.slice(0, HEADLINE_FIGURES)
  return {
    verdict: report.verdict,
    word: VERDICT_WORD[report.verdict],
    figures: shown,
    engine: engineName(report.server),
    againstBase: againstBase && shown.some((f) => f.endsWith(BASE_SUFFIX(report)))
  }
}

/** "against main": the end of a headline figure that compares with the base branch. */
const BASE_SUFFIX = (report: Report): string => ` against ${report.baseline?.branch ?? report.baseline?.comparison?.baseline?.entry.branch ?? 'the baseline'}`

/**
 * Figures that rose beyond their usual range against the base branch, keys left behind first:
 * "+1,000 keys left behind against main". Decreases are good news and stay in the table.
 */
function increaseTexts(report: Report): string[] {
  const cmp = report.baseline?.comparison
  if (!cmp?.baseline) return []
  const suffix = BASE_SUFFIX(report)
  const out: string[] = []
  for (const name of INCREASE_RANK) {
    const f = cmp.figures.find((x) => x.figure === name)
    if (!f || !f.changed || f.change === null || f.change <= 0) continue
    const pct = f.percent === null ? '' : ` (+${Math.abs(f.percent) < 10 ? f.percent.toFixed(1) : Math.round(f.percent)}%)`
    if (name === 'leaked-keys') out.push(`+${plural(f.change, 'key')} left behind${suffix}`)
    else if (name === 'used-after') out.push(`used after the step +${formatBytes(f.change)}${pct}${suffix}`)
    else out.push(`peak +${formatBytes(f.change)}${pct}${suffix}`)
  }
  return out
}

/**
 * "the command failed (exit 1)" when the `run` command did not succeed; null in attach mode and
 * when it exited 0. Not a memory finding, so the verdict stays what the memory checks say.
 */
export function commandFailure(report: Report): string | null {
  const c = report.command
  if (!c) return null
  if (c.exitCode === 0 && c.signal === null) return null
  return c.signal ? `the command failed (killed by ${c.signal}, exit ${exitCodeOf(c)})` : `the command failed (exit ${exitCodeOf(c)})`
}

function limitOf(report: Report, check: CheckName, fmt: (limit: number) => string): string | null {
  const c = report.checks.find((x) => x.check === check)
  if (!c || c.limit === null || statusOf(c) === 'reported') return null
  return fmt(c.limit)
}

function statusOfRow(checks: CheckView[], ...names: CheckName[]): CheckStatus | null {
  return worst(checks.filter((c) => names.includes(c.check)).map((c) => c.status))
}

/** The before / after / change / peak / limit / status rows. */
function figureRows(report: Report, checks: CheckView[]): FigureRow[] {
  const b = report.before
  const a = report.after
  type Kind = 'bytes' | 'count' | 'ratio'
  const fmtOf = (kind: Kind): ((n: number) => string) => (kind === 'bytes' ? formatBytes : kind === 'ratio' ? (n: number) => n.toFixed(2) : count)
  const side = (n: number | null | undefined, snap: Snapshot | null, kind: Kind): Cell => (snap === null ? ABSENT : n === null || n === undefined ? null : fmtOf(kind)(n))
  const change = (x: number | null | undefined, y: number | null | undefined, kind: Kind): string => {
    if (typeof x !== 'number' || typeof y !== 'number') return ''
    if (kind === 'bytes') return formatBytesDelta(y - x)
    if (kind === 'ratio') return `${y - x >= 0 ? '+' : ''}${(y - x).toFixed(2)}`
    return signed(y - x)
  }
  const row = (label: string, x: number | null | undefined, y: number | null | undefined, kind: Kind, extra: Partial<FigureRow> = {}): FigureRow => ({
    label,
    before: side(x, b, kind),
    after: side(y, a, kind),
    change: change(x, y, kind),
    peak: '',
    limits: [],
    status: null,
    ...extra
  })
  // Counters that a restart resets: the change is the judged figure (growth, restart included), not after minus before.
  const counterChange = (n: number | null): Partial<FigureRow> => (n === null ? {} : { change: signed(n) })
  const maxmemory = report.after?.memory.maxmemory
  const percent = (l: number): string => (maxmemory ? `${Math.round((l / maxmemory) * 100)}%` : '?')
  const peakWord = report.before === null ? 'used' : 'peak'
  return [
    row('Used memory', b?.memory.usedMemory, a?.memory.usedMemory, 'bytes', {
      peak: report.peak?.bytes == null ? '' : formatBytes(report.peak.bytes),
      limits: [
        limitOf(report, 'used-memory', (l) => `${report.before === null ? 'now' : 'after'} ≤ ${formatBytes(l)}`),
        limitOf(report, 'peak-memory', (l) => `${peakWord} ≤ ${formatBytes(l)}`),
        limitOf(report, 'memory-percent', (l) => `${peakWord} ≤ ${formatBytes(l)} (${percent(l)} of maxmemory)`)
      ].filter((x): x is string => x !== null),
      status: statusOfRow(checks, 'used-memory', 'peak-memory', 'memory-percent')
    }),
    row('RSS (process memory)', b?.memory.usedMemoryRss, a?.memory.usedMemoryRss, 'bytes'),
    row('Lifetime peak (used_memory_peak)', b?.memory.usedMemoryPeak, a?.memory.usedMemoryPeak, 'bytes'),
    row('Allocator fragmentation (allocator_frag_ratio)', b?.memory.allocatorFragRatio, a?.memory.allocatorFragRatio, 'ratio', {
      limits: [limitOf(report, 'fragmentation', (l) => `≤ ${l}`)].filter((x): x is string => x !== null),
      status: statusOfRow(checks, 'fragmentation')
    }),
    row('Keys (all DBs)', totalKeys(b), totalKeys(a), 'count', {
      limits: [limitOf(report, 'leaked-keys', (l) => `≤ ${count(l)} left behind`)].filter((x): x is string => x !== null),
      status: statusOfRow(checks, 'leaked-keys', 'wrong-db')
    }),
    row('Evicted keys', b?.evictedKeys, a?.evictedKeys, 'count', {
      ...counterChange(report.evictedKeys),
      limits: [limitOf(report, 'evictions', count)].filter((x): x is string => x !== null),
      status: statusOfRow(checks, 'evictions')
    }),
    row('OOM errors', oomCount(b), oomCount(a), 'count', {
      ...counterChange(report.oomErrors),
      limits: [limitOf(report, 'oom', count)].filter((x): x is string => x !== null),
      status: statusOfRow(checks, 'oom')
    }),
    clientsRow(report, row)
  ]
}

/**
 * The suite's connections: the guard's own (named in CLIENT LIST) are left out, and the label says
 * how many there were, so "2 → 4" is never the guard's sampler and key scan.
 */
function clientsRow(report: Report, row: (label: string, x: number | null | undefined, y: number | null | undefined, kind: 'count') => FigureRow): FigureRow {
  const b = suiteClients(report.before)
  const a = suiteClients(report.after)
  const guard = [b && report.before ? b.guard : undefined, a && report.after ? a.guard : undefined]
  if (guard.every((g) => g === null || g === undefined)) {
    // No listing: INFO's figure, the guard's own included. Said when CLIENT LIST failed; a report
    // of an earlier version (no listing kept) shows the row as it always did.
    const failed = [report.before, report.after].some((x) => x?.clients?.unavailable !== undefined)
    return row(failed ? "Connected clients (the guard's own included: CLIENT LIST not read)" : 'Connected clients', report.before?.connectedClients, report.after?.connectedClients, 'count')
  }
  const said = report.before ? `${guard[0] ?? '?'} before, ${guard[1] ?? '?'} after` : `${guard[1] ?? '?'}`
  return row(`Connected clients (the guard's own ${said} left out)`, b?.suite, a?.suite, 'count')
}

/** Lines under a breach that connect it to its likely cause, following the checks people run by hand. */
function causeHints(report: Report, c: CheckView): Hint[] {
  const hints: Hint[] = []
  const text = (t: string): void => void hints.push({ kind: 'text', text: t })
  const a = report.after
  const step = report.before !== null
  const leaked = report.leakedKeys ?? 0
  const memoryCheck = ['oom', 'used-memory', 'peak-memory', 'memory-percent', 'evictions'].includes(c.check)
  if (memoryCheck && a) {
    const m = a.memory
    if (c.check === 'oom' || c.check === 'evictions' || c.check === 'memory-percent') {
      const mm = m.maxmemory ? `${formatBytes(m.maxmemory)} maxmemory` : 'no maxmemory'
      if (report.peak?.bytes != null) {
        text(`${step ? "The step's peak was" : 'used_memory is'} ${formatBytes(report.peak.bytes)} of ${mm} (policy ${m.maxmemoryPolicy ?? 'unknown'}).`)
      }
    }
    if (m.usedMemory !== null && m.usedMemoryDataset !== null && m.usedMemoryOverhead !== null) {
      text(
        `${step ? 'After the step' : 'Now'} ${formatBytes(m.usedMemory)} is used: ${formatBytes(m.usedMemoryDataset)} data, ${formatBytes(m.usedMemoryOverhead)} Redis's own overhead (buffers, dictionaries).`
      )
    }
    if (leaked > 0) {
      const where = Object.entries(report.leakedKeysByDb)
        .map(([db, n]) => `DB ${db}: ${count(n)}`)
        .join(', ')
      text(`${plural(leaked, 'key')} were left behind (${where}): keys that earlier tests did not delete are the usual cause.`)
    }
  }
  if (c.check === 'oom') {
    const refused = (commandDeltas(report.before, report.after) ?? [])
      .filter((d) => (d.rejectedCalls ?? 0) > 0)
      .map((d) => ({ command: d.command, count: d.rejectedCalls ?? 0 }))
      .sort((x, y) => y.count - x.count || compareNames(x.command, y.command))
    if (refused.length > 0) hints.push({ kind: 'refused', commands: refused })
  }
  return hints
}

/** Said where every reader sees it: a restart during the step explains odd figures and keeps earlier errors counted. */
function restartLine(report: Report): string | null {
  const r = report.restart
  if (!r) return null
  const what = r.restarted ? 'Redis restarted during the step' : "Redis's counters were reset during the step (CONFIG RESETSTAT or a restart)"
  const started = report.sampling?.startedAt
  const when = r.at.length > 0 && started ? ` (first seen ${formatDuration(Math.max(0, Date.parse(r.at[0]) - Date.parse(started)))} into the step${r.at.length > 1 ? `, ${r.at.length} times in all` : ''})` : ''
  const carried = [
    r.carried.oomErrors > 0 ? plural(r.carried.oomErrors, 'OOM error') : '',
    r.carried.rejectedCalls > 0 ? plural(r.carried.rejectedCalls, 'rejected call') : '',
    r.carried.evictedKeys > 0 ? `${plural(r.carried.evictedKeys, 'key')} evicted` : ''
  ].filter(Boolean)
  const kept = carried.length > 0 ? `: the ${carried.join(', ')} seen before it still count.` : ': counters are counted from the restart; the samples saw nothing to carry over.'
  return `${what}${when}${kept}`
}

/** The judged peak and the figures it was chosen from. */
function peakRows(report: Report): PeakRow[] {
  const p = report.peak
  if (!p || p.bytes === null) return []
  // The judge names the winner (peak.source); each source is a candidate at most once.
  if (p.candidates) return p.candidates.map((c) => ({ ...c, judged: c.source === p.source }))
  // Schema 1 kept only the winner, and its "sampled" could be a snapshot: the first rebuilt figure with its bytes won.
  let judged = false
  return legacyCandidates(report).map((c) => {
    const isJudged = !judged && c.bytes === p.bytes
    if (isJudged) judged = true
    return { ...c, judged: isJudged }
  })
}

/** Schema 1 kept only the winner, and its "sampled" could be a snapshot: rebuild the figures it compared. */
function legacyCandidates(report: Report): PeakCandidate[] {
  const out: PeakCandidate[] = []
  const sampled = report.sampling?.summary.peak
  if (sampled) out.push({ source: 'sampled', bytes: sampled.bytes, at: sampled.at })
  if (report.peak?.source === 'info-peak' && report.peak.bytes !== null) out.push({ source: 'info-peak', bytes: report.peak.bytes })
  if (report.after?.memory.usedMemory != null) out.push({ source: 'after', bytes: report.after.memory.usedMemory, at: report.after.takenAt })
  if (report.before?.memory.usedMemory != null) out.push({ source: 'before', bytes: report.before.memory.usedMemory, at: report.before.takenAt })
  const order: PeakSource[] = ['sampled', 'info-peak', 'after', 'before']
  return out.sort((x, y) => y.bytes - x.bytes || order.indexOf(x.source) - order.indexOf(y.source))
}

function oomMessagesOf(report: Report): { text: string; count: number | null }[] {
  const c = report.command
  if (!c) return []
  if (c.oomMessages) return [...c.oomMessages].sort((a, b) => b.count - a.count)
  return distinctOomMessages(c.oomQuotes).map((m) => ({ text: m.text, count: null }))
}

function samplingFacts(report: Report): string[] {
  const sampling = report.sampling
  if (!sampling) return []
  const s = sampling.summary
  const when = (at: string): string => `${formatDuration(Math.max(0, Date.parse(at) - Date.parse(sampling.startedAt)))} into the step`
  const facts: string[] = []
  if (s.firstOomAt) facts.push(`Redis first refused a command with OOM ${when(s.firstOomAt)}.`)
  if (s.firstEvictionAt) facts.push(`Redis first evicted keys ${when(s.firstEvictionAt)}.`)
  for (const g of s.gaps) {
    const end = g.to ? `until ${when(g.to)}` : 'until sampling stopped'
    const why = g.error ? `: ${g.error.length > 200 ? `${g.error.slice(0, 199)}…` : g.error}` : ''
    facts.push(`Redis did not answer from ${when(g.from)} ${end} (${g.samples} sample${g.samples === 1 ? '' : 's'}${why}).`)
  }
  return facts
}

function samplingLine(report: Report): string | null {
  const s = report.sampling
  if (!s) return null
  const n = s.summary.count
  const gaps = s.summary.gaps.length
  return (
    `Sampled ${n === 1 ? 'once' : `${count(n)} times`}, every ${formatDuration(s.intervalMs)}` +
    (gaps > 0 ? `; Redis did not answer in ${gaps === 1 ? 'one stretch' : `${gaps} stretches`}` : '') +
    '.'
  )
}

/** One workflow annotation (error or warning) the action writes for the report. */
export interface Annotation {
  level: 'error' | 'warning'
  title: string
  message: string
}

/**
 * The annotations for a report: its errors, each breach, and, when the verdict is not a pass,
 * each check that could not be made (so a warning verdict always has a visible cause) and a
 * restart. A clean run has none.
 */
export function annotations(report: Report): Annotation[] {
  const model = reportModel(report)
  const out: Annotation[] = [...model.errors, ...model.warnings].map((e) => ({ level: 'warning' as const, title: 'Redis Memory Guard', message: e }))
  for (const c of model.checks) {
    if (c.status === 'fail') out.push({ level: 'error', title: `${model.headline.engine} memory: ${c.check}`, message: c.message })
    else if (c.status === 'warn') out.push({ level: 'warning', title: `${model.headline.engine} memory: ${c.check}`, message: c.message })
    else if (c.status === 'unknown' && report.verdict !== 'pass') {
      out.push({ level: 'warning', title: `${model.headline.engine} memory: ${c.check} could not be checked`, message: c.reason ?? c.message })
    }
  }
  if (model.restart) out.push({ level: 'warning', title: `${model.headline.engine} memory: ${model.headline.engine} restarted`, message: model.restart })
  return out
}
