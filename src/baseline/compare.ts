/**
 * This run against its baseline: which entry is the baseline, base → this run → change for each
 * figure, whether the change is within the usual range, which prefixes moved most, and the increase
 * checks. Pure: entries in, data out; the renderers turn it into words and tables.
 */
import { plural } from '../judge/checks.js'
import { formatBytes, formatBytesDelta, formatCount } from '../core/size.js'
import { engineLabel, type HistorySeries } from './history.js'
import type { ByteIncreaseLimit, IncreaseLimits } from './settings.js'
import type { BaselineComparison, BaselinePick, FigureChange, FigureName, HistoryEntry, IncreaseCheck, IncreaseCheckName, Mismatch, PrefixChange, PrefixEntry, TrendPoint } from './schema.js'

export type { BaselineComparison, BaselinePick, BaselineSource, FigureChange, FigureName, IncreaseCheck, IncreaseCheckName, IncreaseStatus, Mismatch, PrefixChange, TrendPoint } from './schema.js'

/** Changes below this many bytes are allocator and bookkeeping noise, however steady the history. */
export const NOISE_FLOOR_BYTES = 64 * 1024
/** How many base-branch entries the usual range is taken from. */
export const NOISE_RUNS = 10
/**
 * Under this many base runs the spread says little about the noise (one run has none): a real
 * suite moved its peak by +1.9% and +3.3% between identical runs. The band is then at least
 * SHORT_HISTORY_PERCENT of the base figure, and the comparison says the history is short.
 */
export const MIN_NOISE_RUNS = 5
export const SHORT_HISTORY_PERCENT = 5
/** A prefix change below both this share of used memory and NOISE_FLOOR_BYTES is not listed. */
export const PREFIX_CHANGE_PERCENT = 1
/** How many prefix changes are shown. */
export const TOP_PREFIX_CHANGES = 3
/** Points in the trend; fewer than MIN_TREND_POINTS are not drawn as a line. */
export const TREND_POINTS = 30
export const MIN_TREND_POINTS = 5


export interface CompareInput {
  current: HistoryEntry
  series: HistorySeries | null
  /** The PR's merge base commit, when known. */
  mergeBase: string | null
  /** The PR's base branch; null for a file baseline without branches (newest entry wins). */
  baseBranch: string | null
  limits: IncreaseLimits
  strict: boolean
  /** Checks whose breach fails the job (`fail-on`). */
  failOn: ReadonlySet<string>
}

const shortSha = (sha: string | null): string => (sha ? sha.slice(0, 7) : 'unknown commit')
const day = (iso: string): string => iso.slice(0, 10)

/** The entry's command failed (its exit code), or null. Entries of earlier versions carry no mark. */
const failedWith = (e: HistoryEntry): number | null => e.commandFailed ?? null

/**
 * The entry to compare with: the merge base's, else the newest of the base branch (or of the file).
 * Runs whose command failed stopped somewhere in the suite, so their figures are not the base's: they
 * are skipped while another entry exists, and a comparison with one says so.
 */
