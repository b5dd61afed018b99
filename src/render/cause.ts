/**
 * `report.cause` for the report model: what the summary, the PR comment and the terminal say about
 * why memory went where it did. Plain data; key names and prefixes stay apart from our words, so
 * each format escapes them its own way (they come from Redis and are untrusted).
 */
import type { CauseReport } from '../explain/cause.js'
import { PART_LABELS } from '../explain/memory.js'
import { MOMENT_LABELS, type MomentSnapshot } from '../explain/moments.js'
import type { Report } from '../report/schema.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import { fullTestName } from '../explain/attribution.js'
import { EVENT_LABELS, type TestMention } from '../explain/test-timeline.js'

/** A key as shown: its DB and its name (untrusted). */
export interface KeyRef {
  db: number
  key: string
}

/** One moment snapshot: "at the first OOM (12.4 s into the step): 2.0 MB used, of which `app:*:events` 1.2 MB (stream)". */
export interface MomentView {
  /** "at the first OOM", "and at the first eviction". */
  label: string
  /** "12.4 s into the step"; null when the step's start is not known. */
  into: string | null
  /** "2.0 MB used" */
  used: string
  /** The prefixes that held the most, largest first; `name` is untrusted. */
  prefixes: { db: number; name: string; size: string; types: string[] }[]
  /** The largest keys then, with type and size; `key` is untrusted. */
  largestKeys: (KeyRef & { what: string })[]
  /** "from 20,000 of 210,694 keys: ..." when the snapshot looked at part of the keyspace. */
  partial: string | null
  /** Why the keys could not be looked at (a connection's error text: untrusted). */
  error: string | null
  /** The biggest part of memory then, when it was not the keys ("clients' buffers, 1.4 MB"): keys were not the cause. */
  notKeys: string | null
  /** The test(s) running then, when JUnit files were given (untrusted test names). */
  during: string | null
}

export interface LeakedKeyView extends KeyRef {
  /** "3.2 s into the step"; null when not recorded. */
  when: string | null
  /** The last line the command printed before it (the command's output: untrusted). */
  lineBefore: string | null
  /** The test running then (from the JUnit files: untrusted). */
  test: string | null
}

/** Leaked keys of one test (exact) or of one set of candidate tests. */
export interface TestKeysView {
  /** The full test name (file or module, class, name); with candidates "a or b or c" (untrusted). */
  name: string
  exact: boolean
  file: string
  /** Every leaked key attributed so. */
  keyCount: number
  /** "1.2 MB"; null when not measured. */
  size: string | null
  keys: KeyRef[]
}

/** An event of the step and the test(s) running then. */
export interface EventView {
  label: string
  /** "12.4 s into the step", or the time. */
  when: string
  detail: string
  /** "test_b (certain)", "test_a or test_b (candidates)"; null without JUnit files (untrusted test names). */
  during: string | null
}

/** Tests during which used memory grew, and what the figure rests on. */
export interface GrowthView {
  rows: { test: string; grew: string; span: string; alone: boolean }[]
  /** How the figures were measured: sampling interval and placement uncertainty. */
  note: string
}

/** Error replies grouped by prefix and by command. */
export interface ErrorRepliesView {
  /**
   * `when`: "3.2 s into the step" (the sample that first saw one; it came since the sample before);
   * `first`: the test(s) running then, or "unknown: why"; both null in reports that did not time it.
   * `named`: `first` names a test (or says none was running), it is not "unknown".
   */
  byPrefix: { prefix: string; count: string; when: string | null; first: string | null; named: boolean }[]
  byCommand: { command: string; failed: string; rejected: string }[]
  notes: string[]
}

export interface CauseView {
  /** The step's events on the test timeline; empty when not sampled. */
  events: EventView[]
  /** Null without JUnit files or samples. */
  growth: GrowthView | null
  errors: ErrorRepliesView | null
  moments: MomentView[]
  /** Sentences of ours on what the memory is made of; they may quote a client's last command (escape as prose). */
  explanations: string[]
  /** The one explanation that says most (not keys, near the empty server, eviction that could not help); null when only the biggest part is known. */
  telling: string | null
  /** What the memory was made of after the step, largest first. */
  parts: { label: string; size: string; share: string }[]
  /** Why there is no breakdown, when there is none. */
  partsUnavailable: string | null
  /** Leaked keys with when they appeared; empty when no key was leaked. */
  leakedKeys: LeakedKeyView[]
  /** Why leaked keys have no times (the recorder could not run), or how many were past its cap. */
  timesNote: string | null
  /** From junit-report; null when it was not given. Most keys first. */
  tests: TestKeysView[] | null
  unattributed: KeyRef[]
  /** All leaked keys with a time that fell in no test. */
  unattributedCount: number
  /** How exact the mapping to tests is, and what was not found. */
  testNotes: string[]
}

