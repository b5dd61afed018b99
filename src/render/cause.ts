/**
 * `report.cause` for the report model: what the summary, the PR comment and the terminal say about
 * why memory went where it did. Plain data; key names and prefixes stay apart from our words, so
 * each format escapes them its own way (they come from Redis and are untrusted).
 */
import type { CauseReport } from '../explain/cause.js'
import { PART_LABELS } from '../explain/memory.js'
import { MOMENT_LABELS, type MomentSnapshot } from '../explain/moments.js'
import type { Report } from '../report/report.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'

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
}

export interface LeakedKeyView extends KeyRef {
  /** "3.2 s into the step"; null when not recorded. */
  when: string | null
  /** The last line the command printed before it (the command's output: untrusted). */
  lineBefore: string | null
  /** The test running then (from the JUnit files: untrusted). */
  test: string | null
}

export interface CauseView {
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
  /** From junit-report; null when it was not given. */
  tests: { name: string; file: string; keys: KeyRef[] }[] | null
  unattributed: KeyRef[]
  /** How exact the mapping to tests is, and what was not found. */
  testNotes: string[]
}

/** The test's name as people search for it: suites and name. */
function testName(t: { name: string; classname: string; suites: string[] }): string {
  const path = t.suites.filter((s) => s !== '' && s !== t.name)
  return [...path, t.name].join(' › ') || t.classname || '(unnamed test)'
}

function momentView(m: MomentSnapshot, stepStartedAt: string | null): MomentView {
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
    notKeys: notKeysThen(m)
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
  return {
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
      test: k.test ? testName(k.test) : null
    })),
    timesNote,
    tests: tests ? tests.tests.map((t) => ({ name: testName(t), file: t.file, keys: t.keys.map((k) => ({ db: k.db, key: k.key })) })) : null,
    unattributed: tests ? tests.unattributed.map((k) => ({ db: k.db, key: k.key })) : [],
    testNotes: tests ? [tests.exactness, ...tests.notes].filter((n) => n !== '') : []
  }
}