export function pickBaseline(series: HistorySeries | null, mergeBase: string | null, baseBranch: string | null): { pick: BaselinePick | null; reason: string } {
  const all = series?.entries ?? []
  const onBranch = baseBranch === null ? all : all.filter((e) => e.branch === baseBranch)
  const healthy = all.filter((e) => failedWith(e) === null)
  // Only failed runs to choose from (of the merge base and the branch): take them, and say so.
  const anyFailed = healthy.length < all.length
  const usable = anyFailed && healthy.some((e) => baseBranch === null || e.branch === baseBranch || (mergeBase !== null && e.commit === mergeBase)) ? healthy : all
  const failedNote = (e: HistoryEntry): string => {
    const code = failedWith(e)
    return code === null ? '' : `; its command failed (exit ${code}) and no run of ${baseBranch ?? 'the file'} without a failed command is recorded, so the figures may stop where the suite did`
  }
  if (mergeBase) {
    const found = [...usable].reverse().find((e) => e.commit !== null && e.commit === mergeBase)
    if (found) {
      return {
        pick: { entry: found, source: 'merge-base', description: `the merge base ${shortSha(found.commit)} (${found.branch ?? 'unknown branch'}, ${day(found.date)})${failedNote(found)}` },
        reason: ''
      }
    }
  }
  const onBase = baseBranch === null ? usable : usable.filter((e) => e.branch === baseBranch)
  const newest = onBase[onBase.length - 1]
  if (!newest) {
    const where = baseBranch ? `of ${baseBranch}` : 'in the file'
    return { pick: null, reason: `No baseline yet: there is no recorded run ${where} for this job.` }
  }
  const skipped = onBranch.filter((e) => failedWith(e) !== null && Date.parse(e.date) > Date.parse(newest.date)).length
  const mergeBaseFailed = mergeBase !== null && usable !== all && all.some((e) => e.commit === mergeBase && failedWith(e) !== null)
  const missing = mergeBaseFailed
    ? `; the merge base ${shortSha(mergeBase)} was skipped: its command failed`
    : mergeBase
      ? `; the merge base ${shortSha(mergeBase)} has no recorded run`
      : ''
  const skippedNote = skipped > 0 && !mergeBaseFailed ? `; ${skipped === 1 ? 'a newer run was' : `${skipped} newer runs were`} skipped: the command failed` : ''
  return {
    pick: {
      entry: newest,
      source: baseBranch === null ? 'file' : 'base-branch',
      description: `the newest run ${baseBranch ? `of ${baseBranch}` : 'in the file'}, ${shortSha(newest.commit)} (${day(newest.date)})${missing}${skippedNote}${failedNote(newest)}`
    },
    reason: ''
  }
}

/** The spread (max − min) of a figure over the last NOISE_RUNS base-branch entries. */
export function usualSpread(entries: readonly HistoryEntry[], read: (e: HistoryEntry) => number | null): { spread: number; runs: number } {
  const values = entries
    .map(read)
    .filter((v): v is number => v !== null)
    .slice(-NOISE_RUNS)
  if (values.length === 0) return { spread: 0, runs: 0 }
  return { spread: Math.max(...values) - Math.min(...values), runs: values.length }
}

interface FigureSpec {
  figure: FigureName
  label: string
  unit: 'bytes' | 'count'
  read: (e: HistoryEntry) => number | null
}

const FIGURES: FigureSpec[] = [
  { figure: 'peak', label: 'Peak', unit: 'bytes', read: (e) => e.peak?.bytes ?? null },
  { figure: 'used-after', label: 'Used after', unit: 'bytes', read: (e) => e.usedAfter },
  { figure: 'leaked-keys', label: 'Keys left behind', unit: 'count', read: (e) => e.leakedKeys },
  { figure: 'oom-errors', label: 'OOM errors', unit: 'count', read: (e) => e.oomErrors },
  { figure: 'evictions', label: 'Evictions', unit: 'count', read: (e) => e.evictedKeys }
]

function figureChange(spec: FigureSpec, base: HistoryEntry, current: HistoryEntry, history: readonly HistoryEntry[]): FigureChange {
  const b = spec.read(base)
  const c = spec.read(current)
  const change = b !== null && c !== null ? c - b : null
  const { spread, runs } = usualSpread(history, spec.read)
  const shortHistory = runs < MIN_NOISE_RUNS
  // Counts (keys, OOM errors) are exact: only bytes move between identical runs.
  const guess = spec.unit === 'bytes' && shortHistory && b !== null ? Math.ceil((Math.abs(b) * SHORT_HISTORY_PERCENT) / 100) : 0
  const band = spec.unit === 'bytes' ? Math.max(spread, NOISE_FLOOR_BYTES, guess) : spread
  const within = change !== null && change !== 0 && Math.abs(change) <= band
  return {
    figure: spec.figure,
    label: spec.label,
    unit: spec.unit,
    base: b,
    current: c,
    change,
    percent: change !== null && b !== null && b !== 0 ? (change / b) * 100 : null,
    usual: { spread, runs, band, shortHistory },
    withinUsualRange: within,
    changed: change !== null && change !== 0 && !within
  }
}