/** The test's full name (file or module, class, name), as reports of earlier versions lack `fullName`. */
function testName(t: { name: string; classname: string; suites: string[]; fullName?: string }): string {
  return t.fullName ?? fullTestName(t)
}

/** "tests/test_a.py › test_b" when exact, "a or b (one of these)" otherwise. */
export function mentionText(m: TestMention | undefined | null): string | null {
  if (!m || m.exactness === 'none' || !m.test) return m ? 'no test was running' : null
  if (m.exactness === 'exact') return m.test.fullName
  const names = m.candidates.map((c) => c.fullName)
  return candidatesText(names, m.moreCandidates)
}

/** "one of a or b", or "a (or between tests)" when only one test may have been running but not for sure. */
function candidatesText(names: string[], more = 0): string {
  if (names.length === 1 && more === 0) return `${names[0]} (or between tests)`
  return `one of ${names.join(' or ')}${more > 0 ? ` or ${more} more` : ''}`
}

function growthView(c: CauseReport): GrowthView | null {
  const g = c.memoryPerTest
  if (!g) return null
  const interval = g.intervalMs === null ? 'unknown' : formatDuration(g.intervalMs)
  return {
    rows: g.growth.map((r) => ({ test: r.test.fullName, grew: `+${formatBytes(r.grewBytes)}`, span: formatDuration(r.spanMs), alone: r.alone })),
    note:
      `Growth is used_memory of the first sample after a test may have ended minus the last before it may have started (samples every ${interval}; ` +
      `test starts uncertain by up to ±${formatDuration(g.uncertaintyMs)}), so it covers the span shown, which may hold other tests too ("shared").`
  }
}

function errorsView(c: CauseReport, started: string | null): ErrorRepliesView | null {
  const e = c.errorReplies
  if (!e) return null
  const n = (v: number | null): string => (v === null ? 'not reported' : formatCount(v))
  return {
    byPrefix: e.byPrefix.map((p) => ({
      prefix: p.prefix,
      count: formatCount(p.count),
      when: p.firstSecondsIntoStep != null ? `${formatDuration(p.firstSecondsIntoStep * 1000)} into the step` : intoStep(p.firstAt, started),
      first: p.firstTest ? mentionText(p.firstTest) : p.firstTestUnknown ? `unknown: ${p.firstTestUnknown}` : null,
      named: p.firstTest !== undefined
    })),
    byCommand: e.byCommand.map((b) => ({ command: b.command, failed: n(b.failed), rejected: n(b.rejected) })),
    notes: e.notes
  }
}

/** "1.7 s into the step" from a time and the step's start (reports of earlier versions carry only the time). */
function intoStep(at: string | null, started: string | null): string | null {
  if (at === null) return null
  const ms = Date.parse(at) - (started ? Date.parse(started) : NaN)
  return Number.isFinite(ms) ? `${formatDuration(Math.max(0, ms))} into the step` : at
}

function momentView(m: MomentSnapshot & { during?: TestMention }, stepStartedAt: string | null): MomentView {
  const start = stepStartedAt ? Date.parse(stepStartedAt) : NaN
  return {
    label: m.reasons.map((r) => MOMENT_LABELS[r]).join(' and '),
    into: Number.isFinite(start) ? `${formatDuration(Math.max(0, Date.parse(m.at) - start))} into the step` : null,
    used: m.usedMemory === null ? 'used memory not reported' : `${formatBytes(m.usedMemory)} used`,
    prefixes: m.topPrefixes.map((p) => ({ db: p.db, name: p.prefix, size: `${p.estimated ? '≈' : ''}${formatBytes(p.bytes)}`, types: p.types })),
    largestKeys: m.largestKeys.map((k) => ({ db: k.db, key: k.key, what: [k.type, k.bytes === null ? null : formatBytes(k.bytes)].filter(Boolean).join(', ') })),
    partial: m.scan.complete
      ? null
      : `from ${formatCount(m.scan.scannedKeys)} of ${formatCount(m.scan.totalKeys)} keys${m.scan.note ? `: ${m.scan.note}` : ''}`,
    error: m.error ?? null,
    notKeys: notKeysThen(m),
    during: m.during ? mentionText(m.during) : null
  }
}

