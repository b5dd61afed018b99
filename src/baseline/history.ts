/**
 * The history of one series (workflow + job + matrix leg, or comment-key): one entry per recorded
 * run of a baseline branch, newest last. Pure: a report in, an entry out; a file's text in, a
 * checked series out. The store (store.ts) keeps it on the data branch; compare.ts reads it.
 */
import type { PeakSource, Verdict } from '../judge/checks.js'
import { UserError } from '../core/errors.js'
import type { PrefixFigure } from '../keys/report.js'
import { defaultCommentKey, matrixValues, parseMatrix } from '../github/comment-settings.js'
import type { Report } from '../report/schema.js'
import type { HistoryEntry, PrefixEntry } from './schema.js'
import { exitCodeOf } from '../run/command.js'

export type { HistoryEntry, PrefixEntry } from './schema.js'

export const HISTORY_FORMAT = 'redis-memory-guard-history'
/** Bumped when an entry changes shape in a way older readers would misread. */
export const HISTORY_VERSION = 1
/** Entries kept per series: enough for the noise band (10) and the trend (30) with room to spare. */
export const MAX_ENTRIES = 100
/** Prefixes kept per entry. */
export const MAX_PREFIXES = 50
/**
 * The contents API returns a file's content inline only up to 1 MB; above that a series could be
 * written but not read back. Serialised series stay under this, dropping old entries' prefixes first.
 */
export const MAX_SERIES_BYTES = 900 * 1024


export interface HistorySeries {
  format: typeof HISTORY_FORMAT
  version: typeof HISTORY_VERSION
  /** The series id, e.g. `CI/test/node=20,redis=7`. */
  series: string
  entries: HistoryEntry[]
}

/** Where a run came from; null parts are unknown (a report file on a laptop). */
export interface RunIdentity {
  commit: string | null
  branch: string | null
  runId: string | null
}

/**
 * The series id: the same key the PR comment's marker uses (comment-key, else workflow/job/matrix
 * values), so a job's comment and its baseline can never pair up with another leg's.
 */
export function seriesId(inputs: { commentKey: string; matrix: string }, env: NodeJS.ProcessEnv = process.env): string {
  const custom = inputs.commentKey.trim()
  if (custom) return custom
  return defaultCommentKey(env.GITHUB_WORKFLOW ?? '', env.GITHUB_JOB ?? '', matrixValues(parseMatrix(inputs.matrix)))
}

/**
 * The series' file on the data branch: a readable slug plus a hash of the exact id, so ids that
 * differ only in characters a path cannot hold still get their own file.
 */
export function seriesPath(id: string): string {
  const slug = id.replace(/[^A-Za-z0-9._=-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 80) || 'series'
  // node:crypto loaded on first use, not at every step start.
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 10)
  return `redis-memory-guard/${slug}-${hash}.json`
}

/** An empty series. */
export function emptySeries(id: string): HistorySeries {
  return { format: HISTORY_FORMAT, version: HISTORY_VERSION, series: id, entries: [] }
}

const prefixKey = (p: { db: number; prefix: string; prefixBase64?: string }): string => `${p.db}\u0000${p.prefixBase64 ?? p.prefix}`

/**
 * The top prefixes after the step, from the key analysis: its 50 largest when the report has them;
 * in reports of earlier versions, the union of the top lists by memory and by count, which is every
 * prefix only when both lists were shorter than their cap (`listCap`, the report's TOP_N).
 */
export function prefixesFromReport(report: Report, listCap: number): HistoryEntry['prefixes'] {
  const keys = report.keys
  if (!keys) return null
  const toEntry = (p: PrefixFigure): PrefixEntry => ({
    db: p.db,
    prefix: p.prefix,
    ...(p.prefixBase64 ? { prefixBase64: p.prefixBase64 } : {}),
    keys: p.keys,
    bytes: keys.memoryUsage ? p.bytes : null
  })
  if (keys.largestPrefixes) {
    const list = keys.largestPrefixes.list.slice(0, MAX_PREFIXES).map(toEntry)
    return { complete: keys.largestPrefixes.complete && keys.largestPrefixes.list.length <= MAX_PREFIXES, memoryUsage: keys.memoryUsage, list }
  }
  const seen = new Map<string, PrefixEntry>()
  const add = (p: PrefixFigure): void => {
    const k = prefixKey(p)
    if (!seen.has(k)) seen.set(k, toEntry(p))
  }
  keys.topPrefixesByMemory.forEach(add)
  keys.topPrefixesByCount.forEach(add)
  const list = [...seen.values()].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0) || b.keys - a.keys)
  const listedAll = keys.topPrefixesByCount.length < listCap && (!keys.memoryUsage || keys.topPrefixesByMemory.length < listCap)
  return { complete: listedAll && list.length <= MAX_PREFIXES, memoryUsage: keys.memoryUsage, list: list.slice(0, MAX_PREFIXES) }
}