/** Differences that make the figures not like for like. */
export function mismatches(base: HistoryEntry, current: HistoryEntry): Mismatch[] {
  const out: Mismatch[] = []
  const be = engineLabel(base.engine)
  const ce = engineLabel(current.engine)
  if (be !== null && ce !== null && be !== ce) out.push({ what: 'engine', base: be, current: ce })
  if (base.maxmemory !== null && current.maxmemory !== null && base.maxmemory !== current.maxmemory) {
    const mm = (n: number): string => (n === 0 ? 'none' : formatBytes(n))
    out.push({ what: 'maxmemory', base: mm(base.maxmemory), current: mm(current.maxmemory) })
  }
  if (base.maxmemoryPolicy !== null && current.maxmemoryPolicy !== null && base.maxmemoryPolicy !== current.maxmemoryPolicy) {
    out.push({ what: 'maxmemory-policy', base: base.maxmemoryPolicy, current: current.maxmemoryPolicy })
  }
  return out
}

/** Engine, version or maxmemory differ: the increase checks do not fail on such a comparison unless strict. */
const suspends = (m: Mismatch): boolean => m.what === 'engine' || m.what === 'maxmemory'

const identity = (p: PrefixEntry): string => `${p.db}\u0000${p.prefixBase64 ?? p.prefix}`

/** The prefixes whose bytes (or, without MEMORY USAGE, key counts) changed most. */
export function prefixChanges(base: HistoryEntry['prefixes'], current: HistoryEntry['prefixes'], top = TOP_PREFIX_CHANGES): PrefixChange[] {
  if (!base || !current) return []
  const byBytes = base.memoryUsage && current.memoryUsage
  // The figure prefixes are ranked and compared by: bytes, or key counts on servers without MEMORY USAGE.
  const size = (p: PrefixEntry): number => (byBytes ? (p.bytes ?? 0) : p.keys)
  const smallest = (list: PrefixEntry[]): number => (list.length ? Math.min(...list.map(size)) : 0)
  const baseFloor = smallest(base.list)
  const currentFloor = smallest(current.list)
  const baseMap = new Map(base.list.map((p) => [identity(p), p]))
  const curMap = new Map(current.list.map((p) => [identity(p), p]))
  const out: PrefixChange[] = []
  for (const id of new Set([...baseMap.keys(), ...curMap.keys()])) {
    const b = baseMap.get(id)
    const c = curMap.get(id)
    const ref = (c ?? b) as PrefixEntry
    // Missing from a list that was cut off: the prefix may only have ranked lower there.
    const outsideBase = !b && !base.complete
    const outsideCurrent = !c && !current.complete
    let change: number
    if (outsideBase) change = size(c as PrefixEntry) - baseFloor
    else if (outsideCurrent) change = currentFloor - size(b as PrefixEntry)
    else change = (c ? size(c) : 0) - (b ? size(b) : 0)
    // A bound that does not even tell the direction says nothing.
    if ((outsideBase && change <= 0) || (outsideCurrent && change >= 0) || change === 0) continue
    const bytes = (p: PrefixEntry | undefined, outside: boolean): number | null => (!byBytes || outside ? null : (p?.bytes ?? 0))
    const keys = (p: PrefixEntry | undefined, outside: boolean): number | null => (outside ? null : (p?.keys ?? 0))
    const baseKeys = keys(b, outsideBase)
    const currentKeys = keys(c, outsideCurrent)
    out.push({
      db: ref.db,
      prefix: ref.prefix,
      ...(ref.prefixBase64 ? { prefixBase64: ref.prefixBase64 } : {}),
      baseBytes: bytes(b, outsideBase),
      currentBytes: bytes(c, outsideCurrent),
      bytesChange: byBytes ? change : null,
      baseKeys,
      currentKeys,
      keysChange: byBytes ? (baseKeys !== null && currentKeys !== null ? currentKeys - baseKeys : null) : change,
      isNew: !b && base.complete,
      isGone: !c && current.complete,
      changeIsBound: outsideBase || outsideCurrent
    })
  }
  const weight = (p: PrefixChange): number => Math.abs(p.bytesChange ?? p.keysChange ?? 0)
  return out
    .sort((x, y) => weight(y) - weight(x) || Math.abs(y.keysChange ?? 0) - Math.abs(x.keysChange ?? 0) || x.prefix.localeCompare(y.prefix))
    .slice(0, top)
}