/** At a moment, memory held by something other than keys (a subscriber that does not read) matters even if it is gone by the end. */
function notKeysThen(m: MomentSnapshot): string | null {
  const b = m.breakdown?.breakdown
  if (!b?.biggest || b.biggest.part === 'dataset') return null
  const dataset = b.parts.find((p) => p.part === 'dataset')?.bytes ?? null
  if (dataset !== null && dataset >= b.biggest.bytes) return null
  return `${PART_LABELS[b.biggest.part]}, ${formatBytes(b.biggest.bytes)}`
}

const TELLING = ['not-keys', 'maxmemory-near-empty-server', 'volatile-policy-without-ttl', 'non-evictable-memory']

/** The cause as the formats show it; null when the report has no `cause` section. */
export function causeView(report: Report): CauseView | null {
  const c: CauseReport | undefined = report.cause
  if (!c) return null
  // The zero the sampling section counts from, so "1.7 s into the step" means the same everywhere.
  const started = report.sampling?.startedAt ?? report.command?.startedAt ?? report.before?.takenAt ?? null
  const b = c.memory.breakdown
  const times = c.leakedKeyTimes
  const recorded = times.keys.filter((k) => k.firstSeenAt !== null).length
  let timesNote: string | null = null
  if (times.keys.length > 0 && !times.recorded) timesNote = `When the leaked keys appeared is not known: ${times.unavailable ?? 'not recorded'}.`
  else if (times.keys.length > recorded) {
    timesNote = `${times.keys.length - recorded} of ${times.keys.length} leaked keys have no recorded time${times.dropped > 0 ? ` (${formatCount(times.dropped)} new keys were past the recorder's cap)` : ''}.`
  }
  const gaps = (times.unobserved ?? []).map(
    (u) => `Keys were not followed for ${formatDuration(Date.parse(u.to) - Date.parse(u.from))}${u.secondsIntoStep === null ? '' : ` from ${formatDuration(u.secondsIntoStep * 1000)} into the step`}: ${u.reason}; the guard reconnected, and keys born then have no time.`
  )
  if (gaps.length > 0) timesNote = [timesNote, ...gaps].filter((t) => t !== null).join(' ')
  const tests = c.testsThatLeftKeys
  const events: EventView[] = (c.timeline?.events ?? []).map((e) => ({
    label: EVENT_LABELS[e.kind],
    when: e.secondsIntoStep === null ? e.to : `${formatDuration(e.secondsIntoStep * 1000)} into the step`,
    detail: e.detail,
    during: e.during ? mentionText(e.during) : null
  }))
  return {
    events,
    growth: growthView(c),
    errors: errorsView(c, started),
    moments: c.moments.map((m) => momentView(m, started)),
    explanations: c.memory.explanations.map((e) => e.text),
    telling: c.memory.explanations.find((e) => TELLING.includes(e.kind))?.text ?? null,
    parts: (b?.parts ?? []).filter((p) => p.bytes > 0).map((p) => ({ label: PART_LABELS[p.part], size: formatBytes(p.bytes), share: `${Math.round(p.share * 100)}%` })),
    partsUnavailable: b ? null : (c.memory.unavailable ?? 'MEMORY STATS gave no answer'),
    leakedKeys: times.keys.map((k) => ({
      db: k.db,
      key: k.key,
      when: k.secondsIntoStep === null ? null : `${formatDuration(k.secondsIntoStep * 1000)} into the step`,
      lineBefore: k.lineBefore,
      test: k.test ? (k.test.exactness === 'candidates' && k.test.candidates?.length ? candidatesText(k.test.candidates) : testName(k.test)) : null
    })),
    timesNote,
    tests: tests
      ? tests.tests.map((t) => ({
          name: t.exactness === 'candidates' && t.candidates ? candidatesText(t.candidates.map((x) => x.fullName)) : testName(t),
          exact: t.exactness !== 'candidates',
          file: t.file,
          keyCount: t.keyCount ?? t.keys.length,
          size: t.bytes === null || t.bytes === undefined ? null : formatBytes(t.bytes),
          keys: t.keys.map((k) => ({ db: k.db, key: k.key }))
        }))
      : null,
    unattributed: tests ? tests.unattributed.map((k) => ({ db: k.db, key: k.key })) : [],
    unattributedCount: tests ? (tests.unattributedCount ?? tests.unattributed.length) : 0,
    testNotes: tests ? [tests.exactness, ...tests.notes].filter((n) => n !== '') : []
  }
}