/** One history entry from a report. `listCap` is how many prefixes the report lists per ranking. */
export function entryFromReport(report: Report, run: RunIdentity, listCap: number): HistoryEntry {
  const after = report.after
  const server = report.server
  return {
    commit: run.commit,
    branch: run.branch,
    runId: run.runId,
    date: report.generatedAt,
    toolVersion: report.tool.version,
    engine: server ? { kind: server.kind, version: server.version ?? server.redisCompatVersion } : null,
    maxmemory: after?.memory.maxmemory ?? null,
    maxmemoryPolicy: after?.memory.maxmemoryPolicy ?? null,
    peak: report.peak ? { bytes: report.peak.bytes, source: report.peak.source } : null,
    usedAfter: after?.memory.usedMemory ?? null,
    leakedKeys: report.leakedKeys,
    oomErrors: report.oomErrors,
    evictedKeys: report.evictedKeys,
    rejectedCalls: report.rejectedCalls,
    verdict: report.verdict,
    commandFailed: report.command ? failedExitCode(report.command) : null,
    prefixes: prefixesFromReport(report, listCap)
  }
}

/** The command's exit code when it failed, as a shell reports it (128 + signal); null when it exited 0. */
function failedExitCode(c: NonNullable<Report['command']>): number | null {
  if (c.exitCode === 0 && c.signal === null) return null
  return exitCodeOf(c)
}

/**
 * Adds an entry, keeping the newest MAX_ENTRIES. A re-run of the same workflow run on the same
 * commit replaces its earlier entry instead of counting twice in the noise band.
 */
export function appendEntry(series: HistorySeries, entry: HistoryEntry, max = MAX_ENTRIES): HistorySeries {
  const rerun = (e: HistoryEntry): boolean => entry.runId !== null && e.runId === entry.runId && e.commit === entry.commit
  const entries = [...series.entries.filter((e) => !rerun(e)), entry]
  return { ...series, entries: entries.slice(Math.max(0, entries.length - max)) }
}

/**
 * The file's text: one entry per line, so the data branch's history shows one changed line per run.
 * Over MAX_SERIES_BYTES, the oldest entries lose their prefix lists (only recent ones are compared).
 */
export function serializeSeries(series: HistorySeries, maxBytes = MAX_SERIES_BYTES): string {
  const entries = series.entries.map((e) => ({ ...e }))
  const text = (): string => {
    const head = JSON.stringify({ format: series.format, version: series.version, series: series.series })
    const lines = entries.map((e) => JSON.stringify(e))
    return `${head.slice(0, -1)},"entries":[\n${lines.join(',\n')}\n]}\n`
  }
  let out = text()
  for (let i = 0; Buffer.byteLength(out, 'utf8') > maxBytes && i < entries.length - 1; i++) {
    entries[i] = { ...entries[i], prefixes: null }
    out = text()
  }
  // Still too large (enormous prefix names): drop the oldest entries, never the newest.
  while (Buffer.byteLength(out, 'utf8') > maxBytes && entries.length > 1) {
    entries.shift()
    out = text()
  }
  return out
}

/** Parses a history file; anything else throws a UserError naming `source` and what was expected. */
export function parseHistory(text: string, source: string): HistorySeries {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new UserError(`${source}: not JSON (${(err as Error).message}). Expected a redis-memory-guard history file or JSON report.`)
  }
  return historyFromJson(data, source)
}

/** Checks parsed JSON as a history file. */
export function historyFromJson(data: unknown, source: string): HistorySeries {
  const o = data as Record<string, unknown> | null
  if (typeof o !== 'object' || o === null || o.format !== HISTORY_FORMAT) {
    throw new UserError(`${source}: not a redis-memory-guard history file (no "format": "${HISTORY_FORMAT}").`)
  }
  if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1) {
    throw new UserError(`${source}: the history file has no valid "version".`)
  }
  if (o.version > HISTORY_VERSION) {
    throw new UserError(
      `${source}: history version ${o.version} was written by a newer redis-memory-guard; this one reads version ${HISTORY_VERSION}. Update the action or CLI.`
    )
  }
  if (typeof o.series !== 'string') throw new UserError(`${source}: the history file has no "series" name.`)
  if (!Array.isArray(o.entries)) throw new UserError(`${source}: the history file has no "entries" list.`)
  return { format: HISTORY_FORMAT, version: HISTORY_VERSION, series: o.series, entries: o.entries.map((e, i) => readEntry(e, `${source}: entry ${i + 1}`)) }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const numOrNull = (v: unknown, where: string, field: string): number | null => {
  if (v === null || v === undefined) return null
  if (!isNum(v)) throw new UserError(`${where}: "${field}" must be a number or null.`)
  return v
}
const strOrNull = (v: unknown, where: string, field: string): string | null => {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') throw new UserError(`${where}: "${field}" must be text or null.`)
  return v
}

const VERDICTS: readonly string[] = ['pass', 'warn', 'fail']
/** The peak sources of schema 2, and `before-after` of schema 1 reports. */
const PEAK_SOURCES: readonly string[] = ['sampled', 'info-peak', 'before', 'after', 'before-after']