/**
 * The smallest prefix change worth listing: below both PREFIX_CHANGE_PERCENT of used memory and
 * NOISE_FLOOR_BYTES it is hidden (±400 B between identical runs is allocator rounding, not the PR's
 * doing); a change that is large against either is listed.
 */
export function prefixChangeFloor(usedMemory: number | null): number {
  return usedMemory === null ? NOISE_FLOOR_BYTES : Math.min(NOISE_FLOOR_BYTES, Math.ceil((usedMemory * PREFIX_CHANGE_PERCENT) / 100))
}

/**
 * Listed when its bytes moved at least `minBytes`. Key counts are exact, but on servers without
 * MEMORY USAGE (counts only) they are all there is, so any change in keys is listed there.
 */
function prefixChangeMatters(p: PrefixChange, minBytes: number): boolean {
  if (p.bytesChange === null) return (p.keysChange ?? 0) !== 0
  return Math.abs(p.bytesChange) >= minBytes
}

/** The effective byte limit of `10%`, `5mb` or `10%,2mb` (both: the larger, since both must be exceeded). */
export function byteLimit(limit: ByteIncreaseLimit, base: number): number {
  const fromPercent = limit.percent !== undefined ? Math.floor((base * limit.percent) / 100) : undefined
  if (fromPercent !== undefined && limit.bytes !== undefined) return Math.max(fromPercent, limit.bytes)
  return (fromPercent ?? limit.bytes) as number
}

function describeLimit(limit: ByteIncreaseLimit, base: number): string {
  const eff = formatBytes(byteLimit(limit, base))
  if (limit.percent !== undefined && limit.bytes !== undefined) return `${limit.text} (both must be exceeded: ${eff} here)`
  if (limit.percent !== undefined) return `${limit.text} (${eff} here)`
  return eff
}

interface CheckSpec {
  check: IncreaseCheckName
  figure: FigureName
  /** How a sentence about the figure starts. */
  title: string
  what: string
  setting: string
  advice: string
}

const CHECKS: CheckSpec[] = [
  {
    check: 'peak-increase',
    figure: 'peak',
    title: "The step's peak",
    what: "the step's peak",
    setting: 'max-peak-increase',
    advice: 'Compare the prefixes that grew with the base branch; find what the change loads at once, or raise max-peak-increase.'
  },
  {
    check: 'used-increase',
    figure: 'used-after',
    title: 'used_memory after the step',
    what: 'used_memory after the step',
    setting: 'max-used-increase',
    advice: 'The change leaves more data in Redis than the base branch does: look at the prefixes that grew and at keys left behind.'
  },
  {
    check: 'leaked-keys-increase',
    figure: 'leaked-keys',
    title: 'Keys left behind',
    what: 'keys left behind',
    setting: 'max-leaked-keys-increase',
    advice: 'The change leaves more keys behind than the base branch: delete what the new tests write, or give the keys a TTL.'
  }
]

function limitFor(spec: CheckSpec, limits: IncreaseLimits): ByteIncreaseLimit | number | undefined {
  return spec.check === 'peak-increase' ? limits.peak : spec.check === 'used-increase' ? limits.used : limits.leakedKeys
}

const fmt = (unit: 'bytes' | 'count', n: number): string => (unit === 'bytes' ? formatBytes(n) : formatCount(n))
const fmtDelta = (unit: 'bytes' | 'count', n: number): string => (unit === 'bytes' ? formatBytesDelta(n) : n === 0 ? '±0' : `${n > 0 ? '+' : ''}${formatCount(n)}`)

function increaseCheck(spec: CheckSpec, fig: FigureChange, input: CompareInput, suspendedBy: Mismatch[], baseName: string): IncreaseCheck {
  const limit = limitFor(spec, input.limits)
  const unit = fig.unit
  const base = { check: spec.check, unit, measured: fig.change }
  if (fig.change === null || fig.base === null || fig.current === null) {
    const side = fig.base === null ? baseName : 'this run'
    return { ...base, status: 'unknown', limit: null, message: `Could not compare ${spec.what}: not known for ${side}.` }
  }
  const move = `${spec.title}: ${fmt(unit, fig.base)} on ${baseName} → ${fmt(unit, fig.current)} here (${fmtDelta(unit, fig.change)})`
  const limitBytes = limit === undefined ? null : typeof limit === 'number' ? limit : byteLimit(limit, fig.base)
  if (fig.withinUsualRange) {
    const range = `within the usual range (${fmt(unit, fig.usual?.band ?? 0)}, ${bandWords(fig)})`
    return { ...base, status: limit === undefined ? 'reported' : 'pass', limit: limitBytes, message: `${move}, ${range}.` }
  }
  if (limit === undefined) {
    return { ...base, status: 'reported', limit: null, message: `${move}. Reported only: set ${spec.setting} to check it.` }
  }
  const limitText = typeof limit === 'number' ? plural(limit, 'key') : describeLimit(limit, fig.base)
  if (fig.change <= (limitBytes as number)) {
    return { ...base, status: 'pass', limit: limitBytes, message: `${move}, within the allowed increase of ${limitText}.` }
  }
  if (suspendedBy.length > 0 && !input.strict) {
    const what = suspendedBy.map((m) => m.what).join(' and ')
    return {
      ...base,
      status: 'warn',
      limit: limitBytes,
      message: `${move}, over the allowed increase of ${limitText}, but the ${what} differ${suspendedBy.length === 1 ? 's' : ''} from the baseline, so the figures are not like for like and the check does not fail (baseline-strict: true fails it anyway).`,
      advice: spec.advice
    }
  }
  return {
    ...base,
    status: input.failOn.has(spec.check) ? 'fail' : 'warn',
    limit: limitBytes,
    message: `${move}, over the allowed increase of ${limitText}.`,
    advice: spec.advice
  }
}

/** Compares this run with its baseline. Never throws: no baseline is a plain sentence, not an error. */
export function compareWithBaseline(input: CompareInput): BaselineComparison {
  const { pick, reason } = pickBaseline(input.series, input.mergeBase, input.baseBranch)
  if (!pick) {
    const checks: IncreaseCheck[] = CHECKS.filter((spec) => limitFor(spec, input.limits) !== undefined).map((spec) => ({
      check: spec.check,
      status: 'unknown',
      measured: null,
      limit: null,
      unit: spec.check === 'leaked-keys-increase' ? 'count' : 'bytes',
      message: `Could not compare ${spec.what}: ${lowerFirst(reason)}`
    }))
    return { baseline: null, summary: reason, figures: [], prefixes: [], prefixNote: null, mismatches: [], mismatchNote: null, notes: [], shortHistory: false, historyNote: null, checks, changed: false }
  }
  const base = pick.entry
  const cur = input.current
  const baseName = input.baseBranch ?? base.branch ?? 'the baseline'
  const branchRuns = (input.series?.entries ?? []).filter((e) => (input.baseBranch === null ? true : e.branch === input.baseBranch))
  // A run whose command failed says nothing of the usual noise, unless it is all there is.
  const finished = branchRuns.filter((e) => failedWith(e) === null)
  const history = finished.length > 0 ? finished : branchRuns
  const figures = FIGURES.map((spec) => figureChange(spec, base, cur, history))
  const found = mismatches(base, cur)
  const suspendedBy = found.filter(suspends)
  const checks = CHECKS.map((spec) => increaseCheck(spec, figures.find((f) => f.figure === spec.figure) as FigureChange, input, suspendedBy, baseName))

  const notes: string[] = []
  if (base.peak && cur.peak && base.peak.source !== cur.peak.source) {
    notes.push(`The peaks come from different figures (${peakSourceWords(base.peak.source)} on ${baseName}, ${peakSourceWords(cur.peak.source)} here), so they are not exactly like for like.`)
  }
  const shortHistory = figures.some((f) => f.usual?.shortHistory === true)
  const runs = Math.max(0, ...figures.map((f) => f.usual?.runs ?? 0))
  const historyNote = shortHistory
    ? `The history is short (${runs} recorded run${runs === 1 ? '' : 's'} of ${baseName}, fewer than ${MIN_NOISE_RUNS}): changes in bytes within ${SHORT_HISTORY_PERCENT}% of the base figure count as usual until it is longer.`
    : null
  const minPrefixBytes = prefixChangeFloor(cur.usedAfter ?? base.usedAfter)
  const allPrefixes = prefixChanges(base.prefixes, cur.prefixes, Number.POSITIVE_INFINITY)
  const prefixes = allPrefixes.filter((p) => prefixChangeMatters(p, minPrefixBytes)).slice(0, TOP_PREFIX_CHANGES)
  let prefixNote: string | null = null
  if (!base.prefixes || !cur.prefixes) prefixNote = `No prefix comparison: ${!base.prefixes ? baseName : 'this run'} has no key analysis.`
  else if (allPrefixes.length === 0) prefixNote = 'No prefix changed in keys or bytes.'
  else if (prefixes.length === 0) prefixNote = `No prefix changed by more than ${formatBytes(minPrefixBytes)} (below both ${PREFIX_CHANGE_PERCENT}% of used memory and ${formatBytes(NOISE_FLOOR_BYTES)}, a change is noise).`

  let mismatchNote: string | null = null
  if (found.length > 0) {
    const list = found.map((m) => `${m.what} ${m.base} on ${baseName}, ${m.current} here`).join('; ')
    mismatchNote =
      suspendedBy.length === 0
        ? `Not like for like: ${list}.`
        : input.strict
          ? `Not like for like: ${list}. baseline-strict is on, so the increase checks are judged anyway.`
          : `Not like for like: ${list}. The increase checks do not fail on this comparison (set baseline-strict: true to fail them anyway).`
  }
  const summary = `Compared with ${pick.description}.`
  return { baseline: pick, summary, figures, prefixes, prefixNote, mismatches: found, mismatchNote, notes, shortHistory, historyNote, checks, changed: figures.some((f) => f.changed) }
}