function readEntry(raw: unknown, where: string): HistoryEntry {
  const e = raw as Record<string, unknown> | null
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new UserError(`${where}: not an object.`)
  if (typeof e.date !== 'string' || Number.isNaN(Date.parse(e.date))) throw new UserError(`${where}: "date" must be an ISO date.`)
  const engine = e.engine as Record<string, unknown> | null | undefined
  const peak = e.peak as Record<string, unknown> | null | undefined
  if (peak && !PEAK_SOURCES.includes(String(peak.source))) throw new UserError(`${where}: "peak.source" must be one of ${PEAK_SOURCES.join(', ')}.`)
  const verdict = String(e.verdict)
  if (!VERDICTS.includes(verdict)) throw new UserError(`${where}: "verdict" must be pass, warn or fail.`)
  return {
    commit: strOrNull(e.commit, where, 'commit'),
    branch: strOrNull(e.branch, where, 'branch'),
    runId: strOrNull(e.runId, where, 'runId'),
    date: e.date,
    toolVersion: typeof e.toolVersion === 'string' ? e.toolVersion : 'unknown',
    engine: engine ? { kind: String(engine.kind), version: strOrNull(engine.version, where, 'engine.version') } : null,
    maxmemory: numOrNull(e.maxmemory, where, 'maxmemory'),
    maxmemoryPolicy: strOrNull(e.maxmemoryPolicy, where, 'maxmemoryPolicy'),
    peak: peak ? { bytes: numOrNull(peak.bytes, where, 'peak.bytes'), source: peak.source as PeakSource } : null,
    usedAfter: numOrNull(e.usedAfter, where, 'usedAfter'),
    leakedKeys: numOrNull(e.leakedKeys, where, 'leakedKeys'),
    oomErrors: numOrNull(e.oomErrors, where, 'oomErrors'),
    evictedKeys: numOrNull(e.evictedKeys, where, 'evictedKeys'),
    rejectedCalls: numOrNull(e.rejectedCalls, where, 'rejectedCalls'),
    verdict: verdict as Verdict,
    ...(e.commandFailed === undefined ? {} : { commandFailed: numOrNull(e.commandFailed, where, 'commandFailed') }),
    prefixes: readPrefixes(e.prefixes, where)
  }
}

function readPrefixes(raw: unknown, where: string): HistoryEntry['prefixes'] {
  if (raw === null || raw === undefined) return null
  const p = raw as Record<string, unknown>
  if (typeof p !== 'object' || !Array.isArray(p.list)) throw new UserError(`${where}: "prefixes" must be null or have a "list".`)
  const list = p.list.map((item: unknown, i: number): PrefixEntry => {
    const x = item as Record<string, unknown> | null
    if (typeof x !== 'object' || x === null || !isNum(x.db) || typeof x.prefix !== 'string' || !isNum(x.keys)) {
      throw new UserError(`${where}: prefix ${i + 1} needs "db", "prefix" and "keys".`)
    }
    return {
      db: x.db,
      prefix: x.prefix,
      ...(typeof x.prefixBase64 === 'string' ? { prefixBase64: x.prefixBase64 } : {}),
      keys: x.keys,
      bytes: numOrNull(x.bytes, where, `prefixes.list[${i}].bytes`)
    }
  })
  return { complete: p.complete === true, memoryUsage: p.memoryUsage === true, list: list.slice(0, MAX_PREFIXES) }
}

export interface HistoryRow {
  date: string
  /** The first 7 characters of the commit, or null. */
  commit: string | null
  branch: string | null
  runId: string | null
  engine: string | null
  maxmemory: number | null
  peak: number | null
  peakSource: PeakSource | null
  usedAfter: number | null
  leakedKeys: number | null
  oomErrors: number | null
  evictedKeys: number | null
  verdict: Verdict
  /** The `run` command's exit code when it failed; null otherwise. */
  commandFailed: number | null
}

/** The rows `redis-memory-guard history FILE` prints, newest first; figures stay numbers (bytes, counts). */
export function historyTable(series: HistorySeries): HistoryRow[] {
  return [...series.entries].reverse().map((e) => ({
    date: e.date,
    commit: e.commit ? e.commit.slice(0, 7) : null,
    branch: e.branch,
    runId: e.runId,
    engine: engineLabel(e.engine),
    maxmemory: e.maxmemory,
    peak: e.peak?.bytes ?? null,
    peakSource: e.peak?.source ?? null,
    usedAfter: e.usedAfter,
    leakedKeys: e.leakedKeys,
    oomErrors: e.oomErrors,
    evictedKeys: e.evictedKeys,
    verdict: e.verdict,
    commandFailed: e.commandFailed ?? null
  }))
}

const ENGINE_NAMES: Record<string, string> = { redis: 'Redis', valkey: 'Valkey', keydb: 'KeyDB', dragonfly: 'Dragonfly', unknown: 'Unknown server' }

/** `Redis 7.2.4`, `Valkey 8.0.1`; null when unknown. */
export function engineLabel(engine: HistoryEntry['engine']): string | null {
  if (!engine) return null
  const name = ENGINE_NAMES[engine.kind] ?? engine.kind
  return engine.version ? `${name} ${engine.version}` : name
}