/** Which part set the band, in words. */
export function bandWords(fig: FigureChange): string {
  const u = fig.usual
  if (!u) return 'the floor for noise'
  const runs = `${u.runs} run${u.runs === 1 ? '' : 's'} of the base branch`
  if (u.band > u.spread && u.band > NOISE_FLOOR_BYTES && u.shortHistory) return `${SHORT_HISTORY_PERCENT}% of the base figure while the history is short: ${runs}`
  if (fig.unit === 'bytes' && u.band <= NOISE_FLOOR_BYTES && u.spread < NOISE_FLOOR_BYTES) return 'the floor for noise'
  return `the spread of the last ${runs}`
}

function peakSourceWords(source: string): string {
  if (source === 'before' || source === 'after') return `used_memory ${source} the step`
  return source === 'sampled' ? 'sampled' : source === 'info-peak' ? "INFO's used_memory_peak" : 'the larger of before and after'
}

/** The verdict once the increase checks are added: the worst of the report's verdict and theirs. */
export function verdictWithIncreases(verdict: 'pass' | 'warn' | 'fail', checks: readonly IncreaseCheck[]): 'pass' | 'warn' | 'fail' {
  if (verdict === 'fail' || checks.some((c) => c.status === 'fail')) return 'fail'
  if (verdict === 'warn' || checks.some((c) => c.status === 'warn')) return 'warn'
  return 'pass'
}


/**
 * The last TREND_POINTS base-branch entries plus this run, for the summary's chart. `drawable` is
 * false with fewer than MIN_TREND_POINTS points: a line through 2 points suggests a climb nobody observed.
 */
export function trendPoints(series: HistorySeries | null, baseBranch: string | null, current: HistoryEntry | null): { points: TrendPoint[]; drawable: boolean } {
  const entries = (series?.entries ?? []).filter((e) => baseBranch === null || e.branch === baseBranch)
  const take = current ? TREND_POINTS - 1 : TREND_POINTS
  const point = (e: HistoryEntry, isCurrent: boolean): TrendPoint => ({
    label: isCurrent ? 'this run' : e.commit ? e.commit.slice(0, 7) : day(e.date),
    peak: e.peak?.bytes ?? null,
    usedAfter: e.usedAfter,
    current: isCurrent
  })
  // On a push the current run is already the newest entry of its series: not twice.
  const past = entries.filter((e) => !current || !(e.runId !== null && e.runId === current.runId && e.commit === current.commit))
  const points = [...past.slice(-take).map((e) => point(e, false)), ...(current ? [point(current, true)] : [])]
  return { points, drawable: points.filter((p) => p.peak !== null).length >= MIN_TREND_POINTS }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1)
}
